package dev.feedloop.sidecar.serve;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.djl.TinyCheckpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A full generation queue is answered at once with 503 and Retry-After; accepted requests still complete. */
class OverloadIT {
    @TempDir
    Path dir;

    @Test
    void overloadIsRefusedWithRetryAfterWhileAcceptedRequestsComplete() throws Exception {
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 12, TinyCheckpoint.Spec.standard());
        try (ServeRuntime server = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName("tiny").withCapacity(1, 1, 1))) {
            HttpClient http = HttpClient.newHttpClient();
            String body = "{\"model\":\"tiny\",\"prompt\":\"Once\",\"max_tokens\":120,\"ignore_eos\":true}";
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                calls.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/completions"))
                        .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            int ok = 0;
            int refused = 0;
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.join();
                if (r.statusCode() == 200) {
                    ok++;
                    assertThat(new ObjectMapper().readTree(r.body()).get("usage").get("completion_tokens").asInt()).isEqualTo(120);
                } else {
                    refused++;
                    assertThat(r.statusCode()).isEqualTo(503);
                    assertThat(r.headers().firstValue("Retry-After")).contains("1");
                    assertThat(new ObjectMapper().readTree(r.body()).get("error").get("type").asText()).isEqualTo("ServiceUnavailableError");
                }
            }
            assertThat(ok).isGreaterThanOrEqualTo(1);
            assertThat(refused).isGreaterThanOrEqualTo(1);
            assertThat(server.engine().counters()[2]).isEqualTo(refused);
        }
    }
}
