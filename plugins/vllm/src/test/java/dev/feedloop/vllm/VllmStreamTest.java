package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.contracts.spi.support.ServerSentEvents;
import dev.feedloop.contracts.spi.support.ServerSentEvents.Event;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A vLLM stream ({@code data: } events, {@code data: [DONE]}) read over a real connection with the contracts'
 * {@link ServerSentEvents}, as the tap will read it; the streamed text equals the non-streamed text.
 */
class VllmStreamTest {
    private static List<JsonNode> stream(FakeVllm server, String path, String body, boolean[] done)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request,
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                ct -> assertThat(ct).startsWith("text/event-stream"));
        List<Event> events = new ArrayList<>();
        try (InputStream in = response.body()) {
            done[0] = ServerSentEvents.read(in, events::add);
        }
        List<JsonNode> chunks = new ArrayList<>();
        for (Event e : events) {
            chunks.add(HttpJson.JSON.readTree(e.data()));
        }
        return chunks;
    }

    @Test
    void completionStreamConcatenatesToTheNonStreamedText() throws Exception {
        try (FakeVllm server = new FakeVllm()) {
            boolean[] done = new boolean[1];
            List<JsonNode> chunks = stream(server, "/v1/completions",
                    "{\"model\":\"tiny-llama\",\"prompt\":\"Hi\",\"max_tokens\":5,\"seed\":3,\"stream\":true}", done);

            StringBuilder text = new StringBuilder();
            chunks.forEach(c -> text.append(c.get("choices").get(0).get("text").asText()));
            assertThat(done[0]).as("ended with [DONE]").isTrue();
            assertThat(text.toString()).isEqualTo(FakeVllm.Generation.of("tiny-llama", "Hi", 3, 0, 5).text());
            assertThat(chunks).allSatisfy(c -> assertThat(c.get("object").asText()).isEqualTo("text_completion"));
        }
    }

    @Test
    void chatStreamStartsWithTheRoleAndEndsWithAFinishReasonPerChoice() throws Exception {
        try (FakeVllm server = new FakeVllm()) {
            boolean[] done = new boolean[1];
            List<JsonNode> chunks = stream(server, "/v1/chat/completions", "{\"model\":\"tiny-llama\",\"n\":2,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,\"stream\":true}", done);

            assertThat(done[0]).isTrue();
            for (int i = 0; i < 2; i++) {
                int index = i;
                List<JsonNode> mine = chunks.stream()
                        .map(c -> c.get("choices").get(0)).filter(c -> c.get("index").asInt() == index).toList();
                assertThat(mine.get(0).get("delta").get("role").asText()).isEqualTo("assistant");
                assertThat(mine.get(mine.size() - 1).get("finish_reason").asText()).isIn("stop", "length");
            }
        }
    }
}
