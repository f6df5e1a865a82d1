package dev.feedloop.djl.reference;

import dev.feedloop.djl.hf.HfConfig;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random weight maps for {@link ReferenceLlama} and the engine tests, plus float/double conversions.
 *
 * <p>Every generated value is exactly representable in float32 (drawn in double, then rounded through
 * {@code float}), so a float32 engine and the double reference start from identical weights and any
 * difference comes from the computation. Generation is deterministic per seed: keys are drawn in
 * {@link ReferenceLlama#expectedShapes} order from one {@link Random}.
 */
public final class ReferenceWeights {

    /** HF's {@code initializer_range}: the default standard deviation of projections and embeddings. */
    public static final double DEFAULT_STD = 0.02;

    private ReferenceWeights() {}

    /** {@link #random(HfConfig, long, boolean, double)} with {@link #DEFAULT_STD}. */
    public static Map<String, double[]> random(HfConfig c, long seed, boolean withBias) {
        return random(c, seed, withBias, DEFAULT_STD);
    }

    /**
     * A complete weight map for the config: embeddings, projections and {@code lm_head} are
     * {@code normal · std}; RMSNorm weights are {@code 1 + 0.1 · normal}.
     *
     * <p>Bias tensors are present exactly when the config requires them ({@link ReferenceLlama#hasBias}),
     * so the map always loads. {@code withBias} chooses their values: {@code normal · std} when true, zeros
     * when false (a zero-bias model computes the same function as the model without biases).
     *
     * @throws IllegalArgumentException if {@code withBias} is true but the config has no biases
     * @return HF names to row-major data, in HF order
     */
    public static Map<String, double[]> random(HfConfig c, long seed, boolean withBias, double std) {
        if (withBias && !c.attentionBias() && !c.mlpBias()) {
            throw new IllegalArgumentException("withBias=true but the config (model_type=" + c.modelType()
                    + ") has neither attention_bias nor mlp_bias");
        }
        Random rnd = new Random(seed);
        Map<String, double[]> weights = new LinkedHashMap<>();
        for (Map.Entry<String, int[]> e : ReferenceLlama.expectedShapes(c).entrySet()) {
            String key = e.getKey();
            int size = size(e.getValue());
            double[] data = new double[size];
            if (key.endsWith("norm.weight")) {
                for (int i = 0; i < size; i++) {
                    data[i] = (float) (1.0 + 0.1 * rnd.nextGaussian());
                }
            } else if (!key.endsWith(".bias") || withBias) {
                for (int i = 0; i < size; i++) {
                    data[i] = (float) (std * rnd.nextGaussian());
                }
            }
            weights.put(key, data);
        }
        return weights;
    }

    /**
     * A random LoRA adapter on every layer for the given modules: A and B both {@code normal · std}
     * (unlike PEFT's init, where B is zero, so that the adapter changes the output).
     *
     * @param modules a subset of {@link ReferenceLlama#MODULES}
     * @return PEFT keys to row-major data, A {@code [rank, in]} and B {@code [out, rank]}
     */
    public static Map<String, double[]> randomLora(HfConfig c, long seed, int rank, Collection<String> modules, double std) {
        if (rank < 1) {
            throw new IllegalArgumentException("rank must be positive, got " + rank);
        }
        Random rnd = new Random(seed);
        Map<String, double[]> tensors = new LinkedHashMap<>();
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (String module : List.copyOf(modules)) {
                int[] shape = ReferenceLlama.moduleShape(c, module);
                tensors.put(ReferenceLlama.loraKey(layer, module, 'A'), gaussian(rnd, rank * shape[1], std));
                tensors.put(ReferenceLlama.loraKey(layer, module, 'B'), gaussian(rnd, shape[0] * rank, std));
            }
        }
        return tensors;
    }

    /** Narrows to float32 (round to nearest). */
    public static float[] toFloat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }

    /** Narrows every tensor to float32, keeping the map's order. */
    public static Map<String, float[]> toFloat(Map<String, double[]> tensors) {
        Map<String, float[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k, toFloat(v)));
        return out;
    }

    /** Widens float32 values (exact). */
    public static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static double[] gaussian(Random rnd, int size, double std) {
        double[] data = new double[size];
        for (int i = 0; i < size; i++) {
            data[i] = (float) (std * rnd.nextGaussian());
        }
        return data;
    }

    private static int size(int[] shape) {
        int size = 1;
        for (int s : shape) {
            size = Math.multiplyExact(size, s);
        }
        return size;
    }
}
