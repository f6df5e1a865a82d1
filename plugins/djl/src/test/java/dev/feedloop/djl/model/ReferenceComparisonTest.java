package dev.feedloop.djl.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.reference.ReferenceLlama;
import dev.feedloop.djl.reference.ReferenceWeights;
import dev.feedloop.djl.safetensors.TensorData;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL engine's per-token log-probs against the independent plain-Java double-precision reference,
 * for Llama (GQA, untied, llama3 RoPE, attention bias incl. o_proj), Qwen2 (q/k/v bias, tied) and
 * Mistral, with and without a LoRA adapter, in float64 (tight) and float32 (as served).
 */
class ReferenceComparisonTest {
    private static final int[] PROMPT = {5, 17, 3, 29, 11, 2, 8};
    private static final int[] RESPONSE = {13, 1, 30, 4, 22, 9};

    static Stream<Arguments> models() {
        HfConfig.Rope llama3 = new HfConfig.Rope(500000.0, "llama3", 8.0, 1.0, 4.0, 64);
        return Stream.of(
                Arguments.of("llama-gqa-untied", new HfConfig("llama", 37, 16, 24, 2, 4, 2, 4, 1e-5, HfConfig.Rope.plain(10000.0),
                        false, false, false, 64, 1, List.of(2)), false),
                Arguments.of("llama-llama3-rope-bias", new HfConfig("llama", 37, 16, 24, 2, 4, 1, 4, 1e-6, llama3,
                        false, true, true, 64, 1, List.of(2)), true),
                Arguments.of("qwen2-tied-bias", new HfConfig("qwen2", 37, 16, 24, 2, 4, 2, 4, 1e-6, HfConfig.Rope.plain(1e6),
                        true, true, false, 64, 1, List.of(2)), true),
                Arguments.of("mistral-linear-rope", new HfConfig("mistral", 37, 24, 40, 3, 6, 2, 4, 1e-5,
                        new HfConfig.Rope(10000.0, "linear", 2.0, 1, 4, 8192), false, false, false, 64, 1, List.of(2)), false));
    }

    private static Map<String, TensorData> tensors(HfConfig c, Map<String, double[]> w) {
        Map<String, int[]> shapes = ReferenceLlama.expectedShapes(c);
        Map<String, TensorData> out = new LinkedHashMap<>();
        w.forEach((name, values) -> {
            int[] s = shapes.get(name);
            long[] shape = new long[s.length];
            for (int i = 0; i < s.length; i++) {
                shape[i] = s[i];
            }
            out.put(name, TensorData.f32(shape, ReferenceWeights.toFloat(values)));
        });
        return out;
    }

    private static LoraAdapter adapter(LlamaModel model, Map<String, double[]> lora, int rank, double alpha, Set<Projection> targets) {
        LoraAdapter.Spec spec = new LoraAdapter.Spec(rank, alpha, false, 0, targets);
        return LoraAdapter.of("ref", spec, model, new LoraAdapter.Weights() {
            @Override
            public float[] a(int layer, Projection p) {
                return ReferenceWeights.toFloat(lora.get(ReferenceLlama.loraKey(layer, p.moduleName(), 'A')));
            }

            @Override
            public float[] b(int layer, Projection p) {
                return ReferenceWeights.toFloat(lora.get(ReferenceLlama.loraKey(layer, p.moduleName(), 'B')));
            }
        });
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void logProbsMatchTheReference(String name, HfConfig c, boolean bias) {
        Map<String, double[]> w = ReferenceWeights.random(c, 101, bias, 0.3);
        Set<Projection> targets = EnumSet.of(Projection.Q_PROJ, Projection.V_PROJ, Projection.O_PROJ, Projection.GATE_PROJ,
                Projection.DOWN_PROJ);
        List<String> modules = targets.stream().map(Projection::moduleName).toList();
        int rank = 3;
        double alpha = 5;
        Map<String, double[]> loraWeights = ReferenceWeights.randomLora(c, 202, rank, modules, 0.3);
        double[] expectedBase = new ReferenceLlama(c, w).responseLogProbs(PROMPT, RESPONSE);
        double[] expectedLora = new ReferenceLlama(c, w, ReferenceLlama.expectedShapes(c),
                ReferenceLlama.Lora.of(loraWeights, alpha / rank)).responseLogProbs(PROMPT, RESPONSE);
        assertThat(expectedLora).isNotEqualTo(expectedBase);
        for (DataType dtype : List.of(DataType.FLOAT64, DataType.FLOAT32)) {
            double tolerance = dtype == DataType.FLOAT64 ? 1e-6 : 2e-4;
            try (LlamaModel model = LlamaModel.create(c, tensors(c, w), Device.cpu(), dtype);
                    LoraAdapter a = adapter(model, loraWeights, rank, alpha, targets)) {
                List<float[]> got = Scoring.responseLogProbs(model, LoraRouting.perSequence(Arrays.asList(null, a)),
                        List.of(PROMPT, PROMPT), List.of(RESPONSE, RESPONSE));
                for (int j = 0; j < RESPONSE.length; j++) {
                    assertThat(Math.abs(got.get(0)[j] - expectedBase[j])).as("%s %s base token %d", name, dtype, j)
                            .isLessThan(tolerance);
                    assertThat(Math.abs(got.get(1)[j] - expectedLora[j])).as("%s %s lora token %d", name, dtype, j)
                            .isLessThan(tolerance);
                }
            }
        }
    }
}
