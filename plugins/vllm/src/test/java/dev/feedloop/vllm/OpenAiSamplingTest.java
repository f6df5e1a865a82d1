package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.contracts.spi.ServingBackend.Sample;
import dev.feedloop.contracts.spi.ServingBackend.SampleRequest;
import dev.feedloop.vllm.OpenAiSampling.Route;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading OpenAI-style responses leniently (vLLM's exclude_unset), and building requests. */
class OpenAiSamplingTest {
    private static JsonNode json(String s) throws IOException {
        return HttpJson.JSON.readTree(s);
    }

    @Test
    void missingKeysTakeDefaultsAndUnknownKeysAreIgnored() throws IOException {
        List<Sample> samples = OpenAiSampling.parse("vLLM", json("{\"choices\":["
                + "{\"message\":{\"role\":\"assistant\",\"content\":null,\"reasoning\":\"...\"},\"future\":1},"
                + "{\"index\":1,\"message\":{\"content\":\"hi\"},\"finish_reason\":\"stop\",\"stop_reason\":null,"
                + "\"token_ids\":[5,6],\"logprobs\":{\"content\":[{\"token\":\"token_id:5\",\"logprob\":-0.5},"
                + "{\"token\":\"token_id:6\",\"logprob\":-9999.0}]}}],\"usage\":{}}"), Route.CHAT, 2);

        assertThat(samples.get(0)).isEqualTo(new Sample(0, "", null, null, null));
        assertThat(samples.get(1)).isEqualTo(new Sample(1, "hi", "stop", List.of(5, 6), List.of(-0.5, -9999.0)));
    }

    @Test
    void completionLogprobsWithAGapAreDroppedRatherThanMisaligned() throws IOException {
        List<Sample> samples = OpenAiSampling.parse("vLLM", json("{\"choices\":[{\"index\":0,\"text\":\"ab\","
                + "\"finish_reason\":\"length\",\"logprobs\":{\"tokens\":[\"a\",\"b\"],\"token_logprobs\":[null,-1.0]},"
                + "\"token_ids\":[1,2]}]}"), Route.COMPLETIONS, 1);

        assertThat(samples.get(0).logprobs()).isNull();
        assertThat(samples.get(0).tokenIds()).containsExactly(1, 2);
    }

    @Test
    void choicesAreOrderedByIndex() throws IOException {
        List<Sample> samples = OpenAiSampling.parse("vLLM", json("{\"choices\":[{\"index\":1,\"text\":\"b\"},"
                + "{\"index\":0,\"text\":\"a\"}]}"), Route.COMPLETIONS, 2);

        assertThat(samples).extracting(Sample::text).containsExactly("a", "b");
    }

    @Test
    void wrongChoicesAreProtocolErrors() {
        assertThatThrownBy(() -> OpenAiSampling.parse("vLLM", json("{\"object\":\"error\"}"), Route.CHAT, 1))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.reason()).isEqualTo(Reason.PROTOCOL));
        assertThatThrownBy(() -> OpenAiSampling.parse("vLLM", json("{\"choices\":[{\"index\":0},{\"index\":0}]}"),
                Route.CHAT, 2)).hasMessageContaining("indices [0, 0]");
        assertThatThrownBy(() -> OpenAiSampling.parse("vLLM", json("{\"choices\":[{\"index\":0}]}"), Route.CHAT, 2))
                .hasMessageContaining("1 choices for n=2");
    }

    @Test
    void chatBodyCarriesRolesNamesAndNullContent() {
        SampleRequest r = new SampleRequest("m", Prompt.chat(List.of(new Message(Message.Role.TOOL, null, "calc"),
                Message.of(Message.Role.DEVELOPER, "x"))), 1, 3, 1.0, 0.5, null, false);

        JsonNode body = OpenAiSampling.body(r, OpenAiSampling.route(r), "m", false);

        assertThat(body.toString()).isEqualTo("{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":null,"
                + "\"name\":\"calc\"},{\"role\":\"developer\",\"content\":\"x\"}],\"n\":1,\"max_tokens\":3,"
                + "\"temperature\":1.0,\"top_p\":0.5,\"stream\":false}");
    }
}
