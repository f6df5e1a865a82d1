package dev.feedloop.sidecar.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import dev.feedloop.sidecar.testing.TapFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tap's first duty under a Kafka outage: serving goes on, captured records are dropped and
 * counted, feedback is refused with a retryable 503; when the broker returns, records flow again.
 */
class TapKafkaOutageIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}";

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void servingSurvivesABrokerOutageAndCaptureResumesAfterIt(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 11, TinyCheckpoint.Spec.standard());
        Path data = dir.resolve("kafka");
        EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(data));
        int port = kafka.port();
        try (ServeRuntime serve = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName("tiny"));
                TapFixture tap = TapFixture.start(kafka.bootstrapServers(), serve.baseUrl(),
                        // the operator's producer settings win over the tap's; short ones keep the test short
                        "kafka.producer.delivery.timeout.ms=3000", "kafka.producer.request.timeout.ms=1000",
                        "kafka.producer.max.block.ms=500", "kafka.reconnect.backoff.max.ms=500", "capture.redactor=none")) {
            // 1. healthy: captured and published
            Set<String> before = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                before.add(chat(tap));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> tap.count("feedloop.tap.published") == 3.0);
            String feedbackId = UUID.randomUUID().toString();
            assertThat(feedback(tap, feedbackId).statusCode()).isEqualTo(202);

            // 2. the broker goes away: every request still succeeds; capture drops and counts
            kafka.close();
            Set<String> during = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                during.add(chat(tap));
            }
            assertThat(during).hasSize(20);
            await().atMost(Duration.ofSeconds(60)).until(() -> tap.count("feedloop.tap.dropped", "reason", "kafka") >= 20.0);
            assertThat(tap.count("feedloop.tap.published")).isEqualTo(3.0);
            String lost = UUID.randomUUID().toString();
            // an impatient client retries while the first attempt still waits for Kafka: the retry must not
            // be told "duplicate" (202) for an event that is never stored; both learn the first's outcome
            CompletableFuture<HttpResponse<String>> first = feedbackAsync(tap, lost);
            Thread.sleep(100);
            CompletableFuture<HttpResponse<String>> retry = feedbackAsync(tap, lost);
            for (HttpResponse<String> refused : List.of(first.get(30, TimeUnit.SECONDS), retry.get(30, TimeUnit.SECONDS))) {
                assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
                assertThat(JSON.readTree(refused.body()).path("code").asText()).isEqualTo("kafka_unavailable");
                assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            }

            // 3. the broker is back: new records flow, and the refused feedback can be retried
            kafka = EmbeddedKafka.start(new EmbeddedKafka.Settings("127.0.0.1", port, 0, data, Map.of()));
            Set<String> after = new HashSet<>();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                after.add(chat(tap));
                return tap.count("feedloop.tap.published") >= 4.0;
            });
            HttpResponse<String> retried = feedback(tap, lost);
            assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
            assertThat(JSON.readTree(retried.body()).path("results").get(0).path("status").asText()).isEqualTo("accepted");
            HttpResponse<String> again = feedback(tap, lost);
            assertThat(again.statusCode()).as(again.body()).isEqualTo(202);
            assertThat(JSON.readTree(again.body()).path("results").get(0).path("status").asText()).isEqualTo("duplicate");

            Set<String> onTopic = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> r : tap.read(tap.config().topics().inference(), 4, Duration.ofSeconds(30))) {
                onTopic.add(new String(r.key(), StandardCharsets.UTF_8));
            }
            assertThat(onTopic).containsAll(before);
            assertThat(onTopic).doesNotContainAnyElementsOf(during);
            assertThat(onTopic).containsAnyElementsOf(after);
        } finally {
            kafka.close();
        }
    }

    /** A chat request through the tap; must succeed; returns its inference id. */
    private String chat(TapFixture tap) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(tap.url() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(CHAT)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElseThrow();
    }

    private HttpResponse<String> feedback(TapFixture tap, String feedbackId) throws Exception {
        return feedbackAsync(tap, feedbackId).get(30, TimeUnit.SECONDS);
    }

    private CompletableFuture<HttpResponse<String>> feedbackAsync(TapFixture tap, String feedbackId) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(tap.url() + FeedbackApi.PATH)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"feedback_id\":\"" + feedbackId
                        + "\",\"inference_id\":\"i-" + feedbackId + "\",\"kind\":\"THUMBS_UP\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
