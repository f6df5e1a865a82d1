package dev.feedloop.djl.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.model.LlamaModel;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.djl.safetensors.TensorData;
import dev.feedloop.djl.train.LossType;
import dev.feedloop.djl.train.PolicyTrainer;
import dev.feedloop.djl.train.StepMetrics;
import dev.feedloop.djl.train.TrainConfig;
import dev.feedloop.djl.train.TrainingPair;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code feedloop bench train}: time of one DPO optimizer step of a d=512, 8-layer, 8-head model on 8
 * pairs of 256-token sequences with LoRA r=16 on q/k/v/o, and the model FLOP utilisation: FLOPs the
 * step executes (counted analytically: matmuls of every forward and backward it runs) per second,
 * divided by the fp32 matmul peak measured on the same engine in the same run.
 *
 * <p>What one step runs: reference forward (no grad), base forward (no grad, for the KL-to-base
 * metric), policy forward and backward. Backward of a frozen linear layer costs one matmul (input
 * gradient), not two, since base weights get no gradient.
 */
public final class TrainBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Benchmark shape.
     *
     * @param hidden d
     * @param layers layers
     * @param heads heads (no GQA)
     * @param intermediate MLP width
     * @param vocab vocabulary
     * @param seqLen tokens per sequence (prompt + response)
     * @param promptLen prompt tokens
     * @param pairs pairs per step
     * @param rank LoRA rank (q/k/v/o)
     * @param steps measured steps
     * @param warmup unmeasured steps first
     */
    public record Shape5(int hidden, int layers, int heads, int intermediate, int vocab, int seqLen, int promptLen, int pairs,
            int rank, int steps, int warmup) {
        /** The shape the issue specifies. */
        public static Shape5 standard() {
            return new Shape5(512, 8, 8, 1408, 8192, 256, 128, 8, 16, 3, 1);
        }
    }

    private TrainBench() {}

    /** Runs the benchmark, printing progress to {@code progress}, and returns one JSON object. */
    public static String run(Shape5 s, PrintWriter progress) {
        int headDim = s.hidden() / s.heads();
        HfConfig c = new HfConfig("llama", s.vocab(), s.hidden(), s.intermediate(), s.layers(), s.heads(), s.heads(), headDim, 1e-5,
                HfConfig.Rope.plain(10000.0), false, false, false, 4096, 1, List.of(2));
        progress.println("bench train: building a random d=" + s.hidden() + " x " + s.layers() + "-layer model ...");
        progress.flush();
        double peak = matmulPeak(progress);
        Random r = new Random(1);
        LoraAdapter.Spec spec = new LoraAdapter.Spec(s.rank(), 2.0 * s.rank(), false, 0,
                EnumSet.of(Projection.Q_PROJ, Projection.K_PROJ, Projection.V_PROJ, Projection.O_PROJ));
        List<TrainingPair> pairs = new ArrayList<>();
        int respLen = s.seqLen() - s.promptLen();
        for (int i = 0; i < s.pairs(); i++) {
            pairs.add(TrainingPair.of(ids(r, s.promptLen(), s.vocab()), ids(r, respLen, s.vocab()), ids(r, respLen, s.vocab())));
        }
        TrainConfig cfg = TrainConfig.defaults().withLoss(LossType.SIGMOID).withLearningRate(1e-4, 0);
        double stepSeconds = 0;
        long tokens = 0;
        StepMetrics last = null;
        try (LlamaModel model = LlamaModel.create(c, randomWeights(c, r), Device.cpu());
                LoraAdapter adapter = LoraAdapter.initialize("bench", spec, model, 2);
                PolicyTrainer trainer = new PolicyTrainer(model, adapter, cfg)) {
            for (int i = 0; i < s.warmup() + s.steps(); i++) {
                last = trainer.step(pairs);
                progress.printf("bench train: step %d/%d %.2f s loss %.4f%n", i + 1, s.warmup() + s.steps(), last.seconds(), last.loss());
                progress.flush();
                if (i >= s.warmup()) {
                    stepSeconds += last.seconds();
                    tokens += last.tokens();
                }
            }
        }
        double perStep = stepSeconds / s.steps();
        double flops = stepFlops(s, headDim);
        double achieved = flops / perStep;
        ObjectNode o = JSON.createObjectNode();
        o.put("bench", "train");
        o.put("engine", Engine.getInstance().getEngineName() + " " + Engine.getInstance().getVersion());
        o.put("device", "cpu");
        o.put("threads", Runtime.getRuntime().availableProcessors());
        ObjectNode shape = o.putObject("shape");
        shape.put("hidden", s.hidden());
        shape.put("layers", s.layers());
        shape.put("heads", s.heads());
        shape.put("intermediate", s.intermediate());
        shape.put("vocab", s.vocab());
        shape.put("seq_len", s.seqLen());
        shape.put("prompt_len", s.promptLen());
        shape.put("pairs", s.pairs());
        shape.put("lora_rank", s.rank());
        shape.put("lora_targets", "q_proj,k_proj,v_proj,o_proj");
        o.put("loss", "sigmoid");
        o.put("steps", s.steps());
        o.put("step_time_s", round(perStep));
        o.put("tokens_per_s", Math.round(tokens / stepSeconds));
        o.put("flops_per_step", flops);
        o.put("achieved_flops_per_s", Math.round(achieved));
        o.put("peak_matmul_flops_per_s", Math.round(peak));
        o.put("mfu", round(achieved / peak));
        o.put("final_loss", round(last.loss()));
        return o.toString();
    }

    /**
     * Matmul FLOPs of one step: 3 forwards (reference, base, policy) and one backward (input gradients
     * of every matmul, weight gradients of LoRA only, both attention products).
     */
    static double stepFlops(Shape5 s, int headDim) {
        double tokens = 2.0 * s.pairs() * s.seqLen();
        double responses = 2.0 * s.pairs() * (s.seqLen() - s.promptLen());
        double d = s.hidden();
        double base = 2 * tokens * s.layers() * (4 * d * d + 3 * d * s.intermediate()); // projections
        double attn = 2 * 2 * tokens * s.seqLen() * d * s.layers(); // QKᵀ and PV, full S x S
        double lora = 2 * tokens * s.layers() * 4 * (2 * d * s.rank()); // x·Aᵀ and ·Bᵀ on q/k/v/o
        double head = 2 * responses * d * s.vocab();
        double forward = base + attn + lora + head;
        double noGradForwards = 2 * forward; // reference (with its LoRA) and base (no LoRA, minus lora)
        noGradForwards -= lora;
        // backward: input grads of frozen matmuls (1x), attention (2x: dQ,dK from QKᵀ; dP,dV from PV), LoRA input+weight grads (2x)
        double backward = base + 2 * attn + 2 * lora + head;
        return noGradForwards + forward + backward;
    }

    /** fp32 matmul FLOP/s of this engine: the best of several 1024³ products. */
    static double matmulPeak(PrintWriter progress) {
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray a = m.randomUniform(-1, 1, new Shape(1024, 1024));
            NDArray b = m.randomUniform(-1, 1, new Shape(1024, 1024));
            double best = 0;
            for (int i = 0; i < 12; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // force completion
                }
                double s = (System.nanoTime() - t0) / 1e9;
                best = Math.max(best, 2.0 * 1024 * 1024 * 1024 / s);
            }
            progress.printf("bench train: fp32 matmul peak %.1f GFLOP/s%n", best / 1e9);
            return best;
        }
    }

    static int[] ids(Random r, int n, int vocab) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = 3 + r.nextInt(vocab - 3);
        }
        return out;
    }

    static Map<String, TensorData> randomWeights(HfConfig c, Random r) {
        Map<String, TensorData> w = new LinkedHashMap<>();
        int d = c.hiddenSize();
        w.put("model.embed_tokens.weight", gaussian(r, 0.02, c.vocabSize(), d));
        w.put("lm_head.weight", gaussian(r, 0.02, c.vocabSize(), d));
        w.put("model.norm.weight", ones(d));
        for (int i = 0; i < c.numLayers(); i++) {
            w.put("model.layers." + i + ".input_layernorm.weight", ones(d));
            w.put("model.layers." + i + ".post_attention_layernorm.weight", ones(d));
            for (Projection p : Projection.values()) {
                w.put(p.weightName(i), gaussian(r, 0.02, p.outFeatures(c), p.inFeatures(c)));
            }
        }
        return w;
    }

    private static TensorData gaussian(Random r, double std, long rows, long cols) {
        float[] v = new float[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * std);
        }
        return TensorData.f32(new long[] {rows, cols}, v);
    }

    private static TensorData ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return TensorData.f32(new long[] {n}, v);
    }

    static double round(double x) {
        return Math.round(x * 1000) / 1000.0;
    }
}
