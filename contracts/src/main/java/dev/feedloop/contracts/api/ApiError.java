package dev.feedloop.contracts.api;

import dev.feedloop.contracts.schema.Violation;
import java.util.ArrayList;
import java.util.List;

/**
 * The body of every error answer of the sidecar's own HTTP API (schema {@code api-error.v1.json}).
 *
 * @param code stable machine-readable code, e.g. {@code invalid_request}
 * @param message human-readable summary
 * @param details per-field problems; empty when the error is not about a field
 */
public record ApiError(String code, String message, List<Detail> details) {
    public ApiError {
        details = details == null ? List.of() : List.copyOf(details);
    }

    /** An error without field details. */
    public static ApiError of(String code, String message) {
        return new ApiError(code, message, List.of());
    }

    /** A 400 {@code invalid_request} listing schema violations as field details. */
    public static ApiError invalidRequest(String message, List<Violation> violations) {
        List<Detail> d = new ArrayList<>(violations.size());
        for (Violation v : violations) {
            d.add(new Detail(v.path(), v.message()));
        }
        return new ApiError("invalid_request", message, d);
    }

    /**
     * One field problem.
     *
     * @param field JSON Pointer to the field, {@code ""} for the whole body
     * @param reason what is wrong
     */
    public record Detail(String field, String reason) {}
}
