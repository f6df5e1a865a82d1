package dev.feedloop.djl.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.peft.InvalidAdapterException;
import dev.feedloop.djl.peft.PeftAdapterFiles;
import dev.feedloop.djl.safetensors.TensorData;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PeftBridgeTest {
    @TempDir
    Path dir;

    private static final int[] P = {3, 1, 4, 1, 5};
    private static final int[] Y = {9, 2, 6, 5};

    @Test
    void exportedAdapterLoadsBackIdenticallyAndDescribesItselfLikePeft() throws Exception {
        HfConfig c = TestModels.config("llama", false, false);
        LoraAdapter.Spec spec = new LoraAdapter.Spec(4, 8, false, 0.05, EnumSet.of(Projection.Q_PROJ, Projection.V_PROJ,
                Projection.DOWN_PROJ));
        try (LlamaModel model = LlamaModel.create(c, TestModels.weights(c, 41), Device.cpu());
                LoraAdapter adapter = TestModels.randomAdapter(model, "a", spec, 42)) {
            Path out = dir.resolve("assistant-v1");
            PeftBridge.write(adapter, "tiny-llama", out);
            AdapterConfig cfg = AdapterConfig.read(out);
            assertThat(cfg.r()).isEqualTo(4);
            assertThat(cfg.loraAlpha()).isEqualTo(8);
            assertThat(cfg.targetModules()).containsExactly("q_proj", "v_proj", "down_proj");
            assertThat(cfg.baseModelNameOrPath()).isEqualTo("tiny-llama");
            assertThat(cfg.peftType()).isEqualTo("LORA");
            assertThat(cfg.validateForServing(16)).isEmpty();
            Map<String, TensorData> files = PeftAdapterFiles.read(out).weights();
            assertThat(files).containsKey("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight");
            assertThat(files.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape()).containsExactly(4, 16);
            try (LoraAdapter back = PeftBridge.read(model, "b", out)) {
                assertThat(back.spec()).isEqualTo(spec);
                float[] original = Scoring.responseLogProbs(model, LoraRouting.single(adapter), List.of(P), List.of(Y)).get(0);
                float[] loaded = Scoring.responseLogProbs(model, LoraRouting.single(back), List.of(P), List.of(Y)).get(0);
                assertThat(loaded).containsExactly(original);
            }
        }
    }

    @Test
    void mergedWeightsEqualTheAdapterForward() {
        HfConfig c = TestModels.config("qwen2", true, true);
        try (LlamaModel model = LlamaModel.create(c, TestModels.weights(c, 43), Device.cpu());
                LoraAdapter adapter = TestModels.randomAdapter(model, "a", TestModels.allTargets(3), 44)) {
            float[] viaAdapter = Scoring.responseLogProbs(model, LoraRouting.single(adapter), List.of(P), List.of(Y)).get(0);
            float[] base = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(P), List.of(Y)).get(0);
            try (LlamaModel merged = LlamaModel.create(c, PeftBridge.merged(model, adapter), Device.cpu())) {
                float[] viaMerge = Scoring.responseLogProbs(merged, LoraRouting.none(), List.of(P), List.of(Y)).get(0);
                for (int j = 0; j < Y.length; j++) {
                    assertThat(viaMerge[j]).isCloseTo(viaAdapter[j], within(2e-4f));
                    assertThat(Math.abs(viaMerge[j] - base[j])).isGreaterThan(1e-3f);
                }
            }
        }
    }

    @Test
    void anAdapterForAnotherModelShapeIsRefusedWithTheReason() throws Exception {
        HfConfig small = TestModels.config("llama", false, false);
        HfConfig wider = new HfConfig("llama", 37, 32, 24, 2, 4, 2, 8, 1e-6, HfConfig.Rope.plain(10000.0), false, false, false,
                64, 1, List.of(2));
        Path out = dir.resolve("other");
        try (LlamaModel model = LlamaModel.create(wider, TestModels.weights(wider, 45), Device.cpu());
                LoraAdapter adapter = TestModels.randomAdapter(model, "w", TestModels.allTargets(2), 46)) {
            PeftBridge.write(adapter, "wider", out);
        }
        try (LlamaModel model = LlamaModel.create(small, TestModels.weights(small, 47), Device.cpu())) {
            assertThatThrownBy(() -> PeftBridge.read(model, "x", out))
                    .isInstanceOf(InvalidAdapterException.class)
                    .hasMessageContaining("q_proj.lora_A.weight: shape [2, 32] does not fit the model, expected [2, 16]");
        }
    }

    @Test
    void fractionalAlphaCannotBeWrittenAsPeft() {
        HfConfig c = TestModels.config("llama", false, false);
        try (LlamaModel model = LlamaModel.create(c, TestModels.weights(c, 48), Device.cpu());
                LoraAdapter adapter = LoraAdapter.initialize("a", new LoraAdapter.Spec(2, 3.5, false, 0,
                        EnumSet.of(Projection.Q_PROJ)), model, 1)) {
            assertThatThrownBy(() -> PeftBridge.write(adapter, "m", dir.resolve("x")))
                    .hasMessageContaining("is not a whole number");
        }
    }

}
