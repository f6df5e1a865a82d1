package dev.feedloop.djl.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.djl.hf.HfConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Random weight maps load, are deterministic, float32-exact, and honour the bias flag. */
class ReferenceWeightsTest {

    @Test
    void randomMapIsCompleteForEveryArchitecture() {
        HfConfig tied = TestModels.config("mistral", 11, 8, 12, 2, 4, 2, 2, 1e-5, HfConfig.Rope.plain(1e6), true, false, false);
        HfConfig llamaBiases = TestModels.config("llama", 11, 8, 12, 2, 4, 2, 2, 1e-5, HfConfig.Rope.plain(1e4), false, true, true);
        for (HfConfig c : List.of(TestModels.smallLlama(), TestModels.smallQwen2(), tied, llamaBiases)) {
            Map<String, double[]> w = ReferenceWeights.random(c, 1, c.attentionBias() || c.mlpBias());
            assertThat(w.keySet()).containsExactlyElementsOf(ReferenceLlama.expectedShapes(c).keySet());
            assertThat(new ReferenceLlama(c, w).logits(new int[] {1, 2, 3})).hasDimensions(3, 11);
        }
    }

    @Test
    void deterministicPerSeed() {
        HfConfig c = TestModels.smallQwen2();
        Map<String, double[]> a = ReferenceWeights.random(c, 42, true);
        Map<String, double[]> b = ReferenceWeights.random(c, 42, true);
        Map<String, double[]> other = ReferenceWeights.random(c, 43, true);
        a.forEach((k, v) -> assertThat(b.get(k)).as(k).containsExactly(v));
        assertThat(other.get("model.embed_tokens.weight")).isNotEqualTo(a.get("model.embed_tokens.weight"));
    }

    @Test
    void valuesAreFloat32ExactWithPlausibleScales() {
        Map<String, double[]> w = ReferenceWeights.random(TestModels.smallQwen2(), 7, true);
        w.forEach((k, v) -> {
            for (double x : v) {
                assertThat((double) (float) x).as(k).isEqualTo(x);
            }
        });
        assertThat(rms(w.get("model.layers.0.self_attn.q_proj.weight"))).isBetween(0.01, 0.04);
        assertThat(mean(w.get("model.norm.weight"))).isBetween(0.9, 1.1);
        assertThat(rms(w.get("model.layers.1.self_attn.v_proj.bias"))).isGreaterThan(0.0);
    }

    @Test
    void withoutBiasRequiredBiasesAreZero() {
        Map<String, double[]> w = ReferenceWeights.random(TestModels.smallQwen2(), 7, false);
        assertThat(w.get("model.layers.0.self_attn.q_proj.bias")).containsOnly(0.0);
        assertThat(w).doesNotContainKey("model.layers.0.self_attn.o_proj.bias");
    }

    @Test
    void withBiasOnABiasFreeConfigIsAnError() {
        assertThatThrownBy(() -> ReferenceWeights.random(TestModels.smallLlama(), 1, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("neither attention_bias nor mlp_bias");
    }

    @Test
    void randomLoraHasPeftKeysAndShapes() {
        HfConfig c = TestModels.smallLlama();
        Map<String, double[]> lora = ReferenceWeights.randomLora(c, 5, 3, List.of("q_proj", "down_proj"), 0.1);
        assertThat(lora).hasSize(2 * 2 * 2);
        assertThat(lora.get("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight")).hasSize(3 * 8); // [r, d]
        assertThat(lora.get("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight")).hasSize(8 * 3); // [H*h, r]
        assertThat(lora.get("base_model.model.model.layers.0.mlp.down_proj.lora_A.weight")).hasSize(3 * 12); // [r, I]
        assertThat(lora.get("base_model.model.model.layers.0.mlp.down_proj.lora_B.weight")).hasSize(8 * 3); // [d, r]
        new ReferenceLlama(c, ReferenceWeights.random(c, 1, false), Map.of(), ReferenceLlama.Lora.of(lora, 2.0));
    }

    @Test
    void floatConversions() {
        double[] values = {0.1, -2.5, 1e-40, 3.4e38};
        float[] f = ReferenceWeights.toFloat(values);
        assertThat(f).containsExactly(0.1f, -2.5f, (float) 1e-40, 3.4e38f);
        assertThat(ReferenceWeights.toDouble(f)).containsExactly(0.1f, -2.5f, (float) 1e-40, 3.4e38f);
        Map<String, float[]> m = ReferenceWeights.toFloat(Map.of("a", values));
        assertThat(m.get("a")).containsExactly(f);
    }

    private static double rms(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s / v.length);
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
