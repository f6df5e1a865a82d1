package dev.feedloop.lorax;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.contracts.spi.support.ServerSentEvents;
import dev.feedloop.contracts.spi.support.ServerSentEvents.Event;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * LoRAX's {@code /generate_stream} (axum: {@code data:} without a space, no {@code [DONE]}) read with the
 * contracts' {@link ServerSentEvents}, as the tap will read it.
 */
class LoraxStreamTest {
    @Test
    void axumEventsParseAndTheLastCarriesTheText() throws Exception {
        try (FakeLorax server = new FakeLorax()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.url() + "/generate_stream"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"inputs\":\"Hi\",\"parameters\":{\"max_new_tokens\":4,\"details\":true}}"))
                    .build();
            byte[] raw = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray()).body();
            assertThat(new String(raw, StandardCharsets.UTF_8)).startsWith("data:{").doesNotContain("data: ");

            List<Event> events = new ArrayList<>();
            boolean done = ServerSentEvents.read(new ByteArrayInputStream(raw), events::add);

            assertThat(done).as("the native stream has no [DONE]").isFalse();
            FakeLorax.Generation g = FakeLorax.Generation.forSample(null, "Hi", 0, null, 4);
            assertThat(events).hasSize(g.ids().size());
            List<Integer> ids = new ArrayList<>();
            for (Event e : events) {
                ids.add(HttpJson.JSON.readTree(e.data()).get("token").get("id").asInt());
            }
            assertThat(ids).isEqualTo(g.ids());
            JsonNode last = HttpJson.JSON.readTree(events.get(events.size() - 1).data());
            assertThat(last.get("generated_text").asText()).isEqualTo(g.text());
            assertThat(last.get("details").get("finish_reason").asText()).isEqualTo(g.finishReason());
        }
    }
}
