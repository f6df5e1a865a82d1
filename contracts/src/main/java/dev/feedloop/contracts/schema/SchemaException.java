package dev.feedloop.contracts.schema;

/** A schema itself is broken: unreadable, an unsupported keyword, or a {@code $ref} that does not resolve. */
public final class SchemaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SchemaException(String message) {
        super(message);
    }

    public SchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
