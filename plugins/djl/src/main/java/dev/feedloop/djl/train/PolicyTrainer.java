package dev.feedloop.djl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.feedloop.djl.model.LlamaModel;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.Scoring;
import dev.feedloop.djl.model.SequenceBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Online preference optimisation of one LoRA adapter: DPO and its variants, IPO, KTO, with optional
 * humanline syncing and clamping, M2PO token masking, per-pair weights, AdamW, gradient clipping,
 * warm-up and schedules, gradient accumulation.
 *
 * <p><b>Step anatomy</b> (one call to {@link #step} = one optimizer step):
 * <ol>
 *   <li>split the pairs into {@code gradientAccumulation} micro-batches; for each, build one padded
 *       batch of 2P sequences (chosen rows, then rejected rows);
 *   <li>reference log-probs without gradients: the adapter one step earlier (humanline) or the frozen
 *       initial adapter; base-model log-probs for the KL-to-base metric;
 *   <li>policy log-probs inside a {@link GradientCollector}; loss = Σ wᵢℓᵢ / N over all N pairs of the
 *       step (not Σw, so down-weighted pairs never inflate the others); backward (gradients accumulate);
 *   <li>humanline: copy the policy into the reference <em>before</em> the update, so the next step's
 *       reference is this step's policy; clip the global gradient norm; AdamW; zero the gradients.
 * </ol>
 *
 * <p><b>Memory</b>: every temporary lives in a per-micro-batch NDManager or an {@link NDScope} and is
 * freed before {@code step} returns; only the adapter, the reference copy and the optimizer state
 * persist. Not thread-safe; one training thread owns a trainer.
 */
public final class PolicyTrainer implements AutoCloseable {
    private final LlamaModel model;
    private final LoraAdapter policy;
    private final LoraAdapter reference;
    private final TrainConfig config;
    private final AdamW optimizer;
    private final List<NDArray> parameters;
    private int step;

    /**
     * @param model the frozen base model
     * @param policy the adapter to train (its arrays are made trainable)
     * @param config settings
     */
    public PolicyTrainer(LlamaModel model, LoraAdapter policy, TrainConfig config) {
        this.model = model;
        this.policy = policy;
        this.config = config;
        this.reference = policy.copy(policy.name() + "-reference", model.manager());
        policy.setTrainable(true);
        this.parameters = policy.parameters();
        this.optimizer = new AdamW(parameters, model.manager());
    }

    /** The trained adapter. */
    public LoraAdapter policy() {
        return policy;
    }

    /** The current reference adapter (the previous step's policy under humanline, else the initial adapter). */
    public LoraAdapter reference() {
        return reference;
    }

    /** Optimizer steps taken. */
    public int steps() {
        return step;
    }

    /** One optimizer step on preference pairs (a pairwise loss). */
    public StepMetrics step(List<TrainingPair> pairs) {
        if (config.loss() == LossType.KTO) {
            throw new IllegalStateException("KTO trains on unpaired examples: call stepKto");
        }
        if (pairs.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one pair");
        }
        long t0 = System.nanoTime();
        Totals totals = new Totals();
        int n = pairs.size();
        for (List<TrainingPair> micro : split(pairs, config.gradientAccumulation())) {
            pairMicroBatch(micro, n, totals);
        }
        return finish(totals, n, t0, 0);
    }

    private void pairMicroBatch(List<TrainingPair> pairs, int totalPairs, Totals totals) {
        int p = pairs.size();
        List<int[]> prompts = new ArrayList<>(2 * p);
        List<int[]> responses = new ArrayList<>(2 * p);
        for (TrainingPair pair : pairs) {
            prompts.add(pair.prompt());
            responses.add(pair.chosen());
        }
        for (TrainingPair pair : pairs) {
            prompts.add(pair.prompt());
            responses.add(pair.rejected());
        }
        try (NDManager m = model.manager().newSubManager()) {
            SequenceBatch batch = SequenceBatch.of(m, prompts, responses);
            NDArray refLp = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(reference), false);
            NDArray baseLp = Scoring.tokenLogProbs(model, m, batch, LoraRouting.none(), false);
            NDArray weights = m.create(pairs.stream().mapToDouble(TrainingPair::weight).toArray()).toType(
                    DataType.FLOAT32, false);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray polLp = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(policy), true);
                NDArray mask = batch.targetMask();
                if (config.m2po()) {
                    mask = mask.mul(m2poMask(m, polLp, pairs, batch));
                }
                NDList pol = polLp.split(2);
                NDList ref = refLp.split(2);
                NDList msk = mask.split(2);
                NDArray chosen = Losses.tokenRatios(pol.get(0), ref.get(0), msk.get(0), config);
                NDArray rejected = Losses.tokenRatios(pol.get(1), ref.get(1), msk.get(1), config);
                NDArray losses = Losses.pairLosses(chosen, msk.get(0), rejected, msk.get(1), config);
                NDArray loss = losses.mul(weights).sum().div(totalPairs);
                collector.backward(loss);

                NDArray chosenReward = chosen.sum(new int[] {1}).mul(config.beta());
                NDArray rejectedReward = rejected.sum(new int[] {1}).mul(config.beta());
                totals.loss += loss.toType(DataType.FLOAT32, false).getFloat() * totalPairs;
                totals.chosen += chosenReward.sum().toType(DataType.FLOAT32, false).getFloat();
                totals.rejected += rejectedReward.sum().toType(DataType.FLOAT32, false).getFloat();
                totals.correct += chosenReward.gt(rejectedReward).toType(DataType.FLOAT32, false).sum().getFloat();
                accumulateTokenStats(totals, polLp, refLp, baseLp, mask, batch.targetMask());
                totals.tokens += batch.valid().toType(DataType.FLOAT32, false).sum().getFloat();
            }
        }
    }

    /**
     * One optimizer step of KTO on unpaired examples. z₀ is estimated from mismatched completions
     * (each prompt with the previous example's completion), without gradients, clamped at 0.
     */
    public StepMetrics stepKto(List<TrainingExample> examples) {
        if (config.loss() != LossType.KTO) {
            throw new IllegalStateException("stepKto needs loss KTO, configured " + config.loss());
        }
        if (examples.size() < 2) {
            throw new IllegalArgumentException("KTO needs at least 2 examples per step (the KL estimate uses mismatched pairs)");
        }
        long t0 = System.nanoTime();
        Totals totals = new Totals();
        int n = examples.size();
        double z0 = klEstimate(examples);
        for (List<TrainingExample> micro : split(examples, config.gradientAccumulation())) {
            List<int[]> prompts = micro.stream().map(TrainingExample::prompt).toList();
            List<int[]> completions = micro.stream().map(TrainingExample::completion).toList();
            try (NDManager m = model.manager().newSubManager()) {
                SequenceBatch batch = SequenceBatch.of(m, prompts, completions);
                NDArray refLp = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(reference), false);
                NDArray baseLp = Scoring.tokenLogProbs(model, m, batch, LoraRouting.none(), false);
                float[] desirable = new float[micro.size()];
                float[] w = new float[micro.size()];
                for (int i = 0; i < desirable.length; i++) {
                    desirable[i] = micro.get(i).desirable() ? 1f : 0f;
                    w[i] = (float) micro.get(i).weight();
                }
                NDArray desirableArr = m.create(desirable);
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray polLp = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(policy), true);
                    NDArray ratios = Losses.tokenRatios(polLp, refLp, batch.targetMask(), config);
                    NDArray loss = Losses.ktoLosses(ratios, desirableArr, z0, config).mul(m.create(w)).sum().div(n);
                    collector.backward(loss);
                    totals.loss += loss.toType(DataType.FLOAT32, false).getFloat() * n;
                    float[] rewards = ratios.sum(new int[] {1}).mul(config.beta()).toType(DataType.FLOAT32, false).toFloatArray();
                    for (int i = 0; i < rewards.length; i++) {
                        if (desirable[i] > 0) {
                            totals.chosen += rewards[i];
                            totals.chosenCount++;
                        } else {
                            totals.rejected += rewards[i];
                            totals.rejectedCount++;
                        }
                    }
                    accumulateTokenStats(totals, polLp, refLp, baseLp, batch.targetMask(), batch.targetMask());
                    totals.tokens += batch.valid().toType(DataType.FLOAT32, false).sum().getFloat();
                }
            }
        }
        return finish(totals, n, t0, z0);
    }

    /** z₀ = max(0, mean over examples of r(x_i, y_{i−1})), without gradients. */
    private double klEstimate(List<TrainingExample> examples) {
        int n = examples.size();
        List<int[]> prompts = new ArrayList<>(n);
        List<int[]> mismatched = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            prompts.add(examples.get(i).prompt());
            mismatched.add(examples.get((i + n - 1) % n).completion());
        }
        try (NDManager m = model.manager().newSubManager()) {
            SequenceBatch batch = SequenceBatch.of(m, prompts, mismatched);
            NDArray pol = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(policy), false).stopGradient();
            NDArray ref = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(reference), false);
            NDArray r = Losses.tokenRatios(pol, ref, batch.targetMask(), config).sum(new int[] {1});
            return Math.max(0, r.mean().toType(DataType.FLOAT32, false).getFloat());
        }
    }

    /**
     * M2PO: over every real token with behaviour log-probs, δ = μ − π (detached); mask the tokens with the
     * largest δ² until the mean δ² of the rest is below τ.
     */
    private NDArray m2poMask(NDManager m, NDArray polLp, List<TrainingPair> pairs, SequenceBatch batch) {
        int p = pairs.size();
        int r = (int) batch.targets().getShape().get(1);
        float[] current = polLp.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
        float[] keep = new float[2 * p * r];
        Arrays.fill(keep, 1f);
        List<double[]> tokens = new ArrayList<>(); // {index, δ²}
        for (int i = 0; i < 2 * p; i++) {
            TrainingPair pair = pairs.get(i % p);
            float[] behaviour = i < p ? pair.chosenBehaviour() : pair.rejectedBehaviour();
            if (behaviour == null) {
                continue;
            }
            for (int j = 0; j < behaviour.length; j++) {
                double delta = behaviour[j] - current[i * r + j];
                tokens.add(new double[] {i * r + j, delta * delta});
            }
        }
        tokens.sort((a, b) -> Double.compare(b[1], a[1]));
        double suffix = 0;
        for (double[] t : tokens) {
            suffix += t[1];
        }
        int k = 0;
        while (k < tokens.size() - 1 && suffix / (tokens.size() - k) >= config.m2poTau()) {
            suffix -= tokens.get(k)[1];
            keep[(int) tokens.get(k)[0]] = 0f;
            k++;
        }
        return m.create(keep, new Shape(2L * p, r));
    }

    private void accumulateTokenStats(Totals t, NDArray pol, NDArray ref, NDArray base, NDArray usedMask, NDArray realMask) {
        float[] pl = pol.stopGradient().toType(DataType.FLOAT32, false).toFloatArray();
        float[] rl = ref.toType(DataType.FLOAT32, false).toFloatArray();
        float[] bl = base.toType(DataType.FLOAT32, false).toFloatArray();
        float[] used = usedMask.toType(DataType.FLOAT32, false).toFloatArray();
        float[] real = realMask.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < pl.length; i++) {
            if (real[i] == 0) {
                continue;
            }
            t.realTokens++;
            double toRef = rl[i] - pl[i];
            double toBase = bl[i] - pl[i];
            t.klRef += Math.exp(toRef) - toRef - 1;
            t.klBase += Math.exp(toBase) - toBase - 1;
            double ratio = pl[i] - rl[i];
            if (config.humanline() && (ratio <= config.logEpsilonP() || ratio >= config.logEpsilonR())) {
                t.clamped++;
            }
            if (used[i] == 0) {
                t.masked++;
            }
        }
    }

    private StepMetrics finish(Totals t, int n, long t0, double z0) {
        step++;
        double lr = config.learningRateAt(step);
        double gradNorm;
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<NDArray> grads = new ArrayList<>(parameters.size());
            double sq = 0;
            for (NDArray param : parameters) {
                NDArray g = param.getGradient();
                grads.add(g);
                sq += g.square().sum().toType(DataType.FLOAT32, false).getFloat();
            }
            gradNorm = Math.sqrt(sq);
            double scale = config.maxGradNorm() > 0 && gradNorm > config.maxGradNorm() ? config.maxGradNorm() / (gradNorm + 1e-6) : 1;
            if (config.humanline()) {
                reference.copyFrom(policy); // the next step's reference is this step's policy, before the update
            }
            if (Double.isFinite(gradNorm)) {
                optimizer.step(grads, scale, lr, config);
            }
            for (NDArray g : grads) {
                g.muli(0); // gradients accumulate until zeroed
            }
        }
        boolean ktoStats = config.loss() == LossType.KTO;
        double chosen = ktoStats ? (t.chosenCount == 0 ? 0 : t.chosen / t.chosenCount) : t.chosen / n;
        double rejected = ktoStats ? (t.rejectedCount == 0 ? 0 : t.rejected / t.rejectedCount) : t.rejected / n;
        double seconds = (System.nanoTime() - t0) / 1e9;
        long real = Math.max(1, t.realTokens);
        return new StepMetrics(step, t.loss / n, chosen, rejected, chosen - rejected, ktoStats ? Double.NaN : t.correct / n,
                t.klRef / real, t.klBase / real, (double) t.clamped / real, (double) t.masked / real, gradNorm, lr, t.tokens,
                seconds, z0);
    }

    private static <T> List<List<T>> split(List<T> items, int parts) {
        int k = Math.min(parts, items.size());
        List<List<T>> out = new ArrayList<>(k);
        int base = items.size() / k;
        int extra = items.size() % k;
        int at = 0;
        for (int i = 0; i < k; i++) {
            int size = base + (i < extra ? 1 : 0);
            out.add(items.subList(at, at + size));
            at += size;
        }
        return out;
    }

    private static final class Totals {
        double loss;
        double chosen;
        double rejected;
        double correct;
        long chosenCount;
        long rejectedCount;
        double klRef;
        double klBase;
        long clamped;
        long masked;
        long realTokens;
        long tokens;
    }

    /** Frees the reference copy and the optimizer state (not the policy adapter). */
    @Override
    public void close() {
        optimizer.close();
        reference.close();
    }
}
