package dev.feedloop.contracts.peft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.peft.PeftKeys.Matrix;
import dev.feedloop.contracts.peft.PeftKeys.Parsed;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeftKeysTest {
    @ParameterizedTest
    @ValueSource(strings = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"})
    void everyModuleBuildsAndParsesInEveryAcceptedForm(String module) {
        String block = List.of("q_proj", "k_proj", "v_proj", "o_proj").contains(module) ? "self_attn" : "mlp";
        for (int layer : new int[] {0, 7, 31, 123456789}) {
            String path = "model.layers." + layer + "." + block + "." + module;
            String a = "base_model.model." + path + ".lora_A.weight";
            String b = "base_model.model." + path + ".lora_B.weight";

            assertThat(PeftKeys.loraA(layer, module)).isEqualTo(a);
            assertThat(PeftKeys.loraB(layer, module)).isEqualTo(b);
            Parsed expectedA = new Parsed(layer, module, Matrix.A);
            assertThat(PeftKeys.parse(a)).isEqualTo(expectedA);
            assertThat(PeftKeys.parse(path + ".lora_A.weight")).isEqualTo(expectedA);
            assertThat(PeftKeys.parse("base_model.model." + path + ".lora_A.default.weight")).isEqualTo(expectedA);
            assertThat(PeftKeys.parse(path + ".lora_A.default.weight")).isEqualTo(expectedA);
            assertThat(PeftKeys.parse(path + ".lora_B.default.weight")).isEqualTo(new Parsed(layer, module, Matrix.B));
            assertThat(PeftKeys.parse(b).key()).isEqualTo(b);
            assertThat(PeftKeys.parse(b).modulePath()).isEqualTo(path);
        }
    }

    @Test
    void modulesSitUnderTheirBlock() {
        assertThat(PeftKeys.MODULES).containsExactly("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                "down_proj");
        assertThat(PeftKeys.MODULES.stream().map(PeftKeys::parent).toList())
                .containsExactly("self_attn", "self_attn", "self_attn", "self_attn", "mlp", "mlp", "mlp");
        assertThat(PeftKeys.loraA(3, "q_proj")).isEqualTo("base_model.model.model.layers.3.self_attn.q_proj.lora_A.weight");
        assertThat(PeftKeys.loraB(3, "down_proj")).isEqualTo("base_model.model.model.layers.3.mlp.down_proj.lora_B.weight");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "base_model.model.model.layers.0.self_attn.q_proj.weight",
        "base_model.model.model.layers.0.self_attn.q_proj.lora_C.weight",
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.bias",
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.other.weight",
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.default.default.weight",
        "base_model.model.layers.0.self_attn.q_proj.lora_A.weight",
        "model.model.layers.0.self_attn.q_proj.lora_A.weight",
        "base_model.model.model.embed_tokens.lora_embedding_A",
        "base_model.model.lm_head.lora_A.weight",
        "base_model.model.model.layers.x.self_attn.q_proj.lora_A.weight",
        "base_model.model.model.layers.-1.self_attn.q_proj.lora_A.weight",
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight ",
        ""
    })
    void rejectsKeysThatAreNotLoraWeights(String key) {
        assertThatThrownBy(() -> PeftKeys.parse(key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + key + "' is not a LoRA weight key (expected [base_model.model.]model.layers.<i>."
                        + "<self_attn|mlp>.<module>.lora_<A|B>[.default].weight)");
    }

    @Test
    void saysWhyAWellShapedKeyIsStillWrong() {
        assertThatThrownBy(() -> PeftKeys.parse("base_model.model.model.layers.0.mlp.q_proj.lora_A.weight"))
                .hasMessage("'base_model.model.model.layers.0.mlp.q_proj.lora_A.weight' is not a LoRA weight key "
                        + "(q_proj lives under self_attn, not mlp)");
        assertThatThrownBy(() -> PeftKeys.parse("model.layers.0.self_attn.qkv_proj.lora_A.weight"))
                .hasMessage("'model.layers.0.self_attn.qkv_proj.lora_A.weight' is not a LoRA weight key (module "
                        + "'qkv_proj' is not one of [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj])");
        assertThatThrownBy(() -> PeftKeys.parse("model.layers.01.self_attn.q_proj.lora_A.weight"))
                .hasMessage("'model.layers.01.self_attn.q_proj.lora_A.weight' is not a LoRA weight key (layer index "
                        + "'01' is not a canonical int)");
        assertThatThrownBy(() -> PeftKeys.parse("model.layers.9999999999.self_attn.q_proj.lora_A.weight"))
                .hasMessageContaining("layer index '9999999999' is not a canonical int");
    }

    @Test
    void buildersRejectBadLayersAndModules() {
        assertThatThrownBy(() -> PeftKeys.loraA(-1, "q_proj")).hasMessage("layer must be non-negative, got -1");
        assertThatThrownBy(() -> PeftKeys.loraB(0, "lm_head"))
                .hasMessage("module 'lm_head' is not one of [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj]");
    }
}
