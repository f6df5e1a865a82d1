package dev.feedloop.contracts.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.testkit.PeftExamples;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdapterConfigTest {
    private static final List<String> ALL = PeftKeys.MODULES;

    /** A real file written by PEFT 0.19.1, verbatim from serving.md section 5.2. */
    static byte[] peft0191Example() throws IOException {
        return PeftExamples.peft0191AdapterConfig();
    }

    @Test
    void readsTheRealPeft0191FileIgnoringUnknownKeys() throws IOException {
        AdapterConfig c = AdapterConfig.parse(peft0191Example(), "example");

        assertThat(c).isEqualTo(new AdapterConfig(16, 32,
                List.of("o_proj", "v_proj", "gate_proj", "down_proj", "k_proj", "q_proj", "up_proj"), 0.05, false,
                "TinyLlama/TinyLlama-1.1B-Chat-v1.0", "none", false, null, Map.of(), Map.of(), false, true, "LORA",
                "CAUSAL_LM", "0.19.1"));
        assertThat(c.scaling()).isEqualTo(2.0);
        assertThat(c.validateForServing(16)).isEmpty();
        assertThat(c.validateForServing(8)).containsExactly("r 16 exceeds the maximum LoRA rank 8");
    }

    @Test
    void readFindsTheFileInADirectory(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("adapter_config.json"), peft0191Example());
        assertThat(AdapterConfig.read(dir).r()).isEqualTo(16);
        assertThatThrownBy(() -> AdapterConfig.read(dir.resolve("nope")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("no adapter_config.json (not a PEFT adapter directory)");
    }

    @Test
    void writesSortedKeysIndentedLikePeftWithTheMinimalVllmKeys(@TempDir Path dir) throws IOException {
        AdapterConfig c = AdapterConfig.forServing("TinyLlama/TinyLlama-1.1B-Chat-v1.0", 16, 32, List.of("q_proj", "v_proj"));

        c.write(dir);

        String expected = """
                {
                  "alpha_pattern": {},
                  "base_model_name_or_path": "TinyLlama/TinyLlama-1.1B-Chat-v1.0",
                  "bias": "none",
                  "fan_in_fan_out": false,
                  "inference_mode": true,
                  "lora_alpha": 32,
                  "lora_dropout": 0.0,
                  "modules_to_save": null,
                  "peft_type": "LORA",
                  "r": 16,
                  "rank_pattern": {},
                  "target_modules": [
                    "q_proj",
                    "v_proj"
                  ],
                  "task_type": "CAUSAL_LM",
                  "use_dora": false,
                  "use_rslora": false
                }""";
        assertThat(Files.readString(dir.resolve("adapter_config.json"))).isEqualTo(expected);
        assertThat(AdapterConfig.read(dir)).isEqualTo(c);
        JsonNode written = new ObjectMapper().readTree(expected);
        List<String> keys = new ArrayList<>();
        written.fieldNames().forEachRemaining(keys::add);
        assertThat(keys).isSorted().containsAll(List.of("peft_type", "task_type", "base_model_name_or_path", "r",
                "lora_alpha", "lora_dropout", "bias", "fan_in_fan_out", "use_rslora", "use_dora", "modules_to_save",
                "target_modules", "inference_mode"));
    }

    @Test
    void patternsAndVersionRoundTripAndNestedKeysAreSortedToo(@TempDir Path dir) throws IOException {
        AdapterConfig c = new AdapterConfig(8, 16, List.of("q_proj", "o_proj"), 0.1, true, "m/é", "none", false,
                List.of(), Map.of("q_proj", 16, "o_proj", 4), Map.of("q_proj", 32), false, false, "LORA", "CAUSAL_LM",
                "0.19.1");

        c.write(dir);

        String json = Files.readString(dir.resolve("adapter_config.json"));
        assertThat(json).contains("  \"rank_pattern\": {\n    \"o_proj\": 4,\n    \"q_proj\": 16\n  },")
                .contains("\"base_model_name_or_path\": \"m/\\u00e9\"")
                .contains("\"modules_to_save\": [],")
                .contains("\"peft_version\": \"0.19.1\",")
                .contains("\"lora_dropout\": 0.1,");
        assertThat(AdapterConfig.read(dir)).isEqualTo(c);
    }

    @Test
    void scalingIsAlphaOverRankOrOverItsRootWithRslora() {
        AdapterConfig plain = AdapterConfig.forServing("m", 16, 32, ALL);
        AdapterConfig rs = new AdapterConfig(16, 32, ALL, 0, true, "m", "none", false, null, null, null, false, true,
                "LORA", "CAUSAL_LM", null);

        assertThat(plain.scaling()).isEqualTo(2.0);
        assertThat(rs.scaling()).isEqualTo(8.0);
        assertThat(AdapterConfig.forServing("m", 3, 1, ALL).scaling()).isEqualTo(1.0 / 3);
    }

    @Test
    void rankAndAlphaPatternsMatchModulePathsAsPeftDoes() {
        AdapterConfig c = new AdapterConfig(16, 32, ALL, 0, false, "m", "none", false, null,
                Map.of("q_proj", 32, "model.layers.1.mlp.down_proj", 4, "layers\\.[0-3]\\.self_attn\\.v_proj", 8),
                Map.of("v_proj", 8), false, true, "LORA", "CAUSAL_LM", null);

        assertThat(c.rankFor("model.layers.0.self_attn.q_proj")).isEqualTo(32);
        assertThat(c.rankFor("model.layers.1.mlp.down_proj")).isEqualTo(4);
        assertThat(c.rankFor("model.layers.11.mlp.down_proj")).isEqualTo(16);
        assertThat(c.rankFor("model.layers.2.self_attn.v_proj")).isEqualTo(8);
        assertThat(c.rankFor("model.layers.12.self_attn.v_proj")).isEqualTo(16);
        assertThat(c.rankFor("model.layers.0.self_attn.k_proj")).isEqualTo(16);
        assertThat(c.rankFor("model.layers.0.self_attn.xq_proj")).isEqualTo(16);
        assertThat(c.maxRank()).isEqualTo(32);
        assertThat(c.scalingFor("model.layers.2.self_attn.v_proj")).isEqualTo(1.0);
        assertThat(c.scalingFor("model.layers.9.self_attn.q_proj")).isEqualTo(1.0);
        assertThat(c.scalingFor("model.layers.9.self_attn.k_proj")).isEqualTo(2.0);
    }

    @Test
    void listsEveryReasonAServingStackWouldRejectIt() {
        AdapterConfig bad = new AdapterConfig(64, 16, List.of("q_proj", "lm_head", "embed_tokens"), 0, false, "m",
                "all", true, List.of("lm_head"), Map.of("q_proj", 128, "k_proj", 32), Map.of(), false, true, null,
                "CAUSAL_LM", null);

        assertThat(bad.validateForServing(64)).containsExactly(
                "peft_type is missing; it must be 'LORA'",
                "rank_pattern['q_proj'] 128 exceeds the maximum LoRA rank 64",
                "bias is 'all'; it must be 'none' (adapter bias is not supported)",
                "use_dora is true; DoRA is not supported",
                "modules_to_save is [lm_head]; it must be null",
                "target_modules [lm_head, embed_tokens] are not among the supported "
                        + "[q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]");
        assertThat(bad.validateForServing(32)).contains("r 64 exceeds the maximum LoRA rank 32");
        AdapterConfig ia3 = new AdapterConfig(8, 8, ALL, 0, false, "m", "none", false, List.of(), null, null, false,
                true, "IA3", null, null);
        assertThat(ia3.validateForServing(8)).containsExactly("peft_type is 'IA3'; it must be 'LORA'");
        assertThatThrownBy(() -> ia3.validateForServing(0)).hasMessage("maxRank must be at least 1, got 0");
    }

    @Test
    void rejectsMalformedFilesListingEveryProblem() {
        assertProblems("{\"lora_alpha\": 16.5, \"target_modules\": \"^(q|v)_proj$\", \"use_dora\": \"no\"}",
                "r is required",
                "lora_alpha must be an integer, got 16.5",
                "target_modules is the regular expression \"^(q|v)_proj$\"; only a list of module names is supported",
                "use_dora must be true or false, got \"no\"");
        assertProblems("{\"r\": 8, \"lora_alpha\": 16, \"target_modules\": [], \"rank_pattern\": {\"q_proj\": \"8\"}}",
                "target_modules is empty", "rank_pattern['q_proj'] must be an integer, got \"8\"");
        assertProblems("{\"r\": 0, \"lora_alpha\": 16, \"target_modules\": [\"q_proj\"]}", "r must be at least 1, got 0");
        assertProblems("{\"r\": 8, \"r\": 16, \"lora_alpha\": 16, \"target_modules\": [\"q_proj\"]}",
                "not valid JSON: Duplicate field 'r'");
        assertProblems("[1]", "must be a JSON object");
        assertThatThrownBy(() -> AdapterConfig.parse("{\"r\": ".getBytes(StandardCharsets.UTF_8), "cfg"))
                .isInstanceOf(InvalidAdapterException.class).hasMessageStartingWith("cfg: not valid JSON: ");
    }

    @Test
    void acceptsIntegralFloatsAndDefaultsWhatPeftDefaults() throws IOException {
        AdapterConfig c = AdapterConfig.parse(
                "{\"r\": 8, \"lora_alpha\": 16.0, \"target_modules\": [\"q_proj\"], \"modules_to_save\": null}"
                        .getBytes(StandardCharsets.UTF_8), "cfg");

        assertThat(c).isEqualTo(new AdapterConfig(8, 16, List.of("q_proj"), 0.0, false, null, "none", false, null,
                Map.of(), Map.of(), false, false, null, null, null));
    }

    @Test
    void pythonFloatRepr() {
        assertThat(PythonJson.floatRepr(0.05)).isEqualTo("0.05");
        assertThat(PythonJson.floatRepr(0.0)).isEqualTo("0.0");
        assertThat(PythonJson.floatRepr(-0.0)).isEqualTo("-0.0");
        assertThat(PythonJson.floatRepr(1.0)).isEqualTo("1.0");
        assertThat(PythonJson.floatRepr(123.0)).isEqualTo("123.0");
        assertThat(PythonJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.floatRepr(1e-05)).isEqualTo("1e-05");
        assertThat(PythonJson.floatRepr(-1.5e-7)).isEqualTo("-1.5e-07");
        assertThat(PythonJson.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PythonJson.floatRepr(1e15)).isEqualTo("1000000000000000.0");
        assertThat(PythonJson.floatRepr(1.0 / 3)).isEqualTo("0.3333333333333333");
    }

    private static void assertProblems(String json, String... problems) {
        assertThatThrownBy(() -> AdapterConfig.parse(json.getBytes(StandardCharsets.UTF_8), "cfg"))
                .isInstanceOfSatisfying(InvalidAdapterException.class,
                        e -> assertThat(e.problems()).containsExactly(problems));
    }
}
