package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.databind.JsonNode;

/** One compiled (sub)schema: a conjunction of keyword checks. */
interface SchemaNode {
    /**
     * Reports the violations of {@code value} (found at JSON Pointer {@code path}) to {@code out}.
     */
    void validate(JsonNode value, Pointer path, Out out);

    /** True if the value satisfies this schema; builds no messages and stops at the first violation. */
    default boolean matches(JsonNode value) {
        Out verdict = Out.verdict();
        validate(value, Pointer.ROOT, verdict);
        return !verdict.failed();
    }
}
