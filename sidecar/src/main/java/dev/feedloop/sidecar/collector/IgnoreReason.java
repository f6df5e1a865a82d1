package dev.feedloop.sidecar.collector;

import java.util.Locale;

/**
 * Why joined (or unjoinable) feedback produced no training data. The closed set of values of the
 * {@code reason} tag on {@code feedloop.collector.ignored}.
 */
enum IgnoreReason {
    /** The inference record's HTTP status was not 2xx: there is no response to learn from. */
    NON_2XX,
    /** The inference record has no choices. */
    NO_CHOICES,
    /** CHOICE on an inference with fewer than two choices: nothing to prefer the choice over. */
    TOO_FEW_CHOICES,
    /** CHOICE whose {@code choice_index} names no choice of the inference. */
    CHOICE_OUT_OF_RANGE,
    /** A RATING of 3: neither desirable nor undesirable. */
    RATING_NEUTRAL,
    /** EDIT whose text equals the original response: chosen and rejected would be the same. */
    EDIT_UNCHANGED,
    /** REGENERATE naming the same inference as old and new response. */
    REGENERATE_SAME_INFERENCE,
    /** REGENERATE whose two inferences answer different prompts, so they cannot form one pair. */
    PROMPT_MISMATCH,
    /** Feedback and inference record (or the two records of a REGENERATE) belong to different tenants. */
    TENANT_MISMATCH,
    /** The collector is restricted to one tenant and this record or feedback belongs to another. */
    OTHER_TENANT,
    /** A record without a value (a tombstone) on the inference or feedback topic. */
    TOMBSTONE;

    /** The tag value, e.g. {@code choice_out_of_range}. */
    String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
