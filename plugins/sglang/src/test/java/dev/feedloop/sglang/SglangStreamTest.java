package dev.feedloop.sglang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.support.ServerSentEvents;
import dev.feedloop.contracts.spi.support.ServerSentEvents.Event;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An SGLang OpenAI stream read with the contracts' {@link ServerSentEvents}, as the tap will read it. */
class SglangStreamTest {
    @Test
    void streamedTextEqualsTheGeneration() throws Exception {
        try (FakeSglang server = new FakeSglang()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + "/v1/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"tiny-qwen\",\"prompt\":\"Hi\",\"max_tokens\":6,\"stream\":true}"))
                    .build();
            HttpResponse<InputStream> response = HttpClient.newHttpClient().send(request,
                    HttpResponse.BodyHandlers.ofInputStream());
            List<Event> events = new ArrayList<>();
            boolean done;
            try (InputStream in = response.body()) {
                done = ServerSentEvents.read(in, events::add);
            }

            StringBuilder text = new StringBuilder();
            for (Event e : events) {
                text.append(HttpJson.JSON.readTree(e.data()).get("choices").get(0).get("text").asText());
            }
            assertThat(done).isTrue();
            assertThat(text.toString()).isEqualTo(FakeSglang.Generation.of("tiny-qwen", "Hi", 0, 0, 6).text());
        }
    }
}
