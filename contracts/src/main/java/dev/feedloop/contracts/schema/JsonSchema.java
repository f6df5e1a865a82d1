package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled JSON Schema (the draft 2020-12 subset that {@link SchemaRegistry} documents).
 *
 * <p>Instances are immutable and thread-safe; validation allocates only for the violations it reports.
 */
public final class JsonSchema {
    private final String id;
    private final SchemaNode root;

    JsonSchema(String id, SchemaNode root) {
        this.id = id;
        this.root = root;
    }

    /** The schema's {@code $id}. */
    public String id() {
        return id;
    }

    /**
     * Validates a document.
     *
     * @param document the parsed JSON document
     * @return every violation found, in document order; empty when the document is valid
     */
    public List<Violation> validate(JsonNode document) {
        List<Violation> out = new ArrayList<>(0);
        root.validate(document, Pointer.ROOT, out);
        return out;
    }

    /** True when the document satisfies the schema. */
    public boolean isValid(JsonNode document) {
        return validate(document).isEmpty();
    }

    @Override
    public String toString() {
        return "JsonSchema[" + id + "]";
    }
}
