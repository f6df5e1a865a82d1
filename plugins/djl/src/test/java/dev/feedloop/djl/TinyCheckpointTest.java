package dev.feedloop.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.djl.hf.ChatTemplate;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.model.Generator;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.Scoring;
import dev.feedloop.djl.reference.ReferenceLlama;
import dev.feedloop.djl.reference.ReferenceWeights;
import dev.feedloop.djl.safetensors.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void sameSeedGivesIdenticalFilesAndTheEngineLoadsThem() throws Exception {
        TinyCheckpoint.write(dir.resolve("a"), 7, TinyCheckpoint.Spec.standard());
        TinyCheckpoint.write(dir.resolve("b"), 7, TinyCheckpoint.Spec.standard());
        TinyCheckpoint.write(dir.resolve("c"), 8, TinyCheckpoint.Spec.standard());
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors")) {
            assertThat(Files.readAllBytes(dir.resolve("a").resolve(f))).as(f).isEqualTo(Files.readAllBytes(dir.resolve("b").resolve(f)));
        }
        assertThat(Files.readAllBytes(dir.resolve("a/model.safetensors"))).isNotEqualTo(Files.readAllBytes(dir.resolve("c/model.safetensors")));
        try (PolicyEngine engine = PolicyEngine.load(dir.resolve("a"))) {
            assertThat(engine.model().config().numKvHeads()).isLessThan(engine.model().config().numHeads());
            assertThat(engine.tokenizer().vocabSize()).isEqualTo(engine.model().config().vocabSize());
            int[] prompt = engine.encodeChat(List.of(ChatTemplate.Message.user("Name a prime number above 10.")), true);
            assertThat(engine.tokenizer().decode(prompt, false)).startsWith("<|begin_of_text|>").endsWith("<|end_header_id|>\n\n");
            List<List<Generator.Sample>> out = engine.generator().generate(List.of(new Generator.Request(prompt,
                    Generator.Params.greedy(8), null)));
            assertThat(out.get(0).get(0).tokenIds()).hasSizeBetween(1, 8);
        }
    }

    @Test
    void refusesANonEmptyDirectory() throws Exception {
        Files.createDirectories(dir.resolve("x"));
        Files.writeString(dir.resolve("x/keep.txt"), "mine");
        assertThatThrownBy(() -> TinyCheckpoint.write(dir.resolve("x"), 1, TinyCheckpoint.Spec.standard()))
                .hasMessageContaining("is not empty");
    }

    @Test
    void checkpointLoadedThroughSafetensorsScoresLikeTheReference() throws Exception {
        Path model = dir.resolve("ref");
        HfConfig config = TinyCheckpoint.write(model, 5, TinyCheckpoint.Spec.standard());
        Map<String, double[]> weights = new LinkedHashMap<>();
        Safetensors.readCheckpoint(model).forEach((k, v) -> weights.put(k, ReferenceWeights.toDouble(v.toFloats())));
        int[] prompt = {1, 50, 70, 90};
        int[] response = {120, 7, 300};
        double[] expected = new ReferenceLlama(config, weights).responseLogProbs(prompt, response);
        try (PolicyEngine engine = PolicyEngine.load(model)) {
            float[] got = Scoring.responseLogProbs(engine.model(), LoraRouting.none(), List.of(prompt), List.of(response)).get(0);
            for (int j = 0; j < response.length; j++) {
                assertThat((double) got[j]).isCloseTo(expected[j], within(1e-4));
            }
        }
    }
}
