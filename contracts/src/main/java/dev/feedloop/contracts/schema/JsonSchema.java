package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
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
        root.validate(document, Pointer.ROOT, Out.collecting(out));
        return out;
    }

    /**
     * Checks the JSON value at the parser's current token as its tokens go by, without building a
     * tree: for valid documents, several times cheaper than parsing and validating a tree. Numbers are
     * read as Jackson's default tree model reads them (floating-point as double).
     *
     * @param parser positioned on the value's first token; left on its last token if the value is accepted
     * @return true if the value satisfies the schema, as {@link #validate} of its tree would find; false
     *     if it does not, or if this check cannot tell (for instance when an object repeats a property
     *     name, of which a tree keeps the last only): then validate the tree to know, and to learn why
     * @throws IOException if the parser fails (for instance on malformed JSON)
     */
    public boolean accepts(JsonParser parser) throws IOException {
        return StreamingNode.streaming(root).accepts(parser);
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
