package dev.feedloop.djl.reference;

import dev.feedloop.djl.hf.HfConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A plain-Java, double-precision reference implementation of the Hugging Face Llama / Qwen2 / Mistral
 * decoder ({@code LlamaForCausalLM} and friends), with optional PEFT LoRA, written from the spec in
 * {@code serving.md} §5.3 and §7 only. It exists to check the DJL engine's log-probabilities and
 * gradients against an independent computation, so it shares no code with production: in particular
 * it computes RoPE inverse frequencies itself instead of calling {@link HfConfig.Rope#inverseFrequencies}.
 *
 * <p>Design: every tensor is a row-major {@code double[]}; a projection weight is {@code [out, in]}
 * and {@code y = x·Wᵀ + b}. The forward pass is recomputed in full for every call (no KV cache) over
 * one unpadded sequence at positions {@code 0..n-1}, with straightforward loops and the formula next to
 * each step. Only the RoPE inverse frequencies are computed in float32 (then widened), because
 * transformers computes them in float32 and they are part of the model's definition; everything else
 * is double. Weights are copied on construction, so the model is immutable and thread-safe.
 *
 * <p>Per layer (pre-norm): {@code h = x + o_proj(attn(rmsnorm_in(x)))}, then
 * {@code out = h + down_proj(silu(gate_proj(n)) * up_proj(n))} with {@code n = rmsnorm_post(h)};
 * at the end {@code logits = lm_head(rmsnorm_final(out))}.
 *
 * <p>Bias rules follow transformers: Llama with {@code attention_bias} has biases on q/k/v <em>and</em>
 * o_proj; Qwen2 always has q/k/v biases and never an o_proj bias; Llama with {@code mlp_bias} has
 * gate/up/down biases; Mistral has no biases. Other combinations are rejected.
 */
public final class ReferenceLlama {

    /** The projection modules a LoRA adapter may target, in HF order. */
    public static final List<String> MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    private static final Pattern LORA_KEY = Pattern.compile(
            "base_model\\.model\\.model\\.layers\\.(\\d+)\\.(self_attn|mlp)\\.([a-z_]+)\\.lora_([AB])\\.weight");

    private final HfConfig config;
    private final double[] invFreq;
    private final double[] embed; // [V, d]
    private final double[] lmHead; // [V, d]; the same array as embed when tie_word_embeddings
    private final double[] finalNorm; // [d]
    private final List<Layer> layers;

    /**
     * A PEFT LoRA adapter.
     *
     * @param tensors PEFT keys ({@code base_model.model.model.layers.{i}.self_attn.q_proj.lora_A.weight}, ...)
     *     to row-major data; any subset of {@link #MODULES} and layers, each module with both A and B
     * @param shapes optional shapes for some or all keys ({@code [r, in]} for A, {@code [out, r]} for B);
     *     when absent the rank is inferred from A's length
     * @param scaling the factor on the LoRA branch, {@code alpha / r} or {@code alpha / sqrt(r)} (rsLoRA)
     */
    public record Lora(Map<String, double[]> tensors, Map<String, int[]> shapes, double scaling) {

        /** Copies the maps (not the arrays; the model copies those). */
        public Lora {
            tensors = Map.copyOf(tensors);
            shapes = Map.copyOf(shapes);
            if (!Double.isFinite(scaling)) {
                throw new IllegalArgumentException("LoRA scaling must be finite, got " + scaling);
            }
        }

        /** An adapter whose shapes are implied by the config and A's length. */
        public static Lora of(Map<String, double[]> tensors, double scaling) {
            return new Lora(tensors, Map.of(), scaling);
        }

        /** PEFT scaling: {@code alpha / r}, or {@code alpha / sqrt(r)} with rsLoRA. */
        public static double scaling(double alpha, int rank, boolean rsLora) {
            return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
        }
    }

    /** A model without LoRA whose shapes are implied by the config. */
    public ReferenceLlama(HfConfig config, Map<String, double[]> weights) {
        this(config, weights, Map.of(), null);
    }

    /** A model without LoRA; shapes given in {@code shapes} are checked against the config. */
    public ReferenceLlama(HfConfig config, Map<String, double[]> weights, Map<String, int[]> shapes) {
        this(config, weights, shapes, null);
    }

    /**
     * A model from HF-named weights.
     *
     * @param weights HF names ({@code model.embed_tokens.weight}, ...) to row-major data; copied
     * @param shapes shapes for some or all weights, checked against the shapes the config implies
     *     (may be empty); stray {@code rotary_emb.inv_freq} entries are ignored
     * @param lora an adapter, or {@code null}
     * @throws IllegalArgumentException naming every missing, unexpected or mis-shaped tensor
     */
    public ReferenceLlama(HfConfig config, Map<String, double[]> weights, Map<String, int[]> shapes, Lora lora) {
        this.config = Objects.requireNonNull(config, "config");
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(shapes, "shapes");
        checkBiasRules(config);
        Map<String, int[]> expected = expectedShapes(config);
        checkKeys(config, weights, shapes, expected);
        this.invFreq = inverseFrequencies(config.rope(), config.headDim());
        this.embed = take(weights, shapes, expected, "model.embed_tokens.weight");
        this.lmHead = config.tieWordEmbeddings() ? embed : take(weights, shapes, expected, "lm_head.weight");
        this.finalNorm = take(weights, shapes, expected, "model.norm.weight");
        Map<String, double[][]> adapters = lora == null ? Map.of() : parseLora(config, lora);
        double scaling = lora == null ? 0.0 : lora.scaling();
        List<Layer> built = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String p = "model.layers." + i + ".";
            Linear[] proj = new Linear[MODULES.size()];
            for (int m = 0; m < MODULES.size(); m++) {
                String path = modulePath(i, MODULES.get(m));
                int[] shape = expected.get(path + ".weight");
                double[] w = take(weights, shapes, expected, path + ".weight");
                double[] b = expected.containsKey(path + ".bias") ? take(weights, shapes, expected, path + ".bias") : null;
                double[][] ab = adapters.get(path);
                proj[m] = ab == null
                        ? new Linear(shape[0], shape[1], w, b, null, null, 0, 0.0)
                        : new Linear(shape[0], shape[1], w, b, ab[0], ab[1], ab[0].length / shape[1], scaling);
            }
            built.add(new Layer(
                    take(weights, shapes, expected, p + "input_layernorm.weight"),
                    proj[0], proj[1], proj[2], proj[3],
                    take(weights, shapes, expected, p + "post_attention_layernorm.weight"),
                    proj[4], proj[5], proj[6]));
        }
        this.layers = List.copyOf(built);
    }

    /** The config this model was built from. */
    public HfConfig config() {
        return config;
    }

    /**
     * Causal logits for one unpadded sequence at positions {@code 0..n-1}, recomputed from scratch.
     *
     * @return {@code [n][V]}; row {@code t} predicts token {@code t+1}
     */
    public double[][] logits(int[] tokenIds) {
        int n = tokenIds.length;
        if (n == 0) {
            throw new IllegalArgumentException("tokenIds must not be empty");
        }
        int d = config.hiddenSize();
        int vocab = config.vocabSize();
        // x[t] = embed_tokens[token_t]
        double[][] x = new double[n][];
        for (int t = 0; t < n; t++) {
            int id = tokenIds[t];
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " at position " + t + " is outside [0, " + vocab + ")");
            }
            x[t] = Arrays.copyOfRange(embed, id * d, (id + 1) * d);
        }
        for (Layer layer : layers) {
            x = layer.forward(x);
        }
        // logits[t][v] = Σ_i rmsnorm_final(x[t])[i] · lm_head[v, i]
        double[][] logits = new double[n][];
        for (int t = 0; t < n; t++) {
            double[] normed = rmsNorm(x[t], finalNorm, config.rmsNormEps());
            logits[t] = matVec(lmHead, vocab, d, normed);
        }
        return logits;
    }

    /**
     * Natural-log probability of each response token given everything before it, at temperature 1:
     * {@code out[k] = log_softmax(logits[P + k - 1])[response[k]]} over {@code prompt ++ response}, with
     * {@code P} the prompt length.
     *
     * @param promptIds at least one token (the first response token needs a preceding position)
     * @param responseIds may be empty
     */
    public double[] responseLogProbs(int[] promptIds, int[] responseIds) {
        int p = promptIds.length;
        if (p == 0) {
            throw new IllegalArgumentException("promptIds must not be empty: the first response token needs a preceding position");
        }
        if (responseIds.length == 0) {
            return new double[0];
        }
        int[] all = Arrays.copyOf(promptIds, p + responseIds.length);
        System.arraycopy(responseIds, 0, all, p, responseIds.length);
        double[][] logits = logits(all);
        double[] out = new double[responseIds.length];
        for (int k = 0; k < responseIds.length; k++) {
            out[k] = logSoftmax(logits[p + k - 1])[responseIds[k]];
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------
    // Building blocks, package-visible static functions so the tests can check each one by hand.

    /**
     * RoPE inverse frequencies after scaling, computed in float32 exactly as transformers does on CPU and
     * then widened to double. Each step below is one float32 tensor operation there; a Python scalar
     * operand is rounded to float32 first (TensorIterator's CPU scalar path), and {@code scalar / tensor}
     * is {@code tensor.reciprocal() * scalar} ({@code Tensor.__rdiv__}). The only possible difference is
     * float32 {@code pow}, which libm/Sleef computes within 1 ulp and this class rounds from
     * {@link Math#pow}.
     *
     * @return {@code headDim / 2} values; angle at position p for pair j is {@code p · inv[j]}
     */
    static double[] inverseFrequencies(HfConfig.Rope rope, int headDim) {
        int half = headDim / 2;
        float base = (float) rope.theta();
        float[] inv = new float[half];
        for (int j = 0; j < half; j++) {
            // inv_freq = 1.0 / (base ** (arange(0, dim, 2).float() / dim))
            float exponent = (float) (2 * j) / (float) headDim;
            float pow = (float) Math.pow(base, exponent);
            inv[j] = 1.0f / pow;
        }
        switch (rope.type()) {
            case "default" -> { }
            case "linear" -> {
                // inv_freq /= factor (dividing the frequency is dividing the position)
                float factor = (float) rope.factor();
                for (int j = 0; j < half; j++) {
                    inv[j] = inv[j] / factor;
                }
            }
            case "llama3" -> {
                float factor = (float) rope.factor();
                float low = (float) rope.lowFreqFactor();
                float high = (float) rope.highFreqFactor();
                float oldContext = (float) rope.originalMaxPositionEmbeddings();
                if (!(high > low)) {
                    throw new IllegalArgumentException("llama3 rope: high_freq_factor (" + high
                            + ") must exceed low_freq_factor (" + low + ")");
                }
                // low_wl = old_context / low_freq_factor ; high_wl = old_context / high_freq_factor (Python doubles)
                float lowWavelen = (float) (rope.originalMaxPositionEmbeddings() / rope.lowFreqFactor());
                float highWavelen = (float) (rope.originalMaxPositionEmbeddings() / rope.highFreqFactor());
                for (int j = 0; j < half; j++) {
                    // wavelen = 2π / inv_freq = reciprocal(inv_freq) * 2π
                    float wavelen = (1.0f / inv[j]) * (float) (2 * Math.PI);
                    // inv_llama = wavelen > low_wl ? inv_freq / factor : inv_freq
                    float scaled = wavelen > lowWavelen ? inv[j] / factor : inv[j];
                    // smooth = (old_context / wavelen − low) / (high − low)
                    float smooth = ((1.0f / wavelen) * oldContext - low) / (float) (rope.highFreqFactor() - rope.lowFreqFactor());
                    // smoothed = (1 − smooth) * inv_llama / factor + smooth * inv_llama
                    float smoothed = (1.0f - smooth) * scaled / factor + smooth * scaled;
                    // medium band: !(wavelen < high_wl) && !(wavelen > low_wl)
                    boolean medium = !(wavelen < highWavelen) && !(wavelen > lowWavelen);
                    inv[j] = medium ? smoothed : scaled;
                }
            }
            default -> throw new IllegalArgumentException("rope type '" + rope.type()
                    + "' is not implemented by the reference (default, linear, llama3)");
        }
        double[] out = new double[half];
        for (int j = 0; j < half; j++) {
            out[j] = inv[j];
        }
        return out;
    }

    /**
     * Rotates one head vector to a position with the split-halves ("rotate_half") convention: element
     * {@code i < h/2} pairs with {@code i + h/2} at angle {@code θ = position · invFreq[i]},
     * {@code q'[i] = q[i]cosθ − q[i+h/2]sinθ}, {@code q'[i+h/2] = q[i+h/2]cosθ + q[i]sinθ}.
     *
     * @param head {@code h} values, not modified
     * @return a new array
     */
    static double[] rope(double[] head, int position, double[] invFreq) {
        int half = head.length / 2;
        if (invFreq.length != half) {
            throw new IllegalArgumentException("head of width " + head.length + " needs " + half + " frequencies, got "
                    + invFreq.length);
        }
        double[] out = new double[head.length];
        for (int i = 0; i < half; i++) {
            double angle = position * invFreq[i];
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            out[i] = head[i] * cos - head[i + half] * sin;
            out[i + half] = head[i + half] * cos + head[i] * sin;
        }
        return out;
    }

    /** RMSNorm: {@code y[i] = weight[i] · x[i] / sqrt(mean_j(x[j]²) + eps)}. */
    static double[] rmsNorm(double[] x, double[] weight, double eps) {
        double sumSq = 0;
        for (double v : x) {
            sumSq += v * v;
        }
        double inv = 1.0 / Math.sqrt(sumSq / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = weight[i] * (x[i] * inv);
        }
        return y;
    }

    /** SiLU: {@code z · sigmoid(z) = z / (1 + e^−z)}. */
    static double silu(double z) {
        return z / (1.0 + Math.exp(-z));
    }

    /** Log-softmax: {@code x[v] − (m + log Σ_u exp(x[u] − m))} with {@code m = max x}. */
    static double[] logSoftmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : x) {
            sum += Math.exp(v - max);
        }
        double logZ = max + Math.log(sum);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] - logZ;
        }
        return out;
    }

    /** {@code y[o] = Σ_i W[o, i] · x[i]} for row-major {@code W [rows, cols]}. */
    private static double[] matVec(double[] w, int rows, int cols, double[] x) {
        double[] y = new double[rows];
        for (int o = 0; o < rows; o++) {
            double s = 0;
            int row = o * cols;
            for (int i = 0; i < cols; i++) {
                s += w[row + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    // ---------------------------------------------------------------------------------------------
    // Layers.

    /** {@code y = x·Wᵀ + b + scaling · (x·Aᵀ)·Bᵀ}; A is {@code [r, in]}, B is {@code [out, r]}. */
    private record Linear(int out, int in, double[] w, double[] bias, double[] loraA, double[] loraB, int rank,
            double scaling) {

        double[] apply(double[] x) {
            double[] y = matVec(w, out, in, x);
            if (bias != null) {
                for (int o = 0; o < out; o++) {
                    y[o] += bias[o];
                }
            }
            if (loraA != null) {
                double[] ax = matVec(loraA, rank, in, x); // (x·Aᵀ)[r] = Σ_i A[r, i] x[i]
                double[] bax = matVec(loraB, out, rank, ax); // ((x·Aᵀ)·Bᵀ)[o] = Σ_r B[o, r] ax[r]
                for (int o = 0; o < out; o++) {
                    y[o] += scaling * bax[o];
                }
            }
            return y;
        }
    }

    private final class Layer {
        private final double[] inputNorm;
        private final Linear q;
        private final Linear k;
        private final Linear v;
        private final Linear o;
        private final double[] postNorm;
        private final Linear gate;
        private final Linear up;
        private final Linear down;

        Layer(double[] inputNorm, Linear q, Linear k, Linear v, Linear o, double[] postNorm, Linear gate, Linear up,
                Linear down) {
            this.inputNorm = inputNorm;
            this.q = q;
            this.k = k;
            this.v = v;
            this.o = o;
            this.postNorm = postNorm;
            this.gate = gate;
            this.up = up;
            this.down = down;
        }

        double[][] forward(double[][] x) {
            int n = x.length;
            int heads = config.numHeads();
            int kvHeads = config.numKvHeads();
            int h = config.headDim();
            int group = heads / kvHeads;
            double eps = config.rmsNormEps();
            // Projections of the normed input; RoPE on each q and k head at its position (not on v).
            double[][] qs = new double[n][];
            double[][] ks = new double[n][];
            double[][] vs = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] normed = rmsNorm(x[t], inputNorm, eps);
                qs[t] = ropeHeads(q.apply(normed), heads, h, t);
                ks[t] = ropeHeads(k.apply(normed), kvHeads, h, t);
                vs[t] = v.apply(normed);
            }
            double scale = 1.0 / Math.sqrt(h);
            double[][] out = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] attn = new double[heads * h];
                for (int hq = 0; hq < heads; hq++) {
                    int kv = hq / group; // GQA: query head hq reads KV head hq / (H/K)
                    // score_j = (q_t · k_j) / sqrt(h) for j ≤ t (causal), then softmax over j
                    double[] score = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        double s = 0;
                        for (int e = 0; e < h; e++) {
                            s += qs[t][hq * h + e] * ks[j][kv * h + e];
                        }
                        score[j] = s * scale;
                        max = Math.max(max, score[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= t; j++) {
                        score[j] = Math.exp(score[j] - max);
                        z += score[j];
                    }
                    // attn_head = Σ_j softmax_j · v_j
                    for (int j = 0; j <= t; j++) {
                        double p = score[j] / z;
                        for (int e = 0; e < h; e++) {
                            attn[hq * h + e] += p * vs[j][kv * h + e];
                        }
                    }
                }
                // h = x + o_proj(attn)
                double[] resid = x[t].clone();
                double[] projected = o.apply(attn);
                for (int i = 0; i < resid.length; i++) {
                    resid[i] += projected[i];
                }
                // out = h + down_proj(silu(gate_proj(n)) * up_proj(n)), n = rmsnorm_post(h)
                double[] normed = rmsNorm(resid, postNorm, eps);
                double[] g = gate.apply(normed);
                double[] u = up.apply(normed);
                double[] act = new double[g.length];
                for (int i = 0; i < g.length; i++) {
                    act[i] = silu(g[i]) * u[i];
                }
                double[] mlp = down.apply(act);
                for (int i = 0; i < resid.length; i++) {
                    resid[i] += mlp[i];
                }
                out[t] = resid;
            }
            return out;
        }

        private double[] ropeHeads(double[] all, int count, int h, int position) {
            double[] out = new double[all.length];
            for (int head = 0; head < count; head++) {
                double[] rotated = rope(Arrays.copyOfRange(all, head * h, (head + 1) * h), position, invFreq);
                System.arraycopy(rotated, 0, out, head * h, h);
            }
            return out;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Names, shapes and validation.

    /** {@code model.layers.{i}.self_attn.q_proj}, {@code model.layers.{i}.mlp.gate_proj}, ... */
    public static String modulePath(int layer, String module) {
        String group = switch (module) {
            case "q_proj", "k_proj", "v_proj", "o_proj" -> "self_attn";
            case "gate_proj", "up_proj", "down_proj" -> "mlp";
            default -> throw new IllegalArgumentException("unknown module '" + module + "'; known: " + MODULES);
        };
        return "model.layers." + layer + "." + group + "." + module;
    }

    /** The PEFT key of a LoRA tensor: {@code base_model.model.<module path>.lora_A.weight} (or {@code lora_B}). */
    public static String loraKey(int layer, String module, char aOrB) {
        if (aOrB != 'A' && aOrB != 'B') {
            throw new IllegalArgumentException("LoRA tensor must be 'A' or 'B', got '" + aOrB + "'");
        }
        return "base_model.model." + modulePath(layer, module) + ".lora_" + aOrB + ".weight";
    }

    /** {@code [out, in]} of a projection module. */
    public static int[] moduleShape(HfConfig c, String module) {
        int d = c.hiddenSize();
        int qWidth = c.numHeads() * c.headDim();
        int kvWidth = c.numKvHeads() * c.headDim();
        int inter = c.intermediateSize();
        return switch (module) {
            case "q_proj" -> new int[] {qWidth, d};
            case "k_proj", "v_proj" -> new int[] {kvWidth, d};
            case "o_proj" -> new int[] {d, qWidth};
            case "gate_proj", "up_proj" -> new int[] {inter, d};
            case "down_proj" -> new int[] {d, inter};
            default -> throw new IllegalArgumentException("unknown module '" + module + "'; known: " + MODULES);
        };
    }

    /** Whether a module has a bias under the config (see the class comment for the per-architecture rules). */
    public static boolean hasBias(HfConfig c, String module) {
        checkBiasRules(c);
        return switch (module) {
            case "q_proj", "k_proj", "v_proj" -> c.attentionBias();
            case "o_proj" -> c.attentionBias() && c.modelType().equals("llama");
            case "gate_proj", "up_proj", "down_proj" -> c.mlpBias();
            default -> throw new IllegalArgumentException("unknown module '" + module + "'; known: " + MODULES);
        };
    }

    /** Every weight the config requires, with its shape, in HF order. */
    public static Map<String, int[]> expectedShapes(HfConfig c) {
        int d = c.hiddenSize();
        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new int[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            shapes.put("model.layers." + i + ".input_layernorm.weight", new int[] {d});
            for (String module : MODULES) {
                if (module.equals("gate_proj")) {
                    shapes.put("model.layers." + i + ".post_attention_layernorm.weight", new int[] {d});
                }
                int[] shape = moduleShape(c, module);
                shapes.put(modulePath(i, module) + ".weight", shape);
                if (hasBias(c, module)) {
                    shapes.put(modulePath(i, module) + ".bias", new int[] {shape[0]});
                }
            }
        }
        shapes.put("model.norm.weight", new int[] {d});
        if (!c.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new int[] {c.vocabSize(), d});
        }
        return shapes;
    }

    private static void checkBiasRules(HfConfig c) {
        switch (c.modelType()) {
            case "llama" -> { }
            case "qwen2" -> {
                if (!c.attentionBias()) {
                    throw new IllegalArgumentException("qwen2 always has q/k/v biases; attentionBias must be true");
                }
                if (c.mlpBias()) {
                    throw new IllegalArgumentException("qwen2 has no MLP biases; mlpBias must be false");
                }
            }
            case "mistral" -> {
                if (c.attentionBias() || c.mlpBias()) {
                    throw new IllegalArgumentException("mistral has no biases; attentionBias and mlpBias must be false");
                }
            }
            default -> throw new IllegalArgumentException("model type '" + c.modelType() + "' is not llama, qwen2 or mistral");
        }
    }

    private static void checkKeys(HfConfig c, Map<String, double[]> weights, Map<String, int[]> shapes,
            Map<String, int[]> expected) {
        List<String> missing = new ArrayList<>();
        for (String key : expected.keySet()) {
            if (weights.get(key) == null) {
                missing.add(key);
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String key : new TreeMap<>(weights).keySet()) {
            if (!expected.containsKey(key) && !key.endsWith(".rotary_emb.inv_freq")) {
                unexpected.add(key);
            }
        }
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new IllegalArgumentException("weights do not match the config (model_type=" + c.modelType()
                    + ", layers=" + c.numLayers() + ", tie_word_embeddings=" + c.tieWordEmbeddings()
                    + ", attention_bias=" + c.attentionBias() + ", mlp_bias=" + c.mlpBias() + "): missing " + missing
                    + ", unexpected " + unexpected);
        }
        for (String key : new TreeMap<>(shapes).keySet()) {
            if (!weights.containsKey(key)) {
                throw new IllegalArgumentException("a shape is given for '" + key + "' but there is no such weight");
            }
        }
    }

    /** The checked copy of one weight. */
    private static double[] take(Map<String, double[]> weights, Map<String, int[]> shapes, Map<String, int[]> expected,
            String key) {
        int[] shape = expected.get(key);
        int[] given = shapes.get(key);
        if (given != null && !Arrays.equals(given, shape)) {
            throw new IllegalArgumentException(key + ": shape " + Arrays.toString(given) + " but the config implies "
                    + Arrays.toString(shape));
        }
        return checked(key, weights.get(key), shape);
    }

    private static double[] checked(String key, double[] data, int[] shape) {
        long size = 1;
        for (int s : shape) {
            size *= s;
        }
        if (data.length != size) {
            throw new IllegalArgumentException(key + ": " + data.length + " values but shape " + Arrays.toString(shape)
                    + " needs " + size);
        }
        for (int i = 0; i < data.length; i++) {
            if (!Double.isFinite(data[i])) {
                throw new IllegalArgumentException(key + ": value " + data[i] + " at flat index " + i + " is not finite");
            }
        }
        return data.clone();
    }

    /** Module path to {A, B}, checked. */
    private static Map<String, double[][]> parseLora(HfConfig c, Lora lora) {
        Map<String, double[][]> byModule = new TreeMap<>();
        for (Map.Entry<String, double[]> e : lora.tensors().entrySet()) {
            Matcher m = LORA_KEY.matcher(e.getKey());
            if (!m.matches()) {
                throw new IllegalArgumentException("'" + e.getKey() + "' is not a PEFT LoRA key (expected "
                        + "base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_{A|B}.weight)");
            }
            int layer = Integer.parseInt(m.group(1));
            String module = m.group(3);
            if (layer >= c.numLayers()) {
                throw new IllegalArgumentException(e.getKey() + ": layer " + layer + " but the model has " + c.numLayers());
            }
            String named = "model.layers." + layer + "." + m.group(2) + "." + module;
            if (!MODULES.contains(module) || !modulePath(layer, module).equals(named)) {
                throw new IllegalArgumentException(e.getKey() + ": '" + m.group(2) + "." + module
                        + "' is not a LoRA target of this model; known: " + MODULES);
            }
            double[][] pair = byModule.computeIfAbsent(modulePath(layer, module), k -> new double[2][]);
            pair[m.group(4).equals("A") ? 0 : 1] = e.getValue();
        }
        for (String key : new TreeMap<>(lora.shapes()).keySet()) {
            if (!lora.tensors().containsKey(key)) {
                throw new IllegalArgumentException("a LoRA shape is given for '" + key + "' but there is no such tensor");
            }
        }
        for (Map.Entry<String, double[][]> e : byModule.entrySet()) {
            String path = e.getKey();
            String keyA = "base_model.model." + path + ".lora_A.weight";
            String keyB = "base_model.model." + path + ".lora_B.weight";
            double[][] pair = e.getValue();
            if (pair[0] == null || pair[1] == null) {
                throw new IllegalArgumentException(path + ": LoRA needs both " + keyA + " and " + keyB);
            }
            int[] base = moduleShape(c, path.substring(path.lastIndexOf('.') + 1));
            int out = base[0];
            int in = base[1];
            int[] shapeA = lora.shapes().get(keyA);
            int rank;
            if (shapeA != null) {
                if (shapeA.length != 2 || shapeA[1] != in || shapeA[0] < 1) {
                    throw new IllegalArgumentException(keyA + ": shape " + Arrays.toString(shapeA) + " but must be [r, " + in + "]");
                }
                rank = shapeA[0];
            } else {
                if (pair[0].length == 0 || pair[0].length % in != 0) {
                    throw new IllegalArgumentException(keyA + ": " + pair[0].length + " values is not a positive multiple of in="
                            + in + " (shape [r, " + in + "])");
                }
                rank = pair[0].length / in;
            }
            int[] shapeB = lora.shapes().get(keyB);
            if (shapeB != null && !Arrays.equals(shapeB, new int[] {out, rank})) {
                throw new IllegalArgumentException(keyB + ": shape " + Arrays.toString(shapeB) + " but must be [" + out + ", "
                        + rank + "] (out, r)");
            }
            pair[0] = checked(keyA, pair[0], new int[] {rank, in});
            pair[1] = checked(keyB, pair[1], new int[] {out, rank});
        }
        return byModule;
    }
}
