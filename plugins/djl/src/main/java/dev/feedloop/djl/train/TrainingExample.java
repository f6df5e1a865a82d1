package dev.feedloop.djl.train;

import java.util.Objects;

/**
 * One unpaired example for KTO.
 *
 * @param prompt prompt ids
 * @param completion response ids
 * @param desirable thumbs up (true) or down
 * @param weight staleness/importance weight
 */
public record TrainingExample(int[] prompt, int[] completion, boolean desirable, double weight) {
    public TrainingExample {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(completion, "completion");
        if (prompt.length == 0 || completion.length == 0) {
            throw new IllegalArgumentException("prompt and completion need at least one token");
        }
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("example weight must be a finite number >= 0, got " + weight);
        }
    }
}
