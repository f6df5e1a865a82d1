package dev.feedloop.djl.train;

import ai.djl.ndarray.NDArray;

/**
 * The preference losses over per-token log-probabilities, as NDArray expressions (differentiable in
 * the policy log-probs). All inputs are {@code [N, R]} response-token matrices with 0/1 masks.
 */
public final class Losses {
    private Losses() {}

    /**
     * Per-token log-ratio log π − log π_ref on real tokens; with humanline, clamped to
     * {@code [logεP, logεR]} (zero gradient outside, as {@code torch.clamp}).
     */
    public static NDArray tokenRatios(NDArray policy, NDArray reference, NDArray mask, TrainConfig c) {
        NDArray ratio = policy.sub(reference.stopGradient());
        if (c.humanline()) {
            ratio = ratio.clip(c.logEpsilonP(), c.logEpsilonR());
        }
        return ratio.mul(mask);
    }

    /** log σ(x), computed stably: −softplus(−x) = min(x, 0) − log(1 + e^{−|x|}). */
    public static NDArray logSigmoid(NDArray x) {
        return x.minimum(0f).sub(x.abs().neg().exp().add(1f).log());
    }

    /**
     * Per-pair losses {@code [P]}.
     *
     * @param chosen token log-ratios of the chosen responses {@code [P, R]} (already masked)
     * @param chosenMask real tokens of the chosen responses
     * @param rejected token log-ratios of the rejected responses
     * @param rejectedMask real tokens of the rejected responses
     */
    public static NDArray pairLosses(NDArray chosen, NDArray chosenMask, NDArray rejected, NDArray rejectedMask, TrainConfig c) {
        double beta = c.beta();
        double eps = c.labelSmoothing();
        if (c.loss() == LossType.IPO) {
            NDArray hw = chosen.sum(new int[] {1}).div(chosenMask.sum(new int[] {1}).maximum(1f));
            NDArray hl = rejected.sum(new int[] {1}).div(rejectedMask.sum(new int[] {1}).maximum(1f));
            return hw.sub(hl).sub(1.0 / (2 * beta)).square();
        }
        NDArray h = margin(chosen, rejected);
        NDArray bh = h.mul(beta);
        return switch (c.loss()) {
            case SIGMOID -> logSigmoid(bh).neg();
            case CDPO -> logSigmoid(bh).mul(-(1 - eps)).sub(logSigmoid(bh.neg()).mul(eps));
            case ROBUST -> logSigmoid(bh).mul(-(1 - eps)).add(logSigmoid(bh.neg()).mul(eps)).div(1 - 2 * eps);
            case HINGE -> bh.neg().add(1f).maximum(0f);
            default -> throw new IllegalArgumentException(c.loss() + " is not a pairwise loss");
        };
    }

    /** h = Σ chosen log-ratios − Σ rejected log-ratios, per pair {@code [P]}. */
    public static NDArray margin(NDArray chosen, NDArray rejected) {
        return chosen.sum(new int[] {1}).sub(rejected.sum(new int[] {1}));
    }

    /**
     * KTO losses {@code [N]}: desirable λ_D(1 − σ(β(r − z₀))), undesirable λ_U(1 − σ(β(z₀ − r))), with
     * r the token-summed (clamped under humanline) log-ratio.
     *
     * @param ratios token log-ratios {@code [N, R]} (masked)
     * @param desirable 1 for desirable, 0 for undesirable {@code [N]}
     * @param z0 the detached KL estimate max(0, mean r(y′))
     */
    public static NDArray ktoLosses(NDArray ratios, NDArray desirable, double z0, TrainConfig c) {
        NDArray r = ratios.sum(new int[] {1});
        NDArray up = sigmoid(r.sub(z0).mul(c.beta())).neg().add(1f).mul(c.ktoDesirableWeight());
        NDArray down = sigmoid(r.neg().add(z0).mul(c.beta())).neg().add(1f).mul(c.ktoUndesirableWeight());
        return up.mul(desirable).add(down.mul(desirable.neg().add(1f)));
    }

    private static NDArray sigmoid(NDArray x) {
        return logSigmoid(x).exp();
    }
}
