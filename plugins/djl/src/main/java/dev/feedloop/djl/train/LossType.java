package dev.feedloop.djl.train;

/**
 * Preference losses (see {@code reference/algorithms.md} §3). With h the chosen-minus-rejected
 * log-ratio margin (token-summed unless noted) and β the strength:
 *
 * <ul>
 *   <li>{@link #SIGMOID}: −log σ(βh) (DPO)
 *   <li>{@link #CDPO}: −(1−ε) log σ(βh) − ε log σ(−βh) (conservative DPO, label smoothing ε)
 *   <li>{@link #ROBUST}: [−(1−ε) log σ(βh) + ε log σ(−βh)] / (1−2ε)
 *   <li>{@link #IPO}: (h̄ − 1/(2β))², h̄ from per-token-averaged log-ratios (β plays τ)
 *   <li>{@link #HINGE}: max(0, 1 − βh)
 *   <li>{@link #KTO}: unpaired; λ_D(1 − σ(β(r − z₀))) or λ_U(1 − σ(β(z₀ − r)))
 * </ul>
 *
 * Humanline (previous-step reference, per-token clamp) is orthogonal and applies to all of them.
 */
public enum LossType {
    SIGMOID,
    CDPO,
    ROBUST,
    IPO,
    HINGE,
    KTO
}
