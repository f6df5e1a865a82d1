package dev.feedloop.djl.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.djl.hf.HfConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Weight maps that do not match the config fail with a message naming the tensor. */
class ReferenceValidationTest {

    private static final HfConfig C = TestModels.smallLlama();

    @Test
    void missingWeightIsNamed() {
        Map<String, double[]> w = ReferenceWeights.random(C, 1, false);
        w.remove("model.layers.1.mlp.up_proj.weight");
        assertThatThrownBy(() -> new ReferenceLlama(C, w))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("missing [model.layers.1.mlp.up_proj.weight]");
    }

    @Test
    void unexpectedWeightsAreNamed() {
        Map<String, double[]> w = ReferenceWeights.random(C, 1, false);
        w.put("model.layers.0.self_attn.q_proj.bias", new double[8]);
        assertThatThrownBy(() -> new ReferenceLlama(C, w))
                .hasMessageContaining("unexpected [model.layers.0.self_attn.q_proj.bias]")
                .hasMessageContaining("attention_bias=false");

        HfConfig tied = TestModels.config("llama", 11, 8, 12, 2, 4, 2, 2, 1e-6, HfConfig.Rope.plain(1e4), true, false, false);
        Map<String, double[]> t = ReferenceWeights.random(tied, 1, false);
        t.put("lm_head.weight", new double[88]);
        assertThatThrownBy(() -> new ReferenceLlama(tied, t))
                .hasMessageContaining("unexpected [lm_head.weight]")
                .hasMessageContaining("tie_word_embeddings=true");
    }

    @Test
    void strayInvFreqIsIgnored() {
        Map<String, double[]> w = ReferenceWeights.random(C, 1, false);
        w.put("model.layers.0.self_attn.rotary_emb.inv_freq", new double[1]);
        assertThat(new ReferenceLlama(C, w).logits(new int[] {0})).hasDimensions(1, 11);
    }

    @Test
    void shapesAreCheckedAgainstTheConfig() {
        Map<String, double[]> w = ReferenceWeights.random(C, 1, false);
        Map<String, int[]> shapes = new HashMap<>(ReferenceLlama.expectedShapes(C));
        new ReferenceLlama(C, w, shapes);
        shapes.put("model.layers.0.self_attn.k_proj.weight", new int[] {8, 4}); // transposed
        assertThatThrownBy(() -> new ReferenceLlama(C, w, shapes))
                .hasMessage("model.layers.0.self_attn.k_proj.weight: shape [8, 4] but the config implies [4, 8]");

        Map<String, int[]> extra = Map.of("model.layers.9.mlp.up_proj.weight", new int[] {12, 8});
        assertThatThrownBy(() -> new ReferenceLlama(C, w, extra)).hasMessageContaining("no such weight");
    }

    @Test
    void wrongLengthAndNonFiniteValuesAreRejected() {
        Map<String, double[]> w = ReferenceWeights.random(C, 1, false);
        w.put("model.norm.weight", new double[7]);
        assertThatThrownBy(() -> new ReferenceLlama(C, w)).hasMessage("model.norm.weight: 7 values but shape [8] needs 8");

        Map<String, double[]> nan = ReferenceWeights.random(C, 1, false);
        nan.get("model.embed_tokens.weight")[5] = Double.NaN;
        assertThatThrownBy(() -> new ReferenceLlama(C, nan))
                .hasMessageContaining("model.embed_tokens.weight: value NaN at flat index 5");
    }

    @Test
    void architectureBiasRulesAreEnforced() {
        HfConfig mistral = TestModels.config("mistral", 11, 8, 12, 2, 4, 2, 2, 1e-6, HfConfig.Rope.plain(1e4), false, true, false);
        assertThatThrownBy(() -> new ReferenceLlama(mistral, Map.of())).hasMessageContaining("mistral has no biases");
        HfConfig qwen2 = TestModels.config("qwen2", 11, 8, 12, 2, 4, 2, 2, 1e-6, HfConfig.Rope.plain(1e4), false, false, false);
        assertThatThrownBy(() -> new ReferenceLlama(qwen2, Map.of())).hasMessageContaining("qwen2 always has q/k/v biases");
    }

    @Test
    void inputsAreCheckedAndWeightsCopied() {
        Map<String, double[]> w = ReferenceWeights.random(C, 1, false);
        ReferenceLlama model = new ReferenceLlama(C, w);
        double[] before = model.logits(new int[] {2, 3})[1];
        w.get("model.embed_tokens.weight")[2 * 8] += 1; // mutate the caller's array
        assertThat(model.logits(new int[] {2, 3})[1]).containsExactly(before);
        assertThatThrownBy(() -> model.logits(new int[] {1, 11})).hasMessage("token id 11 at position 1 is outside [0, 11)");
        assertThatThrownBy(() -> model.logits(new int[0])).hasMessageContaining("must not be empty");
    }
}
