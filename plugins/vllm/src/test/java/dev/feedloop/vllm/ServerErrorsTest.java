package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.vllm.ServerErrors.ErrorInfo;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Every error body shape the servers behind this module send. */
class ServerErrorsTest {
    private static ErrorInfo parse(String body) {
        return ServerErrors.parse(body.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }

    @Test
    void nestedVllmShape() {
        ErrorInfo e = parse("{\"error\":{\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\","
                + "\"param\":\"model\",\"code\":404}}");

        assertThat(e).isEqualTo(new ErrorInfo("The model `x` does not exist.", "NotFoundError"));
        assertThat(e).hasToString("The model `x` does not exist. (NotFoundError)");
    }

    @Test
    void flatVllmShape() {
        ErrorInfo e = parse("{\"object\":\"error\",\"message\":\"The lora adapter 'a' cannot be found.\","
                + "\"type\":\"NotFoundError\",\"param\":null,\"code\":404}");

        assertThat(e).isEqualTo(new ErrorInfo("The lora adapter 'a' cannot be found.", "NotFoundError"));
    }

    @Test
    void stringErrorOfTheApiKeyMiddlewareAndOfLorax() {
        assertThat(parse("{\"error\":\"Unauthorized\"}")).isEqualTo(new ErrorInfo("Unauthorized", null));
        assertThat(parse("{\"error\":\"Input validation error: `inputs` cannot be empty\","
                + "\"error_type\":\"validation\"}"))
                .isEqualTo(new ErrorInfo("Input validation error: `inputs` cannot be empty", "validation"));
    }

    @Test
    void sglangUpdateOutput() {
        assertThat(parse("{\"success\":false,\"error_message\":\"LoRA with name a does not exist.\","
                + "\"loaded_adapters\":null}")).isEqualTo(new ErrorInfo("LoRA with name a does not exist.", null));
    }

    @Test
    void fastApiDetailAsTextAndAsValidationList() {
        assertThat(parse("{\"detail\":\"Not Found\"}")).isEqualTo(new ErrorInfo("Not Found", null));
        assertThat(parse("{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"lora_path\"],"
                + "\"msg\":\"Field required\"}]}").message()).isEqualTo("[\"body\",\"lora_path\"]: Field required");
    }

    @Test
    void nonJsonAndUnknownJsonAreQuotedAsText() {
        assertThat(parse("Internal Server Error")).isEqualTo(new ErrorInfo("Internal Server Error", null));
        assertThat(parse("{\"weird\":1}")).isEqualTo(new ErrorInfo("{\"weird\":1}", null));
        assertThat(parse("x".repeat(2000)).message()).hasSize(ServerErrors.MAX_TEXT + 3).endsWith("...");
    }

    @Test
    void emptyBodyHasNoMessage() {
        assertThat(ServerErrors.parse(new byte[0])).isEmpty();
        assertThat(ServerErrors.describe(" \n".getBytes(StandardCharsets.UTF_8))).isEqualTo("no body");
    }
}
