package dev.feedloop.djl.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.djl.hf.HfConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LoRA: a zero B is the base model; A and B equal the merged weights W + scaling·B·A. */
class ReferenceLoraTest {

    private static final HfConfig C = TestModels.smallLlama();
    private static final Map<String, double[]> BASE = ReferenceWeights.random(C, 11, false, 0.3);
    private static final int[] TOKENS = {3, 1, 4, 1, 5, 9, 2, 6};

    @Test
    void zeroBIsExactlyTheBaseModel() {
        Map<String, double[]> lora = ReferenceWeights.randomLora(C, 3, 4, ReferenceLlama.MODULES, 0.5);
        lora.replaceAll((k, v) -> k.contains("lora_B") ? new double[v.length] : v);
        double[][] base = new ReferenceLlama(C, BASE).logits(TOKENS);
        double[][] adapted = new ReferenceLlama(C, BASE, Map.of(), ReferenceLlama.Lora.of(lora, 8.0)).logits(TOKENS);
        assertThat(TestModels.maxAbsDiff(base, adapted)).isZero();
    }

    @Test
    void allModulesEqualMergedWeights() {
        Map<String, double[]> lora = ReferenceWeights.randomLora(C, 5, 3, ReferenceLlama.MODULES, 0.3);
        double scaling = ReferenceLlama.Lora.scaling(6, 3, false); // alpha / r = 2
        assertMergedEquivalent(lora, scaling);
    }

    @Test
    void rsLoraOnASubsetOfModulesEqualsMergedWeights() {
        Map<String, double[]> lora = ReferenceWeights.randomLora(C, 6, 4, List.of("v_proj", "o_proj", "up_proj"), 0.3);
        lora.keySet().removeIf(k -> k.contains("layers.0.") && k.contains("o_proj"));
        double scaling = ReferenceLlama.Lora.scaling(8, 4, true); // alpha / √r = 4
        assertThat(scaling).isEqualTo(4.0);
        assertMergedEquivalent(lora, scaling);
    }

    private static void assertMergedEquivalent(Map<String, double[]> lora, double scaling) {
        double[][] adapted = new ReferenceLlama(C, BASE, Map.of(), ReferenceLlama.Lora.of(lora, scaling)).logits(TOKENS);
        double[][] base = new ReferenceLlama(C, BASE).logits(TOKENS);
        assertThat(TestModels.maxAbsDiff(base, adapted)).as("the adapter changes the output").isGreaterThan(1e-3);

        // W' = W + scaling·B·A, i.e. W'[o, i] = W[o, i] + scaling·Σ_r B[o, r]·A[r, i]
        Map<String, double[]> merged = TestModels.copy(BASE);
        for (int layer = 0; layer < C.numLayers(); layer++) {
            for (String module : ReferenceLlama.MODULES) {
                double[] a = lora.get(ReferenceLlama.loraKey(layer, module, 'A'));
                double[] b = lora.get(ReferenceLlama.loraKey(layer, module, 'B'));
                if (a == null) {
                    continue;
                }
                int[] shape = ReferenceLlama.moduleShape(C, module);
                int out = shape[0];
                int in = shape[1];
                int rank = a.length / in;
                double[] w = merged.get(ReferenceLlama.modulePath(layer, module) + ".weight");
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double ba = 0;
                        for (int r = 0; r < rank; r++) {
                            ba += b[o * rank + r] * a[r * in + i];
                        }
                        w[o * in + i] += scaling * ba;
                    }
                }
            }
        }
        double[][] mergedLogits = new ReferenceLlama(C, merged).logits(TOKENS);
        assertThat(TestModels.maxAbsDiff(adapted, mergedLogits)).isLessThanOrEqualTo(1e-12);
    }

    @Test
    void explicitShapesAreChecked() {
        Map<String, double[]> lora = ReferenceWeights.randomLora(C, 5, 2, List.of("k_proj"), 0.3);
        Map<String, int[]> shapes = new HashMap<>();
        shapes.put(ReferenceLlama.loraKey(0, "k_proj", 'A'), new int[] {2, 8});
        shapes.put(ReferenceLlama.loraKey(0, "k_proj", 'B'), new int[] {4, 2});
        new ReferenceLlama(C, BASE, Map.of(), new ReferenceLlama.Lora(lora, shapes, 1.0));

        shapes.put(ReferenceLlama.loraKey(0, "k_proj", 'B'), new int[] {2, 4});
        assertThatThrownBy(() -> new ReferenceLlama(C, BASE, Map.of(), new ReferenceLlama.Lora(lora, shapes, 1.0)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("k_proj.lora_B.weight: shape [2, 4] but must be [4, 2]");
    }

    @Test
    void malformedAdaptersAreRejected() {
        Map<String, double[]> lora = ReferenceWeights.randomLora(C, 5, 2, List.of("q_proj"), 0.3);
        Map<String, double[]> onlyA = new HashMap<>(lora);
        onlyA.keySet().removeIf(k -> k.contains("layers.1.") && k.contains("lora_B"));
        assertThatThrownBy(() -> new ReferenceLlama(C, BASE, Map.of(), ReferenceLlama.Lora.of(onlyA, 1.0)))
                .hasMessageContaining("model.layers.1.self_attn.q_proj: LoRA needs both");

        Map<String, double[]> wrongGroup = Map.of("base_model.model.model.layers.0.mlp.q_proj.lora_A.weight", new double[16]);
        assertThatThrownBy(() -> new ReferenceLlama(C, BASE, Map.of(), ReferenceLlama.Lora.of(wrongGroup, 1.0)))
                .hasMessageContaining("'mlp.q_proj' is not a LoRA target");

        Map<String, double[]> badLayer = Map.of("base_model.model.model.layers.2.self_attn.q_proj.lora_A.weight", new double[16]);
        assertThatThrownBy(() -> new ReferenceLlama(C, BASE, Map.of(), ReferenceLlama.Lora.of(badLayer, 1.0)))
                .hasMessageContaining("layer 2 but the model has 2");

        Map<String, double[]> unprefixed = Map.of("model.layers.0.self_attn.q_proj.lora_A.weight", new double[16]);
        assertThatThrownBy(() -> new ReferenceLlama(C, BASE, Map.of(), ReferenceLlama.Lora.of(unprefixed, 1.0)))
                .hasMessageContaining("is not a PEFT LoRA key");

        Map<String, double[]> ragged = new HashMap<>(lora);
        ragged.put(ReferenceLlama.loraKey(0, "q_proj", 'A'), new double[15]);
        assertThatThrownBy(() -> new ReferenceLlama(C, BASE, Map.of(), ReferenceLlama.Lora.of(ragged, 1.0)))
                .hasMessageContaining("15 values is not a positive multiple of in=8");
    }
}
