package dev.feedloop.djl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.safetensors.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Llama-family decoder ({@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code
 * MistralForCausalLM}) on DJL: RMSNorm, RoPE in HF's rotate-half convention (default, linear and
 * llama3 scaling), grouped-query attention, SwiGLU, optional q/k/v bias and tied embeddings, with LoRA
 * on any projection via {@link LoraRouting}.
 *
 * <p>Design: the model is written functionally over NDArrays rather than as DJL Blocks. The base
 * weights are constants in the model's NDManager (never trained); adapters hold the only trainable
 * arrays, so autograd records exactly the LoRA path. Every forward call takes the NDManager that owns
 * its temporaries; the caller scopes it with try-with-resources.
 *
 * <p>Shapes: B batch, T new tokens, S attended slots (cache + new), d hidden, H query heads, K kv
 * heads, g = H/K, h head width, V vocabulary.
 *
 * <p>Thread-safety: the weights are read-only after construction, so concurrent forward calls on
 * different managers are safe.
 */
public final class LlamaModel implements AutoCloseable {
    private static final float MASKED = -1e30f;

    private final HfConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final NDArray embed; // [V, d]
    private final NDArray lmHead; // [V, d]
    private final NDArray finalNorm; // [d]
    private final NDArray invFreq; // [h/2]
    private final Layer[] layers;
    private final Map<String, NDArray> leaves = new LinkedHashMap<>(); // HF name -> stored (untransposed) weight

    /** One decoder layer; {@code weights} are {@code [out, in]} as stored by HF. */
    private record Layer(NDArray inputNorm, NDArray postNorm, NDArray[] weights, NDArray[] biases) {}

    private LlamaModel(HfConfig config, NDManager manager, DataType dtype, Map<String, TensorData> w) {
        this.config = config;
        this.manager = manager;
        this.dtype = dtype;
        int d = config.hiddenSize();
        this.embed = tensor(w, "model.embed_tokens.weight", config.vocabSize(), d);
        this.lmHead = config.tieWordEmbeddings() ? embed : tensor(w, "lm_head.weight", config.vocabSize(), d);
        this.finalNorm = tensor(w, "model.norm.weight", d);
        this.invFreq = manager.create(config.rope().inverseFrequencies(config.headDim()));
        this.layers = new Layer[config.numLayers()];
        for (int i = 0; i < layers.length; i++) {
            NDArray[] weights = new NDArray[Projection.values().length];
            NDArray[] biases = new NDArray[Projection.values().length];
            for (Projection p : Projection.values()) {
                weights[p.ordinal()] = tensor(w, p.weightName(i), p.outFeatures(config), p.inFeatures(config));
                if (p.hasBias(config)) {
                    biases[p.ordinal()] = tensor(w, p.biasName(i), p.outFeatures(config));
                }
            }
            layers[i] = new Layer(tensor(w, "model.layers." + i + ".input_layernorm.weight", d),
                    tensor(w, "model.layers." + i + ".post_attention_layernorm.weight", d), weights, biases);
        }
    }

    /**
     * Builds a model from HF-named weights (F32, F16 or BF16), computing in float32.
     *
     * @param device where the weights live
     * @throws IllegalArgumentException naming a missing or mis-shaped weight
     */
    public static LlamaModel create(HfConfig config, Map<String, TensorData> weights, Device device) {
        return create(config, weights, device, DataType.FLOAT32);
    }

