package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** One compiled (sub)schema: a conjunction of keyword checks. */
interface SchemaNode {
    /**
     * Appends the violations of {@code value} (found at JSON Pointer {@code path}) to {@code out}.
     */
    void validate(JsonNode value, Pointer path, List<Violation> out);

    /** True if the value satisfies this schema; cheaper callers may override. */
    default boolean matches(JsonNode value) {
        List<Violation> scratch = new ArrayList<>(0);
        validate(value, Pointer.ROOT, scratch);
        return scratch.isEmpty();
    }
}
