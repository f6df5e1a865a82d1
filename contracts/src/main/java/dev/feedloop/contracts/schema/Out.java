package dev.feedloop.contracts.schema;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where a check reports violations: either every violation with its message (validation), or only
 * whether there is one (a condition, an alternative, a streamed value), in which case no message is
 * built and checks may stop at the first violation.
 */
final class Out {
    private final List<Violation> violations;
    private boolean failed;

    private Out(List<Violation> violations) {
        this.violations = violations;
    }

    /** Collects every violation into {@code violations}. */
    static Out collecting(List<Violation> violations) {
        return new Out(violations);
    }

    /** Only notes whether there is a violation. */
    static Out verdict() {
        return new Out(null);
    }

    /** Reports a violation at {@code path}; the message is built only if violations are collected. */
    void add(Pointer path, Supplier<String> message) {
        failed = true;
        if (violations != null) {
            violations.add(new Violation(path.toString(), message.get()));
        }
    }

    /** Reports a violation that is already built. */
    void add(Violation violation) {
        failed = true;
        if (violations != null) {
            violations.add(violation);
        }
    }

    /** Whether violations (and their messages) are collected. */
    boolean collects() {
        return violations != null;
    }

    /** Whether a violation was reported. */
    boolean failed() {
        return failed;
    }

    /** True once a check may stop: a violation was reported and only the verdict is wanted. */
    boolean done() {
        return failed && violations == null;
    }
}
