package dev.feedloop.djl.train;

/**
 * Trainer settings, with the defaults of {@code reference/algorithms.md}.
 *
 * @param loss the loss
 * @param beta β (τ for IPO)
 * @param labelSmoothing ε for cDPO and robust DPO, in [0, 0.5)
 * @param humanline reference = the adapter one optimizer step earlier, per-token log-ratios clamped
 * @param logEpsilonP lower clamp of the per-token log-ratio (default −1.0)
 * @param logEpsilonR upper clamp (default 1.5)
 * @param ktoDesirableWeight λ_D
 * @param ktoUndesirableWeight λ_U
 * @param m2po mask the tokens whose squared behaviour/current log-ratio is largest until their mean is below {@code m2poTau}
 * @param m2poTau τ_M2 (default 0.04)
 * @param learningRate peak learning rate
 * @param weightDecay decoupled weight decay (AdamW)
 * @param beta1 Adam β1
 * @param beta2 Adam β2
 * @param epsilon Adam ε
 * @param maxGradNorm clip the global gradient norm to this; 0 = off
 * @param warmupSteps linear warm-up steps
 * @param schedule after warm-up: constant or cosine decay to 0 at {@code totalSteps}
 * @param totalSteps for the cosine schedule
 * @param gradientAccumulation micro-batches per optimizer step
 */
public record TrainConfig(
        LossType loss,
        double beta,
        double labelSmoothing,
        boolean humanline,
        double logEpsilonP,
        double logEpsilonR,
        double ktoDesirableWeight,
        double ktoUndesirableWeight,
        boolean m2po,
        double m2poTau,
        double learningRate,
        double weightDecay,
        double beta1,
        double beta2,
        double epsilon,
        double maxGradNorm,
        int warmupSteps,
        Schedule schedule,
        int totalSteps,
        int gradientAccumulation) {

    /** Learning-rate schedule after warm-up. */
    public enum Schedule {
        CONSTANT,
        COSINE
    }

    public TrainConfig {
        if (!(beta > 0)) {
            throw new IllegalArgumentException("beta must be > 0, got " + beta);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
        if (!(logEpsilonP < 0 && logEpsilonR > 0)) {
            throw new IllegalArgumentException("humanline bounds must satisfy log_epsilon_P < 0 < log_epsilon_R, got ["
                    + logEpsilonP + ", " + logEpsilonR + "]");
        }
        if (!(learningRate > 0) || weightDecay < 0 || maxGradNorm < 0 || warmupSteps < 0 || gradientAccumulation < 1) {
            throw new IllegalArgumentException("bad optimizer settings: lr=" + learningRate + " wd=" + weightDecay
                    + " max_grad_norm=" + maxGradNorm + " warmup=" + warmupSteps + " accumulation=" + gradientAccumulation);
        }
        if (schedule == Schedule.COSINE && totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("cosine schedule needs total_steps > warmup_steps");
        }
    }

    /** Sigmoid DPO, β 0.1, AdamW lr 5e-5 (a LoRA rate), no weight decay, clip 1.0, 10 warm-up steps, constant. */
    public static TrainConfig defaults() {
        return new TrainConfig(LossType.SIGMOID, 0.1, 0.0, false, -1.0, 1.5, 1.0, 1.0, false, 0.04,
                5e-5, 0.0, 0.9, 0.999, 1e-8, 1.0, 10, Schedule.CONSTANT, 0, 1);
    }

    /** This config with another loss. */
    public TrainConfig withLoss(LossType newLoss) {
        return new TrainConfig(newLoss, beta, labelSmoothing, humanline, logEpsilonP, logEpsilonR, ktoDesirableWeight,
                ktoUndesirableWeight, m2po, m2poTau, learningRate, weightDecay, beta1, beta2, epsilon, maxGradNorm, warmupSteps,
                schedule, totalSteps, gradientAccumulation);
    }

    /** This config with humanline on or off. */
    public TrainConfig withHumanline(boolean on) {
        return new TrainConfig(loss, beta, labelSmoothing, on, logEpsilonP, logEpsilonR, ktoDesirableWeight,
                ktoUndesirableWeight, m2po, m2poTau, learningRate, weightDecay, beta1, beta2, epsilon, maxGradNorm, warmupSteps,
                schedule, totalSteps, gradientAccumulation);
    }

    /** This config with another learning rate and warm-up. */
    public TrainConfig withLearningRate(double lr, int warmup) {
        return new TrainConfig(loss, beta, labelSmoothing, humanline, logEpsilonP, logEpsilonR, ktoDesirableWeight,
                ktoUndesirableWeight, m2po, m2poTau, lr, weightDecay, beta1, beta2, epsilon, maxGradNorm, warmup,
                schedule, totalSteps, gradientAccumulation);
    }

    /** The learning rate at optimizer step {@code step} (1-based). */
    public double learningRateAt(int step) {
        if (warmupSteps > 0 && step <= warmupSteps) {
            return learningRate * step / warmupSteps;
        }
        if (schedule == Schedule.COSINE) {
            double progress = Math.min(1.0, (double) (step - warmupSteps) / (totalSteps - warmupSteps));
            return learningRate * 0.5 * (1 + Math.cos(Math.PI * progress));
        }
        return learningRate;
    }
}
