package dev.feedloop.djl.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.peft.InvalidAdapterException;
import dev.feedloop.contracts.peft.PeftKeys;
import dev.feedloop.contracts.testkit.PeftExamples;
import dev.feedloop.djl.peft.PeftAdapterFiles.Adapter;
import dev.feedloop.djl.safetensors.Safetensors;
import dev.feedloop.djl.safetensors.TensorData;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftAdapterFilesTest {
    /** A tiny Llama: d=8, K*h=4 (GQA), I=12. */
    private static final int D = 8;
    private static final int KV = 4;
    private static final int I = 12;
    private static final String Q_A = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";

    private static final AdapterConfig ALL_MODULES = AdapterConfig.forServing("tiny/llama", 4, 8, PeftKeys.MODULES);

    @Test
    void roundTripsEveryModuleOfEveryLayer(@TempDir Path root) throws IOException {
        Map<String, TensorData> weights = weights(ALL_MODULES, 2, new Random(1));
        Path dir = root.resolve("adapters/v1");

        PeftAdapterFiles.write(dir, ALL_MODULES, weights);
        Adapter back = PeftAdapterFiles.read(dir);

        assertThat(back.config()).isEqualTo(ALL_MODULES);
        assertThat(back.weights()).isEqualTo(weights).hasSize(2 * 7 * 2);
        assertThat(list(dir)).containsExactlyInAnyOrder(dir.resolve("adapter_config.json"),
                dir.resolve("adapter_model.safetensors"));
        assertThat(list(dir.getParent())).containsExactly(dir);
        assertThat(Safetensors.readMetadata(dir.resolve("adapter_model.safetensors"))).containsExactly(Map.entry("format", "pt"));
        assertThat(Files.readString(dir.resolve("adapter_config.json"))).isEqualTo(ALL_MODULES.toJson());
    }

    @Test
    void storesCanonicalKeys(@TempDir Path root) throws IOException {
        AdapterConfig config = AdapterConfig.forServing("tiny/llama", 2, 4, List.of("q_proj"));
        Map<String, TensorData> weights = new LinkedHashMap<>();
        weights.put("model.layers.0.self_attn.q_proj.lora_A.default.weight", matrix(2, D, 1));
        weights.put("base_model.model.model.layers.0.self_attn.q_proj.lora_B.default.weight", matrix(D, 2, 2));

        PeftAdapterFiles.write(root.resolve("a"), config, weights);

        assertThat(PeftAdapterFiles.read(root.resolve("a")).weights()).containsOnlyKeys(
                PeftKeys.loraA(0, "q_proj"), PeftKeys.loraB(0, "q_proj"));
    }

    @Test
    void refusesAnExistingTargetAndLeavesItAlone(@TempDir Path root) throws IOException {
        Path dir = Files.createDirectory(root.resolve("taken"));
        Files.writeString(dir.resolve("keep.txt"), "mine");

        assertThatThrownBy(() -> PeftAdapterFiles.write(dir, ALL_MODULES, weights(ALL_MODULES, 1, new Random(2))))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("adapter directory already exists");
        assertThat(list(dir)).containsExactly(dir.resolve("keep.txt"));
        assertThat(list(root)).containsExactly(dir);
    }

    @Test
    void refusesToWriteWeightsThatDoNotMatchAndWritesNothing(@TempDir Path root) {
        Map<String, TensorData> weights = weights(ALL_MODULES, 1, new Random(3));
        weights.put(Q_A, matrix(5, D, 4));

        assertThatThrownBy(() -> PeftAdapterFiles.write(root.resolve("a"), ALL_MODULES, weights))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the adapter weights do not match the config: '" + Q_A + "': lora_A is [5, 8], but r for "
                        + "model.layers.0.self_attn.q_proj is 4, so it must be [4, in_features]");
        assertThat(root.resolve("a")).doesNotExist();
    }

    @Test
    void rejectsTamperedShapesWithClearMessages(@TempDir Path root) throws IOException {
        Map<String, TensorData> weights = weights(ALL_MODULES, 2, new Random(4));
        weights.put(Q_A, matrix(5, D, 1));
        weights.put(PeftKeys.loraB(1, "k_proj"), matrix(KV, 3, 2));
        weights.put(PeftKeys.loraA(0, "down_proj"), new TensorData("F32", new long[] {4 * I}, new byte[4 * 4 * I]));
        weights.put(PeftKeys.loraA(1, "up_proj"), matrix(4, D + 1, 3));
        weights.put(PeftKeys.loraB(1, "o_proj"), matrix(0, 4, 3));

        assertThat(tamperedProblems(root, ALL_MODULES, weights)).containsExactly(
                "'" + Q_A + "': lora_A is [5, 8], but r for model.layers.0.self_attn.q_proj is 4, so it must be "
                        + "[4, in_features]",
                "'base_model.model.model.layers.0.mlp.down_proj.lora_A.weight': lora_A must be 2-D [4, in_features], "
                        + "got [48]",
                "'base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight': lora_B is [4, 3], but r for "
                        + "model.layers.1.self_attn.k_proj is 4, so it must be [out_features, 4]",
                "'base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight': lora_B is [0, 4]; out_features "
                        + "must be positive",
                "'base_model.model.model.layers.1.mlp.up_proj.lora_A.weight': in_features 9 differs from 8 in "
                        + "'base_model.model.model.layers.0.mlp.up_proj.lora_A.weight'");
    }

    @Test
    void rejectsMissingFactorsForeignModulesAndNonLoraKeys(@TempDir Path root) throws IOException {
        AdapterConfig qv = AdapterConfig.forServing("tiny/llama", 4, 8, List.of("q_proj", "v_proj", "o_proj"));
        Map<String, TensorData> weights = weights(qv, 1, new Random(5));
        weights.remove(PeftKeys.loraB(0, "v_proj"));
        weights.remove(PeftKeys.loraA(0, "o_proj"));
        weights.remove(PeftKeys.loraB(0, "o_proj"));
        weights.put(PeftKeys.loraA(0, "k_proj"), matrix(4, D, 6));
        weights.put(PeftKeys.loraB(0, "k_proj"), matrix(KV, 4, 7));
        weights.put("base_model.model.lm_head.weight", matrix(4, D, 8));
        weights.put("model.layers.0.self_attn.q_proj.lora_A.default.weight", matrix(4, D, 9));
        weights.put(PeftKeys.loraB(0, "q_proj"), new TensorData("I64", new long[] {D, 4}, new byte[8 * D * 4]));

        assertThat(tamperedProblems(root, qv, weights)).containsExactly(
                "'base_model.model.lm_head.weight' is not a LoRA weight key (expected [base_model.model.]model.layers."
                        + "<i>.<self_attn|mlp>.<module>.lora_<A|B>[.default].weight)",
                "'" + Q_A + "' and 'model.layers.0.self_attn.q_proj.lora_A.default.weight' name the same weight",
                "'base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight': dtype I64 is not a LoRA weight "
                        + "dtype (F32, F16 or BF16)",
                "'base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight': k_proj is not in target_modules "
                        + "[q_proj, v_proj, o_proj]",
                "'base_model.model.model.layers.0.self_attn.k_proj.lora_B.weight': k_proj is not in target_modules "
                        + "[q_proj, v_proj, o_proj]",
                "model.layers.0.self_attn.v_proj has lora_A but no lora_B "
                        + "('base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight')",
                "target module o_proj has no lora_A/lora_B weights");
    }

    @Test
    void honoursRankPattern(@TempDir Path root) throws IOException {
        AdapterConfig config = new AdapterConfig(8, 16, List.of("q_proj", "o_proj"), 0, false, "tiny/llama", "none",
                false, null, Map.of("o_proj", 2), Map.of(), false, true, "LORA", "CAUSAL_LM", null);
        Map<String, TensorData> weights = weights(config, 2, new Random(10));

        PeftAdapterFiles.write(root.resolve("ok"), config, weights);
        assertThat(PeftAdapterFiles.read(root.resolve("ok")).weights().get(PeftKeys.loraA(1, "o_proj")).shape())
                .containsExactly(2, D);

        weights.put(PeftKeys.loraB(1, "o_proj"), matrix(D, 8, 11));
        assertThat(tamperedProblems(root, config, weights)).containsExactly(
                "'base_model.model.model.layers.1.self_attn.o_proj.lora_B.weight': lora_B is [8, 8], but r for "
                        + "model.layers.1.self_attn.o_proj is 2, so it must be [out_features, 2]");
    }

    @Test
    void readsAHandMadePeftDirectoryWithTheVerbatimPeft0191Config(@TempDir Path dir) throws IOException {
        Files.write(dir.resolve("adapter_config.json"), PeftExamples.peft0191AdapterConfig());
        AdapterConfig config = AdapterConfig.read(dir);
        Safetensors.write(dir.resolve("adapter_model.safetensors"), weights(config, 1, new Random(12)), Map.of("format", "pt"));

        Adapter adapter = PeftAdapterFiles.read(dir);

        assertThat(adapter.config().baseModelNameOrPath()).isEqualTo("TinyLlama/TinyLlama-1.1B-Chat-v1.0");
        assertThat(adapter.weights()).hasSize(14);
        assertThat(adapter.weights().get(PeftKeys.loraB(0, "down_proj")).shape()).containsExactly(D, 16);
    }

    @Test
    void missingFilesAreNamed(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> PeftAdapterFiles.read(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("adapter_config.json");
        ALL_MODULES.write(dir);
        Files.writeString(dir.resolve("adapter_model.bin"), "pickle");
        assertThatThrownBy(() -> PeftAdapterFiles.read(dir)).isInstanceOf(NoSuchFileException.class)
                .hasMessage(dir.resolve("adapter_model.safetensors") + ": no adapter_model.safetensors "
                        + "(adapter_model.bin is not supported; save with safe_serialization=True)");
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** Writes a valid adapter, then swaps in the given weights behind the writer's back, and reads it. */
    private static List<String> tamperedProblems(Path root, AdapterConfig config, Map<String, TensorData> weights)
            throws IOException {
        Path dir = Files.createTempDirectory(root, "tampered");
        config.write(dir);
        Safetensors.write(dir.resolve("adapter_model.safetensors"), weights, Map.of("format", "pt"));
        try {
            PeftAdapterFiles.read(dir);
        } catch (InvalidAdapterException e) {
            assertThat(e.getMessage()).startsWith(dir.resolve("adapter_model.safetensors") + ": ");
            assertThat(e.problems()).isEqualTo(PeftAdapterFiles.check(config, weights));
            return e.problems();
        }
        throw new AssertionError("the tampered adapter was accepted");
    }

    /** Valid weights for every target module of {@code layers} layers, F32 and BF16 alternating. */
    static Map<String, TensorData> weights(AdapterConfig config, int layers, Random rnd) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (int layer = 0; layer < layers; layer++) {
            for (String module : config.targetModules()) {
                int r = config.rankFor(new PeftKeys.Parsed(layer, module, PeftKeys.Matrix.A).modulePath());
                int in = module.equals("down_proj") ? I : D;
                int outF = switch (module) {
                    case "k_proj", "v_proj" -> KV;
                    case "gate_proj", "up_proj" -> I;
                    default -> D;
                };
                String dtype = (layer + module.length()) % 2 == 0 ? "F32" : "BF16";
                out.put(PeftKeys.loraA(layer, module), random(dtype, r, in, rnd));
                out.put(PeftKeys.loraB(layer, module), random(dtype, outF, r, rnd));
            }
        }
        return out;
    }

    private static TensorData random(String dtype, long rows, long cols, Random rnd) {
        byte[] data = new byte[Math.toIntExact(rows * cols * TensorData.elementSize(dtype))];
        rnd.nextBytes(data);
        return new TensorData(dtype, new long[] {rows, cols}, data);
    }

    private static TensorData matrix(long rows, long cols, int seed) {
        return random("F32", rows, cols, new Random(seed));
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
