package dev.feedloop.djl.model;

import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.safetensors.TensorData;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Small random models for engine tests. */
final class TestModels {
    private TestModels() {}

    static HfConfig config(String type, boolean tied, boolean bias) {
        return new HfConfig(type, 37, 16, 24, 2, 4, 2, 4, 1e-6, HfConfig.Rope.plain(10000.0), tied, bias, false, 64, 1,
                List.of(2));
    }

    static Map<String, TensorData> weights(HfConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, TensorData> w = new LinkedHashMap<>();
        int d = c.hiddenSize();
        w.put("model.embed_tokens.weight", random(r, 0.5, c.vocabSize(), d));
        if (!c.tieWordEmbeddings()) {
            w.put("lm_head.weight", random(r, 0.3, c.vocabSize(), d));
        }
        w.put("model.norm.weight", around1(r, d));
        for (int i = 0; i < c.numLayers(); i++) {
            w.put("model.layers." + i + ".input_layernorm.weight", around1(r, d));
            w.put("model.layers." + i + ".post_attention_layernorm.weight", around1(r, d));
            for (Projection p : Projection.values()) {
                w.put(p.weightName(i), random(r, 0.3, p.outFeatures(c), p.inFeatures(c)));
                if (p.hasBias(c)) {
                    w.put(p.biasName(i), random(r, 0.2, p.outFeatures(c)));
                }
            }
        }
        return w;
    }

    static TensorData random(Random r, double scale, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * scale);
        }
        return TensorData.f32(shape, v);
    }

    static TensorData around1(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (1 + 0.1 * r.nextGaussian());
        }
        return TensorData.f32(new long[] {n}, v);
    }

    static LoraAdapter.Spec allTargets(int rank) {
        return new LoraAdapter.Spec(rank, 2.0 * rank, false, 0, EnumSet.allOf(Projection.class));
    }

    /** An adapter with random A and B (not the zero-B PEFT init), so that it changes the model. */
    static LoraAdapter randomAdapter(LlamaModel model, String name, LoraAdapter.Spec spec, long seed) {
        Random r = new Random(seed);
        HfConfig c = model.config();
        return LoraAdapter.of(name, spec, model, new LoraAdapter.Weights() {
            @Override
            public float[] a(int layer, Projection p) {
                return random(r, 0.2, spec.rank(), p.inFeatures(c)).toFloats();
            }

            @Override
            public float[] b(int layer, Projection p) {
                return random(r, 0.2, p.outFeatures(c), spec.rank()).toFloats();
            }
        });
    }
}
