package dev.feedloop.djl.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.djl.hf.HfConfig;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Causality, response log-probabilities, tied embeddings and biases, on random two-layer models. */
class ReferencePropertiesTest {

    private static final int[] TOKENS = {3, 1, 4, 1, 5, 9, 2, 6};

    @Test
    void logitsAtPositionTIgnoreLaterTokens() {
        HfConfig c = TestModels.smallQwen2();
        ReferenceLlama model = new ReferenceLlama(c, ReferenceWeights.random(c, 21, true, 0.3));
        double[][] full = model.logits(TOKENS);
        for (int t = 0; t < TOKENS.length - 1; t++) {
            int[] changed = TOKENS.clone();
            for (int u = t + 1; u < changed.length; u++) {
                changed[u] = (changed[u] + 1 + u) % c.vocabSize();
            }
            double[][] other = model.logits(changed);
            for (int s = 0; s <= t; s++) {
                assertThat(other[s]).as("position %d after changing tokens > %d", s, t).containsExactly(full[s]);
            }
            assertThat(Arrays.equals(other[t + 1], full[t + 1])).as("position %d sees its own token", t + 1).isFalse();
            // a prefix alone gives the same rows
            double[][] prefix = model.logits(Arrays.copyOf(TOKENS, t + 1));
            assertThat(TestModels.maxAbsDiff(prefix, Arrays.copyOf(full, t + 1))).isZero();
        }
    }

    @Test
    void responseLogProbsAreLogSoftmaxAtThePrecedingPosition() {
        HfConfig c = TestModels.smallLlama();
        ReferenceLlama model = new ReferenceLlama(c, ReferenceWeights.random(c, 22, false, 0.5));
        int[] prompt = {3, 1, 4};
        int[] response = {1, 5, 9, 2, 6};
        double[] lp = model.responseLogProbs(prompt, response);
        double[][] logits = model.logits(TOKENS);
        assertThat(lp).hasSize(response.length);
        for (int k = 0; k < response.length; k++) {
            assertThat(lp[k]).isLessThanOrEqualTo(0.0);
            // log p(response[k]) = logits[P+k−1][r] − log Σ_v exp(logits[P+k−1][v])
            double[] row = logits[prompt.length + k - 1];
            double z = 0;
            for (double v : row) {
                z += Math.exp(v);
            }
            assertThat(lp[k]).isCloseTo(row[response[k]] - Math.log(z), within(1e-12));
        }
    }

    @Test
    void probabilitiesOverTheWholeVocabularySumToOne() {
        HfConfig c = TestModels.smallLlama();
        ReferenceLlama model = new ReferenceLlama(c, ReferenceWeights.random(c, 23, false, 0.5));
        int[] prompt = {3, 1, 4};
        int[] response = {1, 5, 9};
        for (int k = 0; k < response.length; k++) {
            // Σ_v p(v | prompt, response[0..k)) through responseLogProbs with v in slot k
            double sum = 0;
            for (int v = 0; v < c.vocabSize(); v++) {
                int[] candidate = Arrays.copyOf(response, k + 1);
                candidate[k] = v;
                double lp = model.responseLogProbs(prompt, candidate)[k];
                assertThat(lp).isLessThanOrEqualTo(0.0);
                sum += Math.exp(lp);
            }
            assertThat(sum).as("slot %d", k).isCloseTo(1.0, within(1e-12));
        }
        assertThat(model.responseLogProbs(prompt, new int[0])).isEmpty();
        assertThatThrownBy(() -> model.responseLogProbs(new int[0], response))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("promptIds must not be empty");
    }

