package dev.feedloop.djl.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.feedloop.djl.model.LlamaModel;
import dev.feedloop.djl.model.LoraRouting;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Full-parameter next-token pre-training of a (small) base model on a token stream with cross-entropy
 * and AdamW. Used by the demo to give its tiny model some language before alignment starts.
 */
public final class Pretrainer {
    private Pretrainer() {}

    /**
     * Progress of one step.
     *
     * @param step 1-based step
     * @param loss mean cross-entropy (nats per token)
     * @param seconds step time
     */
    public record Progress(int step, double loss, double seconds) {}

    /**
     * Trains for {@code steps} steps on random windows of the corpus.
     *
     * @param corpus token ids
     * @param seqLen tokens per training sequence
     * @param batch sequences per step
     * @param lr AdamW learning rate (10% linear warm-up, then cosine)
     * @param seed window sampling seed
     * @return the per-step progress
     */
    public static List<Progress> train(LlamaModel model, int[] corpus, int seqLen, int batch, int steps, double lr, long seed,
            Consumer<Progress> listener) {
        if (corpus.length < seqLen + 1) {
            throw new IllegalArgumentException("corpus has " + corpus.length + " tokens; need more than seq_len " + seqLen);
        }
        int warmup = Math.max(1, steps / 10);
        TrainConfig cfg = new TrainConfig(LossType.SIGMOID, 1, 0, false, -1, 1, 1, 1, false, 0.04, lr, 0.01, 0.9, 0.95, 1e-8,
                1.0, warmup, steps > warmup ? TrainConfig.Schedule.COSINE : TrainConfig.Schedule.CONSTANT, steps, 1);
        Random random = new Random(seed);
        List<Progress> out = new ArrayList<>();
        model.setTrainable(true);
        List<NDArray> params = new ArrayList<>(model.weights().values());
        try (AdamW optimizer = new AdamW(params, model.manager())) {
            for (int step = 1; step <= steps; step++) {
                long t0 = System.nanoTime();
                long[] ids = new long[batch * seqLen];
                long[] targets = new long[batch * seqLen];
                for (int b = 0; b < batch; b++) {
                    int start = random.nextInt(corpus.length - seqLen);
                    for (int j = 0; j < seqLen; j++) {
                        ids[b * seqLen + j] = corpus[start + j];
                        targets[b * seqLen + j] = corpus[start + j + 1];
                    }
                }
                double loss;
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray idArr = m.create(ids, new Shape(batch, seqLen));
                    NDArray tgt = m.create(targets, new Shape(batch, seqLen, 1));
                    NDArray pos = m.arange(0, seqLen).toType(DataType.INT64, false).expandDims(0)
                            .broadcast(batch, seqLen);
                    NDArray valid = m.ones(new Shape(batch, seqLen), DataType.BOOLEAN);
                    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                        NDArray hidden = model.hidden(m, idArr, pos, valid, null, LoraRouting.none(), true);
                        NDArray lp = model.logits(hidden).logSoftmax(-1).gather(tgt, 2);
                        NDArray ce = lp.mean().neg();
                        gc.backward(ce);
                        loss = ce.getFloat();
                    }
                }
                try (NDScope scope = new NDScope()) {
                    scope.suppressNotUsedWarning();
                    List<NDArray> grads = new ArrayList<>(params.size());
                    double sq = 0;
                    for (NDArray p : params) {
                        NDArray g = p.getGradient();
                        grads.add(g);
                        sq += g.square().sum().getFloat();
                    }
                    double norm = Math.sqrt(sq);
                    double scale = norm > cfg.maxGradNorm() ? cfg.maxGradNorm() / (norm + 1e-6) : 1;
                    optimizer.step(grads, scale, cfg.learningRateAt(step), cfg);
                    for (NDArray g : grads) {
                        g.muli(0);
                    }
                }
                Progress p = new Progress(step, loss, (System.nanoTime() - t0) / 1e9);
                out.add(p);
                listener.accept(p);
            }
        } finally {
            model.setTrainable(false);
        }
        return out;
    }
}
