package dev.feedloop.sidecar.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.contracts.event.UnpairedExample;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import dev.feedloop.sidecar.tap.FeedbackApi;
import dev.feedloop.sidecar.tap.TapProxy;
import dev.feedloop.sidecar.testing.KafkaBrokerExtension;
import dev.feedloop.sidecar.testing.TapFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest half of the loop with real parts only: a client talks to {@code feedloop serve} through
 * the tap, the application posts feedback against the inference id the tap returned, and the trainer's
 * collector turns the two into training data on the preferences topic.
 */
@ExtendWith(KafkaBrokerExtension.class)
class TapToCollectorIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void feedbackOnATappedAnswerBecomesTrainingData(@TempDir Path dir, EmbeddedKafka kafka) throws Exception {
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 11, TinyCheckpoint.Spec.standard());
        try (ServeRuntime serve = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName("tiny"));
                TapFixture tap = TapFixture.start(kafka.bootstrapServers(), serve.baseUrl(), "tap.base-model=tiny");
                TrainerRuntime trainer = TrainerRuntime.start(tap.config(), PluginCatalog.load(getClass().getClassLoader()),
                        Clock.systemUTC())) {
            // two answers to one prompt; the user picks the second
            HttpResponse<String> chat = post(tap.url() + "/v1/chat/completions", "{\"model\":\"assistant\",\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Say something about ducks.\"}],\"max_tokens\":8,\"n\":2,\"temperature\":1.0,\"seed\":5}");
            assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
            String inferenceId = chat.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElseThrow();
            JsonNode choices = JSON.readTree(chat.body()).path("choices");
            String first = choices.get(0).path("message").path("content").asText();
            String second = choices.get(1).path("message").path("content").asText();
            // a second answer, thumbed down
            HttpResponse<String> other = post(tap.url() + "/v1/chat/completions", "{\"model\":\"assistant\",\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"Say something about geese.\"}],\"max_tokens\":6}");
            String otherId = other.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElseThrow();
            String otherText = JSON.readTree(other.body()).path("choices").get(0).path("message").path("content").asText();

            HttpResponse<String> fb = post(tap.url() + FeedbackApi.PATH, "[{\"feedback_id\":\"fb-choice\",\"inference_id\":\"" + inferenceId
                    + "\",\"kind\":\"CHOICE\",\"choice_index\":1},{\"feedback_id\":\"fb-down\",\"inference_id\":\"" + otherId
                    + "\",\"kind\":\"THUMBS_DOWN\"}]");
            assertThat(fb.statusCode()).as(fb.body()).isEqualTo(202);

            assertThat(trainer.collector().awaitProgress(p -> p.pairs() >= 1 && p.examples() >= 1, Duration.ofSeconds(60))).isTrue();
            List<Event> out = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : tap.read(tap.config().topics().preferences(), 2, Duration.ofSeconds(30))) {
                EventRecords.Decoded d = EventRecords.decode(r, List.of(EventType.PREFERENCE_PAIR, EventType.UNPAIRED_EXAMPLE),
                        Clock.systemUTC());
                out.add(((EventRecords.Ok) d).event());
            }
            PreferencePair pair = out.stream().filter(PreferencePair.class::isInstance).map(PreferencePair.class::cast).findFirst()
                    .orElseThrow();
            assertThat(pair.source()).isEqualTo(PreferencePair.Source.USER_CHOICE);
            assertThat(pair.alias()).isEqualTo("assistant");
            assertThat(pair.chosen().text()).isEqualTo(second);
            assertThat(pair.rejected().text()).isEqualTo(first);
            assertThat(pair.chosen().inferenceId()).isEqualTo(inferenceId);
            assertThat(pair.prompt().messages().get(0).content()).isEqualTo("Say something about ducks.");
            assertThat(pair.feedbackIds()).containsExactly("fb-choice");

            UnpairedExample down = out.stream().filter(UnpairedExample.class::isInstance).map(UnpairedExample.class::cast).findFirst()
                    .orElseThrow();
            assertThat(down.desirable()).isFalse();
            assertThat(down.source()).isEqualTo(Feedback.Kind.THUMBS_DOWN);
            assertThat(down.completion().text()).isEqualTo(otherText);
            assertThat(down.feedbackId()).isEqualTo("fb-down");
        }
    }

    private HttpResponse<String> post(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
