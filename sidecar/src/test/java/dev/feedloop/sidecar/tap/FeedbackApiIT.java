package dev.feedloop.sidecar.tap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.schema.SchemaRegistry;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.testing.KafkaBrokerExtension;
import dev.feedloop.sidecar.testing.TapFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code POST /v1/feedback} on a real tap and broker: auth, limits, the validation matrix, dedupe, redaction. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(KafkaBrokerExtension.class)
class FeedbackApiIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "fb-" + UUID.randomUUID();

    private TapFixture tap;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(EmbeddedKafka kafka) {
        tap = TapFixture.start(kafka.bootstrapServers(), "http://127.0.0.1:1", "feedback.token=" + TOKEN, "feedback.max-batch=5",
                "feedback.max-body-bytes=4096", "tap.tenant=acme");
    }

    @AfterAll
    void stop() {
        tap.close();
    }

    private HttpResponse<String> post(String body, String contentType, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(tap.url() + FeedbackApi.PATH)).timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String body) throws Exception {
        return post(body, "application/json", TOKEN);
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    /** The body validates against api-error.v1.json and is returned parsed. */
    private static JsonNode apiError(HttpResponse<String> r) throws Exception {
        JsonNode e = JSON.readTree(r.body());
        assertThat(SchemaRegistry.bundled().schema("api-error.v1.json").validate(e)).as(r.body()).isEmpty();
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        return e;
    }

    /** Feedback on the topic, read until {@code enough} holds (or 30 s). */
    private List<Feedback> published(java.util.function.Predicate<List<Feedback>> enough) {
        List<ConsumerRecord<byte[], byte[]>> records = tap.readUntil(tap.config().topics().feedback(),
                rs -> enough.test(decode(rs)), Duration.ofSeconds(30));
        return decode(records);
    }

    private static List<Feedback> decode(List<ConsumerRecord<byte[], byte[]>> records) {
        List<Feedback> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> c : records) {
            EventRecords.Decoded d = EventRecords.decode(c, List.of(EventType.FEEDBACK), Clock.systemUTC());
            Feedback f = (Feedback) ((EventRecords.Ok) d).event();
            assertThat(new String(c.key(), StandardCharsets.UTF_8)).isEqualTo(f.inferenceId());
            out.add(f);
        }
        return out;
    }

    @Test
    void aValidEventIsPublishedKeyedByItsInferenceWithDefaultsFilledAndTextRedacted() throws Exception {
        String inference = id();
        String feedbackId = id();
        HttpResponse<String> r = post("{\"feedback_id\":\"" + feedbackId + "\",\"inference_id\":\"" + inference + "\",\"kind\":\"EDIT\","
                + "\"edited_text\":\"Write to me at ann@example.org instead\",\"comment\":\"my key sk-abcdefghijklmnop1234 leaked\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        JsonNode results = JSON.readTree(r.body()).path("results");
        assertThat(results).hasSize(1);
        assertThat(results.get(0).path("status").asText()).isEqualTo("accepted");
        assertThat(results.get(0).path("feedback_id").asText()).isEqualTo(feedbackId);
        Feedback f = published(fs -> fs.stream().anyMatch(x -> x.feedbackId().equals(feedbackId))).stream()
                .filter(x -> x.feedbackId().equals(feedbackId)).findFirst().orElseThrow();
        assertThat(f.inferenceId()).isEqualTo(inference);
        assertThat(f.tenant()).isEqualTo("acme");
        assertThat(f.schemaVersion()).isEqualTo(1);
        assertThat(f.time()).isNotNull();
        assertThat(f.kind()).isEqualTo(Feedback.Kind.EDIT);
        assertThat(f.editedText()).isEqualTo("Write to me at <EMAIL> instead");
        assertThat(f.comment()).doesNotContain("sk-abcdefghijklmnop1234").contains("<SECRET>");
    }

    @Test
    void aBatchIsAcceptedWholeAndDuplicatesAreNotPublishedTwice() throws Exception {
        String inference = id();
        String a = id();
        String b = id();
        String batch = "[{\"feedback_id\":\"" + a + "\",\"inference_id\":\"" + inference + "\",\"kind\":\"THUMBS_UP\"},"
                + "{\"feedback_id\":\"" + b + "\",\"inference_id\":\"" + inference + "\",\"kind\":\"RATING\",\"rating\":4},"
                + "{\"feedback_id\":\"" + a + "\",\"inference_id\":\"" + inference + "\",\"kind\":\"THUMBS_UP\"}]";
        HttpResponse<String> r = post(batch);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        assertThat(JSON.readTree(r.body()).path("results").findValuesAsText("status")).containsExactly("accepted", "accepted", "duplicate");
        HttpResponse<String> again = post(batch);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(JSON.readTree(again.body()).path("results").findValuesAsText("status"))
                .containsExactly("duplicate", "duplicate", "duplicate");
        List<Feedback> mine = published(fs -> fs.stream().filter(f -> f.inferenceId().equals(inference)).count() >= 2).stream()
                .filter(f -> f.inferenceId().equals(inference)).toList();
        assertThat(mine).extracting(Feedback::feedbackId).containsExactlyInAnyOrder(a, b);
        assertThat(tap.count("feedloop.feedback.events", "outcome", "duplicate")).isGreaterThanOrEqualTo(4.0);
    }

    @Test
    void withoutAValidTokenTheAnswerIs401() throws Exception {
        String body = "{\"inference_id\":\"" + id() + "\",\"kind\":\"THUMBS_UP\"}";
        double before = tap.count("feedloop.feedback.requests", "outcome", "unauthorized");
        for (String token : new String[] {null, "wrong", TOKEN + "x", ""}) {
            HttpResponse<String> r = post(body, "application/json", token);
            assertThat(r.statusCode()).as("token %s", token).isEqualTo(401);
            assertThat(apiError(r).path("code").asText()).isEqualTo("unauthorized");
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        }
        assertThat(tap.count("feedloop.feedback.requests", "outcome", "unauthorized")).isEqualTo(before + 4);
    }

    @Test
    void aTokenFromAMountedFileIsHonoured(@TempDir Path dir, EmbeddedKafka kafka) throws Exception {
        Path secret = dir.resolve("token");
        Files.writeString(secret, "from-file\n");
        try (TapFixture t = TapFixture.start(kafka.bootstrapServers(), "http://127.0.0.1:1", "feedback.token-file=" + secret)) {
            String body = "{\"inference_id\":\"" + id() + "\",\"kind\":\"THUMBS_DOWN\"}";
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.url() + FeedbackApi.PATH)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body));
            assertThat(http.send(b.copy().header("Authorization", "Bearer from-file").build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(202);
            assertThat(http.send(b.copy().header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(401);
        }
    }

    @Test
    void transportProblemsAreAnsweredWithTheirOwnStatus() throws Exception {
        HttpResponse<String> media = post("{}", "text/plain", TOKEN);
        assertThat(media.statusCode()).isEqualTo(415);
        assertThat(apiError(media).path("code").asText()).isEqualTo("unsupported_media_type");

        HttpResponse<String> big = post("{\"comment\":\"" + "x".repeat(5000) + "\"}");
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(apiError(big).path("code").asText()).isEqualTo("payload_too_large");

        HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(tap.url() + FeedbackApi.PATH)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(apiError(get).path("code").asText()).isEqualTo("method_not_allowed");
    }

    static Stream<Arguments> invalid() {
        String inf = "\"inference_id\":\"i-1\"";
        return Stream.of(
                Arguments.of("not json", "{\"kind\":", "", "malformed JSON"),
                Arguments.of("a string", "\"thumbs up\"", "", "expected an object or an array"),
                Arguments.of("empty batch", "[]", "", "at least one"),
                Arguments.of("batch too large", "[" + String.join(",", java.util.Collections.nCopies(6,
                        "{" + inf + ",\"kind\":\"THUMBS_UP\"}")) + "]", "", "at most 5"),
                Arguments.of("no inference id", "{\"kind\":\"THUMBS_UP\"}", "/inference_id", "required"),
                Arguments.of("no kind", "{" + inf + "}", "/kind", "required"),
                Arguments.of("unknown kind", "{" + inf + ",\"kind\":\"LIKE\"}", "/kind", ""),
                Arguments.of("rating missing", "{" + inf + ",\"kind\":\"RATING\"}", "/rating", "RATING"),
                Arguments.of("rating out of range", "{" + inf + ",\"kind\":\"RATING\",\"rating\":7}", "/rating", "5"),
                Arguments.of("rating not a number", "{" + inf + ",\"kind\":\"RATING\",\"rating\":\"4\"}", "/rating", ""),
                Arguments.of("choice missing", "{" + inf + ",\"kind\":\"CHOICE\"}", "/choice_index", "CHOICE"),
                Arguments.of("negative choice", "{" + inf + ",\"kind\":\"CHOICE\",\"choice_index\":-1}", "/choice_index", ""),
                Arguments.of("edit without text", "{" + inf + ",\"kind\":\"EDIT\"}", "/edited_text", "EDIT"),
                Arguments.of("empty edit", "{" + inf + ",\"kind\":\"EDIT\",\"edited_text\":\"\"}", "/edited_text", ""),
                Arguments.of("regenerate without related", "{" + inf + ",\"kind\":\"REGENERATE\"}", "/related_inference_id", "REGENERATE"),
                Arguments.of("bad inference id", "{\"inference_id\":\"has spaces\",\"kind\":\"THUMBS_UP\"}", "/inference_id", ""),
                Arguments.of("bad feedback id", "{\"feedback_id\":\"\",\"inference_id\":\"i-1\",\"kind\":\"THUMBS_UP\"}", "/feedback_id", ""),
                Arguments.of("bad tenant", "{" + inf + ",\"kind\":\"THUMBS_UP\",\"tenant\":\"Acme Corp\"}", "/tenant", ""),
                Arguments.of("bad time", "{" + inf + ",\"kind\":\"THUMBS_UP\",\"time\":\"yesterday\"}", "/time", ""),
                Arguments.of("wrong schema version", "{" + inf + ",\"kind\":\"THUMBS_UP\",\"schema_version\":2}", "/schema_version", ""),
                Arguments.of("unknown field", "{" + inf + ",\"kind\":\"THUMBS_UP\",\"stars\":5}", "/stars", ""),
                Arguments.of("user id too long", "{" + inf + ",\"kind\":\"THUMBS_UP\",\"user_id\":\"" + "u".repeat(257) + "\"}", "/user_id", ""),
                Arguments.of("element not an object", "[{" + inf + ",\"kind\":\"THUMBS_UP\"},3]", "/1", "expected a feedback object"),
                Arguments.of("second element bad", "[{" + inf + ",\"kind\":\"THUMBS_UP\"},{" + inf + ",\"kind\":\"RATING\",\"rating\":0}]",
                        "/1/rating", ""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void invalidFeedbackIsRefusedWithA400NamingTheField(String name, String body, String field, String reasonContains) throws Exception {
        double before = tap.count("feedloop.feedback.requests", "outcome", "invalid");
        HttpResponse<String> r = post(body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        JsonNode e = apiError(r);
        assertThat(e.path("code").asText()).isEqualTo("invalid_request");
        List<String> fields = e.path("details").findValuesAsText("field");
        assertThat(fields).as(r.body()).contains(field);
        if (!reasonContains.isEmpty()) {
            assertThat(r.body()).contains(reasonContains);
        }
        assertThat(tap.count("feedloop.feedback.requests", "outcome", "invalid")).isEqualTo(before + 1);
    }

    @Test
    void aRefusedBatchPublishesNothing() throws Exception {
        String inference = id();
        HttpResponse<String> r = post("[{\"inference_id\":\"" + inference + "\",\"kind\":\"THUMBS_UP\"},{\"inference_id\":\"" + inference
                + "\",\"kind\":\"RATING\"}]");
        assertThat(r.statusCode()).isEqualTo(400);
        // a marker published after the refused batch: once it is on the topic, nothing of the batch can still arrive
        String marker = id();
        assertThat(post("{\"inference_id\":\"" + inference + "\",\"feedback_id\":\"" + marker + "\",\"kind\":\"THUMBS_DOWN\"}")
                .statusCode()).isEqualTo(202);
        List<Feedback> mine = published(fs -> fs.stream().anyMatch(f -> f.feedbackId().equals(marker))).stream()
                .filter(f -> f.inferenceId().equals(inference)).toList();
        assertThat(mine).extracting(Feedback::feedbackId).containsExactly(marker);
    }
}