    /**
     * Builds a model computing in {@code dtype}: FLOAT32 on CPU, BFLOAT16 on CUDA, FLOAT64 for numerical
     * checks. RoPE angles are computed in float32 and cast, as transformers does.
     */
    public static LlamaModel create(HfConfig config, Map<String, TensorData> weights, Device device, DataType dtype) {
        NDManager m = NDManager.newBaseManager(device, "PyTorch");
        try {
            return new LlamaModel(config, m, dtype, weights);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    private NDArray tensor(Map<String, TensorData> w, String name, long... shape) {
        TensorData t = w.get(name);
        if (t == null) {
            throw new IllegalArgumentException("checkpoint lacks " + name);
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(t.shape()) + ", the config implies "
                    + Arrays.toString(shape));
        }
        float[] values = t.toFloats();
        ByteBuffer buf = ByteBuffer.allocateDirect(values.length * 4).order(ByteOrder.nativeOrder());
        buf.asFloatBuffer().put(values);
        NDArray f32 = manager.create(buf, new Shape(shape), DataType.FLOAT32);
        NDArray leaf = dtype == DataType.FLOAT32 ? f32 : f32.toType(dtype, false);
        leaves.put(name, leaf);
        return leaf;
    }

    /** The model's config. */
    public HfConfig config() {
        return config;
    }

    /**
     * The base weights by HF name, as stored (projections {@code [out, in]}). With tied embeddings there is
     * no {@code lm_head.weight}.
     */
    public Map<String, NDArray> weights() {
        return Collections.unmodifiableMap(leaves);
    }

    /**
     * Makes every base weight trainable (full-parameter pre-training) or frozen again. Frozen is the
     * default and what LoRA training needs.
     */
    public void setTrainable(boolean trainable) {
        for (NDArray w : leaves.values()) {
            w.setRequiresGradient(trainable);
        }
    }

    /** The base weights as float32 tensors, for writing a checkpoint. */
    public Map<String, TensorData> toTensors() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        leaves.forEach((name, w) -> out.put(name, TensorData.f32(w.getShape().getShape(),
                w.stopGradient().toType(DataType.FLOAT32, false).toFloatArray())));
        return out;
    }

    /** The data type the model computes in. */
    public DataType dataType() {
        return dtype;
    }

    /** The manager that owns the weights; adapters are created under it. */
    public NDManager manager() {
        return manager;
    }

