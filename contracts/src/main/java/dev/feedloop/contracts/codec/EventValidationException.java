package dev.feedloop.contracts.codec;

import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.schema.Violation;
import java.util.List;

/**
 * An event's bytes are not valid JSON, or its JSON does not satisfy the event's schema.
 *
 * <p>The message names the first offending field by JSON Pointer and says what is wrong, for example
 * {@code invalid feedback: /rating: must be <= 5, got 7}; {@link #violations()} lists them all.
 */
public final class EventValidationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final EventType type;
    private final Problem problem;
    private final transient List<Violation> violations;

    public EventValidationException(EventType type, Problem problem, List<Violation> violations) {
        super(describe(type, violations));
        this.type = type;
        this.problem = problem;
        this.violations = List.copyOf(violations);
    }

    private static String describe(EventType type, List<Violation> violations) {
        StringBuilder sb = new StringBuilder("invalid ").append(type.slug()).append(": ");
        sb.append(violations.isEmpty() ? "(no detail)" : violations.get(0).toString());
        if (violations.size() > 1) {
            sb.append(" (and ").append(violations.size() - 1).append(" more)");
        }
        return sb.toString();
    }

    /** The event type that was being encoded or decoded. */
    public EventType type() {
        return type;
    }

    /** Whether the bytes were not JSON at all, or the JSON broke the schema. */
    public Problem problem() {
        return problem;
    }

    /** Every violation, in document order; never empty. */
    public List<Violation> violations() {
        return violations;
    }

    /** The two ways an event can be invalid. */
    public enum Problem {
        MALFORMED_JSON,
        SCHEMA_VIOLATION
    }
}
