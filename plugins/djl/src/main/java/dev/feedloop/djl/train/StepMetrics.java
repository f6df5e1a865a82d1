package dev.feedloop.djl.train;

/**
 * What one optimizer step did. Rewards are β·(token-summed log-ratio), as DPO implementations report them.
 *
 * @param step optimizer step number (1-based)
 * @param loss mean weighted loss per example
 * @param chosenReward mean β·log-ratio of chosen responses (pairwise losses; desirable for KTO)
 * @param rejectedReward mean β·log-ratio of rejected responses (undesirable for KTO)
 * @param rewardMargin mean chosen − rejected reward
 * @param accuracy fraction of pairs whose chosen reward exceeds the rejected one
 * @param klToReference mean per-token KL estimate (k3) of the policy to the reference
 * @param klToBase mean per-token KL estimate (k3) of the policy to the base model
 * @param clampedFraction fraction of response tokens whose log-ratio hit a humanline bound
 * @param maskedFraction fraction of response tokens masked by M2PO
 * @param gradNorm global gradient norm before clipping
 * @param learningRate learning rate used
 * @param tokens tokens processed by the policy forward pass
 * @param seconds wall time of the step
 * @param kl0 KTO z₀ (0 for pairwise losses)
 */
public record StepMetrics(
        int step,
        double loss,
        double chosenReward,
        double rejectedReward,
        double rewardMargin,
        double accuracy,
        double klToReference,
        double klToBase,
        double clampedFraction,
        double maskedFraction,
        double gradNorm,
        double learningRate,
        long tokens,
        double seconds,
        double kl0) {

    /** Tokens per second. */
    public double tokensPerSecond() {
        return tokens / seconds;
    }

    /** Whether every figure is finite (divergence check). */
    public boolean finite() {
        return Double.isFinite(loss) && Double.isFinite(gradNorm) && Double.isFinite(rewardMargin);
    }
}
