package dev.feedloop.contracts.schema;

import java.util.Objects;

/**
 * One reason a JSON document does not satisfy its schema.
 *
 * @param path JSON Pointer (RFC 6901) to the offending value, {@code ""} for the document itself;
 *     for a missing required property it points at the property that should be there
 * @param message what is wrong, in words, including the offending value where that helps
 */
public record Violation(String path, String message) {
    public Violation {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return (path.isEmpty() ? "(document)" : path) + ": " + message;
    }
}