    @Test
    void tiedModelEqualsUntiedModelWithLmHeadCopiedFromEmbeddings() {
        HfConfig tied = TestModels.config("llama", 11, 8, 12, 2, 4, 2, 2, 1e-5, HfConfig.Rope.plain(10000.0), true, false, false);
        HfConfig untied = TestModels.config("llama", 11, 8, 12, 2, 4, 2, 2, 1e-5, HfConfig.Rope.plain(10000.0), false, false, false);
        Map<String, double[]> w = ReferenceWeights.random(tied, 24, false, 0.3);
        assertThat(w).doesNotContainKey("lm_head.weight");
        Map<String, double[]> withHead = TestModels.copy(w);
        withHead.put("lm_head.weight", w.get("model.embed_tokens.weight").clone());
        double[][] a = new ReferenceLlama(tied, w).logits(TOKENS);
        double[][] b = new ReferenceLlama(untied, withHead).logits(TOKENS);
        assertThat(TestModels.maxAbsDiff(a, b)).isZero();
        // ... and the untied head is really used
        withHead.get("lm_head.weight")[0] += 1.0;
        assertThat(new ReferenceLlama(untied, withHead).logits(TOKENS)[0][0]).isNotEqualTo(b[0][0]);
    }

    @Test
    void qwen2BiasesChangeTheOutputAndZeroBiasesEqualNoBiases() {
        HfConfig qwen2 = TestModels.smallQwen2();
        HfConfig llama = TestModels.smallLlama(); // same shapes, no biases
        Map<String, double[]> withBias = ReferenceWeights.random(qwen2, 25, true, 0.3);
        Map<String, double[]> zeroBias = TestModels.copy(withBias);
        zeroBias.replaceAll((k, v) -> k.endsWith(".bias") ? new double[v.length] : v);
        Map<String, double[]> noBias = TestModels.copy(withBias);
        noBias.keySet().removeIf(k -> k.endsWith(".bias"));
        assertThat(withBias).containsKeys("model.layers.1.self_attn.q_proj.bias", "model.layers.1.self_attn.k_proj.bias",
                "model.layers.1.self_attn.v_proj.bias").doesNotContainKey("model.layers.1.self_attn.o_proj.bias");

        double[][] biased = new ReferenceLlama(qwen2, withBias).logits(TOKENS);
        double[][] zero = new ReferenceLlama(qwen2, zeroBias).logits(TOKENS);
        double[][] none = new ReferenceLlama(llama, noBias).logits(TOKENS);
        assertThat(TestModels.maxAbsDiff(biased, zero)).isGreaterThan(1e-3);
        assertThat(TestModels.maxAbsDiff(zero, none)).isZero();
        // each of q, k and v biases matters on its own (k only through positions > 0)
        for (String p : new String[] {"q_proj", "k_proj", "v_proj"}) {
            Map<String, double[]> one = TestModels.copy(zeroBias);
            one.put("model.layers.0.self_attn." + p + ".bias", withBias.get("model.layers.0.self_attn." + p + ".bias"));
            assertThat(TestModels.maxAbsDiff(new ReferenceLlama(qwen2, one).logits(TOKENS), zero)).as(p).isGreaterThan(1e-6);
        }
    }

    @Test
    void llamaAttentionBiasIncludesOProjAndMlpBiasCoversTheMlp() {
        HfConfig c = TestModels.config("llama", 11, 8, 12, 2, 4, 2, 2, 1e-6, HfConfig.Rope.plain(10000.0), false, true, true);
        Map<String, double[]> withBias = ReferenceWeights.random(c, 26, true, 0.3);
        for (String p : new String[] {"self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}) {
            assertThat(withBias).containsKey("model.layers.0." + p + ".bias");
        }
        Map<String, double[]> noBias = TestModels.copy(withBias);
        noBias.keySet().removeIf(k -> k.endsWith(".bias"));
        Map<String, double[]> zeroBias = TestModels.copy(withBias);
        zeroBias.replaceAll((k, v) -> k.endsWith(".bias") ? new double[v.length] : v);
        double[][] zero = new ReferenceLlama(c, zeroBias).logits(TOKENS);
        assertThat(TestModels.maxAbsDiff(zero, new ReferenceLlama(TestModels.smallLlama(), noBias).logits(TOKENS))).isZero();
        for (String p : new String[] {"self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"}) {
            Map<String, double[]> one = TestModels.copy(zeroBias);
            one.put("model.layers.1." + p + ".bias", withBias.get("model.layers.1." + p + ".bias"));
            assertThat(TestModels.maxAbsDiff(new ReferenceLlama(c, one).logits(TOKENS), zero)).as(p).isGreaterThan(1e-6);
        }
    }
}
