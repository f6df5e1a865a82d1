package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.util.List;

/**
 * One model response used as training data.
 *
 * @param text the response text
 * @param tokenIds the response token ids, if the engine returned them
 * @param logprobs per-token natural-log probabilities under the producing policy, if recorded
 *     (behaviour log-probs for staleness weighting)
 * @param inferenceId the served inference this response came from, null for judge-time samples
 * @param policyVersion the adapter version that produced it (0 = base model)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Completion(
        String text, List<Integer> tokenIds, List<Double> logprobs, String inferenceId, long policyVersion) {
    public Completion {
        tokenIds = Collections2.nullableList(tokenIds);
        logprobs = Collections2.nullableList(logprobs);
    }

    /** A response known only by its text. */
    public static Completion of(String text, String inferenceId, long policyVersion) {
        return new Completion(text, null, null, inferenceId, policyVersion);
    }
}