    /**
     * Runs the decoder over new tokens and returns the final hidden states (after the last RMSNorm).
     *
     * @param m manager for every temporary and the result
     * @param ids token ids {@code [B, T]} (int64)
     * @param positions position ids {@code [B, T]} (int64)
     * @param valid which new slots hold real tokens {@code [B, T]} (boolean); padding is masked as a key
     * @param cache the KV cache to read and extend, or null to attend only to these T tokens
     * @param lora adapter routing
     * @param training whether LoRA dropout applies
     * @return {@code [B, T, d]}
     */
    public NDArray hidden(NDManager m, NDArray ids, NDArray positions, NDArray valid, KvCache cache, LoraRouting lora,
            boolean training) {
        // Operations on the weights would attach their results to the model's manager; the scope frees every
        // temporary of this call (autograd keeps what backward needs) except the result and the cache.
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray result = hiddenInScope(m, ids, positions, valid, cache, lora, training);
            result.attach(m);
            NDScope.unregister(result);
            return result;
        }
    }

    private NDArray hiddenInScope(NDManager m, NDArray ids, NDArray positions, NDArray valid, KvCache cache,
            LoraRouting lora, boolean training) {
        long batch = ids.getShape().get(0);
        long t = ids.getShape().get(1);
        NDArray x = embed.get(ids.flatten()).reshape(batch, t, config.hiddenSize());
        NDArray[] cosSin = rope(m, positions);
        if (cache != null) {
            cache.appendValid(valid);
        }
        NDArray keyValid = cache != null ? cache.valid() : valid; // [B, S]
        NDArray mask = attentionMask(m, keyValid, t).toType(dtype, false); // [B, 1, 1, T, S]
        for (int i = 0; i < layers.length; i++) {
            Layer layer = layers[i];
            NDArray n = rmsNorm(x, layer.inputNorm());
            x = x.add(attention(m, i, layer, n, cosSin, mask, cache, lora, training));
            NDArray n2 = rmsNorm(x, layer.postNorm());
            x = x.add(mlp(m, i, layer, n2, lora, training));
        }
        return rmsNorm(x, finalNorm);
    }

    /** Logits {@code [..., V]} of hidden states {@code [..., d]}, in the manager of {@code hidden}. */
    public NDArray logits(NDArray hidden) {
        // the transposed view is made per call (inside a scope) so that gradients reach the weight when it is trained
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            NDArray out = hidden.matMul(lmHead.transpose());
            out.attach(hidden.getManager());
            NDScope.unregister(out);
            return out;
        }
    }

    private NDArray linear(int layerIndex, Layer layer, Projection p, NDArray x, NDManager m, LoraRouting lora,
            boolean training) {
        NDArray y = x.matMul(layer.weights()[p.ordinal()].transpose()); // x·Wᵀ; the view is a scoped temporary
        NDArray bias = layer.biases()[p.ordinal()];
        if (bias != null) {
            y = y.add(bias);
        }
        NDArray delta = lora.delta(layerIndex, p, x, m, training);
        return delta == null ? y : y.add(delta);
    }

    private NDArray attention(NDManager m, int li, Layer layer, NDArray x, NDArray[] cosSin, NDArray mask, KvCache cache,
            LoraRouting lora, boolean training) {
        long b = x.getShape().get(0);
        long t = x.getShape().get(1);
        int heads = config.numHeads();
        int kvHeads = config.numKvHeads();
        int h = config.headDim();
        int g = config.groupSize();
        // [B, T, H*h] -> [B, K, g, T, h]: query head q belongs to kv head q / g
        NDArray q = linear(li, layer, Projection.Q_PROJ, x, m, lora, training)
                .reshape(b, t, kvHeads, g, h).transpose(0, 2, 3, 1, 4);
        NDArray k = linear(li, layer, Projection.K_PROJ, x, m, lora, training).reshape(b, t, kvHeads, h).transpose(0, 2, 1, 3);
        NDArray v = linear(li, layer, Projection.V_PROJ, x, m, lora, training).reshape(b, t, kvHeads, h).transpose(0, 2, 1, 3);
        // RoPE: cos/sin are [B, T, h]; broadcast over heads
        q = applyRope(q, cosSin[0].expandDims(1).expandDims(1), cosSin[1].expandDims(1).expandDims(1));
        k = applyRope(k, cosSin[0].expandDims(1), cosSin[1].expandDims(1));
        if (cache != null) {
            NDArray[] kv = cache.append(li, k, v);
            k = kv[0];
            v = kv[1];
        }
        // scores [B, K, g, T, S]
        NDArray scores = q.matMul(k.expandDims(2).transpose(0, 1, 2, 4, 3)).mul(1.0 / Math.sqrt(h)).add(mask);
        NDArray probs = scores.softmax(-1);
        NDArray out = probs.matMul(v.expandDims(2)); // [B, K, g, T, h]
        out = out.transpose(0, 3, 1, 2, 4).reshape(b, t, (long) heads * h);
        return linear(li, layer, Projection.O_PROJ, out, m, lora, training);
    }

    private NDArray mlp(NDManager m, int li, Layer layer, NDArray x, LoraRouting lora, boolean training) {
        NDArray gate = linear(li, layer, Projection.GATE_PROJ, x, m, lora, training);
        NDArray up = linear(li, layer, Projection.UP_PROJ, x, m, lora, training);
        NDArray act = gate.mul(Activation.sigmoid(gate)).mul(up); // SiLU(gate) * up
        return linear(li, layer, Projection.DOWN_PROJ, act, m, lora, training);
    }

    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray variance = x.square().mean(new int[] {-1}, true);
        return x.div(variance.add(config.rmsNormEps()).sqrt()).mul(weight);
    }

    /** cos and sin {@code [B, T, h]} for position ids {@code [B, T]}, in float32 as transformers computes them. */
    private NDArray[] rope(NDManager m, NDArray positions) {
        NDArray freqs = positions.toType(DataType.FLOAT32, false).expandDims(-1).mul(invFreq); // [B, T, h/2]
        NDArray emb = freqs.concat(freqs, -1);
        return new NDArray[] {emb.cos().toType(dtype, false), emb.sin().toType(dtype, false)};
    }

    private static NDArray applyRope(NDArray x, NDArray cos, NDArray sin) {
        int last = x.getShape().dimension() - 1;
        long half = x.getShape().get(last) / 2;
        NDList halves = x.split(new long[] {half}, last);
        NDArray rotated = halves.get(1).neg().concat(halves.get(0), last); // rotate_half: [-x2, x1]
        return x.mul(cos).add(rotated.mul(sin));
    }

    /**
     * Additive mask {@code [B, 1, 1, T, S]}: query i (slot S-T+i) may attend key slot j iff j <= S-T+i
     * and slot j holds a real token.
     */
    private static NDArray attentionMask(NDManager m, NDArray keyValid, long t) {
        long s = keyValid.getShape().get(1);
        NDArray queries = m.arange(s - t, s).toType(DataType.INT64, false).expandDims(1); // [T, 1]
        NDArray keys = m.arange(0, s).toType(DataType.INT64, false).expandDims(0); // [1, S]
        NDArray causal = keys.lte(queries); // [T, S]
        NDArray allowed = causal.expandDims(0).logicalAnd(keyValid.expandDims(1)); // [B, T, S]
        NDArray additive = allowed.toType(DataType.FLOAT32, false).sub(1f).mul(-MASKED);
        return additive.expandDims(1).expandDims(1);
    }

    @Override
    public void close() {
        manager.close();
    }
}
