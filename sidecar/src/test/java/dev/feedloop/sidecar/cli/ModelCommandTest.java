package dev.feedloop.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.djl.PolicyEngine;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.PeftBridge;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.djl.model.Scoring;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code feedloop model ...} as a user runs it, in-process. */
class ModelCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void initTinyThenScoreMatchesTheEngineWithAndWithoutAnAdapter() throws Exception {
        Path model = dir.resolve("tiny");
        Result init = run("model", "init-tiny", "--out", model.toString(), "--seed", "4");
        assertThat(init.code()).as(init.err()).isZero();
        JsonNode info = JSON.readTree(init.out());
        assertThat(info.get("num_key_value_heads").asInt()).isLessThan(info.get("num_attention_heads").asInt());

        Path adapterDir = dir.resolve("adapter");
        try (PolicyEngine engine = PolicyEngine.load(model);
                LoraAdapter a = LoraAdapter.initialize("a", new LoraAdapter.Spec(2, 4, false, 0, EnumSet.of(Projection.Q_PROJ)),
                        engine.model(), 1)) {
            a.b(0, Projection.Q_PROJ).muli(0).addi(0.05f); // a non-zero B so the adapter changes the scores
            PeftBridge.write(a, "tiny", adapterDir);
        }
        Path input = dir.resolve("in.jsonl");
        Files.writeString(input, "{\"prompt_ids\":[1,20,30],\"response_ids\":[40,50]}\n\n{\"prompt_ids\":[5],\"response_ids\":[6,7,8]}\n");
        Result base = run("model", "score", "--model", model.toString(), "--input", input.toString());
        Result lora = run("model", "score", "--model", model.toString(), "--adapter", adapterDir.toString(), "--input",
                input.toString());
        assertThat(base.code()).as(base.err()).isZero();
        assertThat(lora.code()).as(lora.err()).isZero();
        List<String> baseLines = base.out().lines().toList();
        List<String> loraLines = lora.out().lines().toList();
        assertThat(baseLines).hasSize(2);
        try (PolicyEngine engine = PolicyEngine.load(model); LoraAdapter a = engine.loadAdapter("a", adapterDir)) {
            float[] expected = Scoring.responseLogProbs(engine.model(), LoraRouting.none(), List.of(new int[] {5}),
                    List.of(new int[] {6, 7, 8})).get(0);
            float[] expectedLora = Scoring.responseLogProbs(engine.model(), LoraRouting.single(a), List.of(new int[] {5}),
                    List.of(new int[] {6, 7, 8})).get(0);
            JsonNode got = JSON.readTree(baseLines.get(1)).get("logprobs");
            JsonNode gotLora = JSON.readTree(loraLines.get(1)).get("logprobs");
            for (int j = 0; j < 3; j++) {
                assertThat(got.get(j).asDouble()).isCloseTo(expected[j], within(1e-6));
                assertThat(gotLora.get(j).asDouble()).isCloseTo(expectedLora[j], within(1e-6));
            }
            // (at the first response token the query cannot matter: with one prompt token, attention has one key)
            assertThat(gotLora.get(2).asDouble()).isNotCloseTo(got.get(2).asDouble(), within(1e-6));
        }
    }

    @Test
    void badScoreInputNamesTheLine() throws Exception {
        Path model = dir.resolve("tiny");
        assertThat(run("model", "init-tiny", "--out", model.toString()).code()).isZero();
        Path input = dir.resolve("bad.jsonl");
        Files.writeString(input, "{\"prompt_ids\":[1],\"response_ids\":[2]}\n{\"prompt_ids\":[],\"response_ids\":[2]}\n");
        Result r = run("model", "score", "--model", model.toString(), "--input", input.toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).containsExactly("feedloop: " + input + " line 2: prompt_ids must be a non-empty array of token ids");
        Path good = dir.resolve("good.jsonl");
        Files.writeString(good, "{\"prompt_ids\":[1],\"response_ids\":[2]}\n");
        Result missing = run("model", "score", "--model", dir.resolve("nope").toString(), "--input", good.toString());
        assertThat(missing.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(missing.err()).contains("is not a directory");
    }

    @Test
    void pretrainLowersTheLossAndRewritesTheWeights() throws Exception {
        Path model = dir.resolve("tiny");
        assertThat(run("model", "init-tiny", "--out", model.toString()).code()).isZero();
        byte[] before = Files.readAllBytes(model.resolve("model.safetensors"));
        Result r = run("model", "pretrain", "--model", model.toString(), "--steps", "30", "--seq-len", "32", "--batch", "4");
        assertThat(r.code()).as(r.err()).isZero();
        JsonNode summary = JSON.readTree(r.out());
        assertThat(summary.get("final_loss").asDouble()).isLessThan(summary.get("first_loss").asDouble() - 1.0);
        assertThat(r.err()).contains("pretrain: step 30/30");
        assertThat(Files.readAllBytes(model.resolve("model.safetensors"))).isNotEqualTo(before);
        try (PolicyEngine engine = PolicyEngine.load(model)) {
            assertThat(engine.model().config().numLayers()).isEqualTo(2);
        }
    }
}
