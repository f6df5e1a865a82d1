package dev.feedloop.sglang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.sglang.ServerErrors.ErrorInfo;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The error bodies SGLang sends. */
class ServerErrorsTest {
    private static ErrorInfo parse(String body) {
        return ServerErrors.parse(body.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }

    @Test
    void loraUpdateOutput() {
        assertThat(parse("{\"success\":false,\"error_message\":\"LoRA with name a does not exist. Loaded LoRAs: "
                + "dict_keys([])\",\"loaded_adapters\":null}"))
                .isEqualTo(new ErrorInfo("LoRA with name a does not exist. Loaded LoRAs: dict_keys([])", null));
    }

    @Test
    void flatOpenAiErrorOfTheOpenAiRoutes() {
        assertThat(parse("{\"object\":\"error\",\"message\":\"The following requested LoRA adapters are not loaded:"
                + " x\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"))
                .isEqualTo(new ErrorInfo("The following requested LoRA adapters are not loaded: x", "BadRequestError"));
    }

    @Test
    void nestedShapeStringErrorAndFastApiDetail() {
        assertThat(parse("{\"error\":{\"message\":\"m\",\"type\":\"t\"}}")).isEqualTo(new ErrorInfo("m", "t"));
        assertThat(parse("{\"error\":\"Unauthorized\"}")).isEqualTo(new ErrorInfo("Unauthorized", null));
        assertThat(parse("{\"detail\":[{\"loc\":[\"body\",\"lora_name\"],\"msg\":\"Field required\"}]}").message())
                .isEqualTo("[\"body\",\"lora_name\"]: Field required");
        assertThat(parse("upstream connect error")).isEqualTo(new ErrorInfo("upstream connect error", null));
    }
}
