package dev.feedloop.lorax;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.lorax.ServerErrors.ErrorInfo;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The error bodies LoRAX (axum) sends, and what a proxy in front may send. */
class ServerErrorsTest {
    private static ErrorInfo parse(String body) {
        return ServerErrors.parse(body.getBytes(StandardCharsets.UTF_8)).orElseThrow();
    }

    @Test
    void loraxErrorAndErrorType() {
        assertThat(parse("{\"error\":\"Request failed during generation: Server error: CUDA out of memory\","
                + "\"error_type\":\"generation\"}")).isEqualTo(new ErrorInfo(
                "Request failed during generation: Server error: CUDA out of memory", "generation"));
        assertThat(parse("{\"error\":\"unhealthy\",\"error_type\":\"healthcheck\"}"))
                .hasToString("unhealthy (healthcheck)");
    }

    @Test
    void axumDeserializationRejectionIsPlainText() {
        assertThat(parse("Failed to deserialize the JSON body into the target type: missing field `inputs`"))
                .isEqualTo(new ErrorInfo("Failed to deserialize the JSON body into the target type: missing field "
                        + "`inputs`", null));
    }

    @Test
    void openAiShapesOfAProxy() {
        assertThat(parse("{\"error\":{\"message\":\"rate limited\",\"type\":\"RateLimitError\"}}"))
                .isEqualTo(new ErrorInfo("rate limited", "RateLimitError"));
        assertThat(parse("{\"object\":\"error\",\"message\":\"m\",\"type\":\"t\",\"code\":400}"))
                .isEqualTo(new ErrorInfo("m", "t"));
    }
}
