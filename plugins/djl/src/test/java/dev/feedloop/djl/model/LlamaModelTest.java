package dev.feedloop.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.feedloop.djl.hf.HfConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Self-consistency of the DJL engine (the independent reference comparison lives in ReferenceComparisonTest). */
class LlamaModelTest {

    private static int[] randomIds(Random r, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = r.nextInt(vocab);
        }
        return ids;
    }

    @Test
    void batchedScoringWithPaddingEqualsOneByOne() {
        HfConfig c = TestModels.config("llama", false, false);
        try (LlamaModel model = LlamaModel.create(c, TestModels.weights(c, 1), Device.cpu())) {
            Random r = new Random(2);
            List<int[]> prompts = new ArrayList<>();
            List<int[]> responses = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                prompts.add(randomIds(r, 1 + r.nextInt(6), c.vocabSize()));
                responses.add(randomIds(r, 1 + r.nextInt(5), c.vocabSize()));
            }
            List<float[]> batched = Scoring.responseLogProbs(model, LoraRouting.none(), prompts, responses);
            for (int i = 0; i < 4; i++) {
                float[] alone = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(prompts.get(i)), List.of(responses.get(i))).get(0);
                assertThat(batched.get(i)).hasSize(responses.get(i).length);
                for (int j = 0; j < alone.length; j++) {
                    assertThat(batched.get(i)[j]).isCloseTo(alone[j], within(1e-5f));
                    assertThat(alone[j]).isLessThanOrEqualTo(0f);
                }
            }
        }
    }

    @Test
    void zeroInitialisedAdapterEqualsTheBase() {
        HfConfig c = TestModels.config("qwen2", true, true);
        try (LlamaModel model = LlamaModel.create(c, TestModels.weights(c, 3), Device.cpu());
                LoraAdapter adapter = LoraAdapter.initialize("a", TestModels.allTargets(4), model, 9)) {
            int[] p = {3, 5, 7};
            int[] y = {11, 13, 17, 19};
            float[] base = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(p), List.of(y)).get(0);
            float[] lora = Scoring.responseLogProbs(model, LoraRouting.single(adapter), List.of(p), List.of(y)).get(0);
            assertThat(lora).containsExactly(base);
        }
    }

    @Test
    void perSequenceRoutingEqualsSingleAdapterRowByRow() {
        HfConfig c = TestModels.config("llama", false, false);
        try (LlamaModel model = LlamaModel.create(c, TestModels.weights(c, 4), Device.cpu());
                LoraAdapter a1 = TestModels.randomAdapter(model, "a1", TestModels.allTargets(4), 5);
                LoraAdapter a2 = TestModels.randomAdapter(model, "a2",
                        new LoraAdapter.Spec(2, 3, true, 0, java.util.EnumSet.of(Projection.Q_PROJ, Projection.V_PROJ)), 6)) {
            int[] p = {1, 2, 3, 4};
            int[] y = {5, 6, 7};
            float[] base = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(p), List.of(y)).get(0);
            float[] s1 = Scoring.responseLogProbs(model, LoraRouting.single(a1), List.of(p), List.of(y)).get(0);
            float[] s2 = Scoring.responseLogProbs(model, LoraRouting.single(a2), List.of(p), List.of(y)).get(0);
            List<float[]> mixed = Scoring.responseLogProbs(model, LoraRouting.perSequence(Arrays.asList(a1, null, a2)),
                    List.of(p, p, p), List.of(y, y, y));
            assertThat(s1).isNotEqualTo(base);
            assertThat(s2).isNotEqualTo(base);
            for (int j = 0; j < y.length; j++) {
                assertThat(mixed.get(0)[j]).isCloseTo(s1[j], within(1e-5f));
                assertThat(mixed.get(1)[j]).isCloseTo(base[j], within(1e-5f));
                assertThat(mixed.get(2)[j]).isCloseTo(s2[j], within(1e-5f));
            }
        }
    }

    @Test
    void kvCacheGenerationEqualsFullRecomputation() {
        HfConfig c = TestModels.config("llama", false, true);
        try (LlamaModel model = LlamaModel.create(c, TestModels.weights(c, 7), Device.cpu());
                LoraAdapter adapter = TestModels.randomAdapter(model, "a", TestModels.allTargets(2), 8)) {
            Generator g = new Generator(model, ids -> Arrays.toString(ids));
            Generator.Params greedy = new Generator.Params(12, 0, 1, 0, 1L, List.of(), java.util.Set.of(), 1, true);
            Generator.Params sampled = new Generator.Params(10, 0.9, 0.9, 20, 42L, List.of(), java.util.Set.of(), 2, true);
            List<Generator.Request> reqs = List.of(new Generator.Request(new int[] {1, 2, 3}, greedy, null),
                    new Generator.Request(new int[] {4, 5, 6, 7, 8, 9}, sampled, adapter),
                    new Generator.Request(new int[] {10}, greedy, adapter));
            List<List<Generator.Sample>> cached = g.generate(reqs, true);
            List<List<Generator.Sample>> full = g.generate(reqs, false);
            for (int r = 0; r < reqs.size(); r++) {
                for (int s = 0; s < cached.get(r).size(); s++) {
                    Generator.Sample a = cached.get(r).get(s);
                    Generator.Sample b = full.get(r).get(s);
                    assertThat(a.tokenIds()).containsExactly(b.tokenIds());
                    for (int j = 0; j < a.logprobs().length; j++) {
                        assertThat(a.logprobs()[j]).isCloseTo(b.logprobs()[j], within(1e-4f));
                    }
                    assertThat(a.finishReason()).isEqualTo("length");
                }
            }
            // the generated tokens' log-probs equal teacher-forced scoring of the same tokens
            Generator.Sample first = cached.get(1).get(0);
            float[] scored = Scoring.responseLogProbs(model, LoraRouting.single(adapter), List.of(new int[] {4, 5, 6, 7, 8, 9}),
                    List.of(first.tokenIds())).get(0);
            for (int j = 0; j < scored.length; j++) {
                assertThat(first.logprobs()[j]).isCloseTo(scored[j], within(1e-4f));
            }
        }
    }
}
