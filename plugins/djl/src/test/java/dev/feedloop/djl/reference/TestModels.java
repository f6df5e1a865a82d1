package dev.feedloop.djl.reference;

import dev.feedloop.djl.hf.HfConfig;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Configs and hand-built weight maps shared by the reference tests. */
final class TestModels {

    private TestModels() {}

    /** A config with the given dimensions; bos/eos and max positions are irrelevant to the reference. */
    static HfConfig config(String modelType, int vocab, int hidden, int intermediate, int layers, int heads, int kvHeads,
            int headDim, double eps, HfConfig.Rope rope, boolean tie, boolean attentionBias, boolean mlpBias) {
        return new HfConfig(modelType, vocab, hidden, intermediate, layers, heads, kvHeads, headDim, eps, rope, tie,
                attentionBias, mlpBias, 4096, -1, List.of());
    }

    /** A 2-layer Llama with GQA (H=4, K=2), V=11, d=8, h=2, I=12. */
    static HfConfig smallLlama() {
        return config("llama", 11, 8, 12, 2, 4, 2, 2, 1e-6, HfConfig.Rope.plain(10000.0), false, false, false);
    }

    /** {@link #smallLlama()} as Qwen2: q/k/v biases. */
    static HfConfig smallQwen2() {
        return config("qwen2", 11, 8, 12, 2, 4, 2, 2, 1e-6, HfConfig.Rope.plain(10000.0), false, true, false);
    }

    /** Row-major matrix from rows. */
    static double[] rows(double[]... rows) {
        int cols = rows[0].length;
        double[] out = new double[rows.length * cols];
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != cols) {
                throw new IllegalArgumentException("ragged row " + r);
            }
            System.arraycopy(rows[r], 0, out, r * cols, cols);
        }
        return out;
    }

    /** The n×n identity, row-major. */
    static double[] identity(int n) {
        double[] out = new double[n * n];
        for (int i = 0; i < n; i++) {
            out[i * n + i] = 1;
        }
        return out;
    }

    /** A vector filled with one value. */
    static double[] fill(int n, double value) {
        double[] out = new double[n];
        Arrays.fill(out, value);
        return out;
    }

    /** Deep copy of a weight map (arrays cloned), keeping order. */
    static Map<String, double[]> copy(Map<String, double[]> weights) {
        Map<String, double[]> out = new LinkedHashMap<>();
        weights.forEach((k, v) -> out.put(k, v.clone()));
        return out;
    }

    /** Largest absolute elementwise difference. */
    static double maxAbsDiff(double[][] a, double[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " vs " + b.length + " rows");
        }
        double max = 0;
        for (int t = 0; t < a.length; t++) {
            if (a[t].length != b[t].length) {
                throw new IllegalArgumentException("row " + t + ": " + a[t].length + " vs " + b[t].length);
            }
            for (int i = 0; i < a[t].length; i++) {
                max = Math.max(max, Math.abs(a[t][i] - b[t][i]));
            }
        }
        return max;
    }
}
