package dev.feedloop.contracts.event;

import java.util.List;

/**
 * Default topic names. All are configurable ({@code topics.*} keys); a breaking schema change gets a
 * new {@code .v2} topic rather than a new meaning for an old one.
 */
public final class Topics {
    /** Served requests and responses ({@link InferenceRecord}); key = inference id. */
    public static final String INFERENCE = "feedloop.inference.v1";
    /** User feedback ({@link Feedback}); key = inference id. */
    public static final String FEEDBACK = "feedloop.feedback.v1";
    /** Training data ({@link PreferencePair}, {@link UnpairedExample}); key = prompt hash. */
    public static final String PREFERENCES = "feedloop.preferences.v1";
    /** Adapter versions ({@link AdapterRelease}); compacted; key = {@code <name>-v<version>}. */
    public static final String ADAPTERS = "feedloop.adapters.v1";
    /** Records that could not be handled ({@link DeadLetter}). */
    public static final String DEAD_LETTER = "feedloop.deadletter.v1";

    /** Every default topic, in pipeline order. */
    public static final List<String> ALL = List.of(INFERENCE, FEEDBACK, PREFERENCES, ADAPTERS, DEAD_LETTER);

    private Topics() {}
}
