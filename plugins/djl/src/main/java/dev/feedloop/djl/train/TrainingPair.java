package dev.feedloop.djl.train;

import java.util.Objects;

/**
 * One preference pair as token ids.
 *
 * @param prompt prompt ids (at least one)
 * @param chosen preferred response ids
 * @param rejected other response ids
 * @param weight staleness/importance weight from the buffer, in [0, 1]; the loss is Σ wᵢℓᵢ / N
 * @param chosenBehaviour per-token log-probs of {@code chosen} under the policy that sampled it, or null
 * @param rejectedBehaviour likewise for {@code rejected}, or null
 */
public record TrainingPair(int[] prompt, int[] chosen, int[] rejected, double weight, float[] chosenBehaviour,
        float[] rejectedBehaviour) {
    public TrainingPair {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(chosen, "chosen");
        Objects.requireNonNull(rejected, "rejected");
        if (prompt.length == 0 || chosen.length == 0 || rejected.length == 0) {
            throw new IllegalArgumentException("prompt and both responses need at least one token");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("pair weight must be a finite number >= 0, got " + weight);
        }
        if (chosenBehaviour != null && chosenBehaviour.length != chosen.length
                || rejectedBehaviour != null && rejectedBehaviour.length != rejected.length) {
            throw new IllegalArgumentException("behaviour log-probs must have one value per response token");
        }
    }

    /** A pair with weight 1 and no behaviour log-probs. */
    public static TrainingPair of(int[] prompt, int[] chosen, int[] rejected) {
        return new TrainingPair(prompt, chosen, rejected, 1.0, null, null);
    }
}
