package dev.feedloop.contracts.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.schema.Violation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link EventCodec}: lossless round trips, snake_case JSON without nulls, and precise errors. */
class EventCodecTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    static Stream<Named<Event>> events() {
        return SampleEvents.all().stream().map(e -> Named.of(e.type().slug(), e));
    }

    @Test
    void samplesCoverEveryEventType() {
        assertThat(SampleEvents.all()).extracting(Event::type).containsExactly(EventType.values());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void encodeThenDecodeGivesAnEqualEvent(Event event) {
        EventCodec<Event> codec = codecFor(event);

        byte[] json = codec.encode(event);
        Event back = codec.decode(json);

        assertThat(back).isEqualTo(event);
        assertThat(codec.decode(codec.encodeToString(event))).isEqualTo(event);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("events")
    void encodedKeysAreSnakeCase(Event event) throws IOException {
        JsonNode tree = PLAIN.readTree(codecFor(event).encode(event));

        assertThat(fieldNames(tree, Set.of("redactions", "metrics", "headers")))
                .isNotEmpty()
                .allSatisfy(name -> assertThat(name).matches("[a-z][a-z0-9_]*"));
    }

    @Test
    void encodingUsesSnakeCaseAndOmitsNulls() throws IOException {
        Feedback f = new Feedback(1, "fb-1", "req-17", "default", SampleEvents.feedback().time(),
                Feedback.Kind.THUMBS_UP, null, null, null, null, null, null);

        JsonNode tree = PLAIN.readTree(EventCodec.of(Feedback.class).encode(f));

        assertThat(fieldNames(tree, Set.of()))
                .containsExactlyInAnyOrder("schema_version", "feedback_id", "inference_id", "tenant", "time", "kind");
        assertThat(tree.get("time").asText()).isEqualTo("2026-11-25T06:43:01.123456789Z");
    }

    @Test
    void nestedRecordsAreSnakeCaseToo() throws IOException {
        JsonNode tree = PLAIN.readTree(EventCodec.of(InferenceRecord.class).encode(SampleEvents.inferenceRecord()));

        assertThat(tree.at("/request/prompt_token_ids").size()).isEqualTo(5);
        assertThat(tree.at("/request/params/top_p").asDouble()).isEqualTo(0.95);
        assertThat(tree.at("/request/params").has("top_k")).as("null top_k is omitted").isFalse();
        assertThat(tree.at("/request").has("prompt")).as("null prompt is omitted").isFalse();
        assertThat(tree.at("/choices/1").has("finish_reason")).as("null finish_reason is omitted").isFalse();
        assertThat(tree.at("/latency/first_token_ms").asDouble()).isEqualTo(41.2);
        assertThat(tree.at("/usage/total_tokens").asInt()).isEqualTo(9);
        assertThat(tree.at("/request/messages/0/role").asText()).isEqualTo("system");
        assertThat(tree.at("/request/messages/0").has("name")).isFalse();
        assertThat(tree.has("error")).isFalse();
    }

    @Test
    void truncatedJsonIsMalformedAndSaysWhere() {
        assertThatThrownBy(() -> EventCodec.of(Feedback.class).decode("{\"kind\":"))
                .isInstanceOfSatisfying(EventValidationException.class, e -> {
                    assertThat(e.type()).isEqualTo(EventType.FEEDBACK);
                    assertThat(e.problem()).isEqualTo(EventValidationException.Problem.MALFORMED_JSON);
                    assertThat(e.violations()).isNotEmpty();
                    assertThat(e.violations().get(0).message()).contains("line 1");
                });
    }

    @Test
    void emptyBytesAreMalformed() {
        assertThatThrownBy(() -> EventCodec.of(Feedback.class).decode(new byte[0]))
                .isInstanceOfSatisfying(EventValidationException.class,
                        e -> assertThat(e.problem()).isEqualTo(EventValidationException.Problem.MALFORMED_JSON));
        assertThatThrownBy(() -> EventCodec.of(Feedback.class).decode(""))
                .isInstanceOfSatisfying(EventValidationException.class,
                        e -> assertThat(e.problem()).isEqualTo(EventValidationException.Problem.MALFORMED_JSON));
    }

    @Test
    void contentAfterTheDocumentIsMalformed() {
        String json = EventCodec.of(Feedback.class).encodeToString(SampleEvents.feedback());

        for (String bytes : List.of(json + " garbage", json + json, json + "]")) {
            assertThatThrownBy(() -> EventCodec.of(Feedback.class).decode(bytes))
                    .as("decoding %s", bytes)
                    .isInstanceOfSatisfying(EventValidationException.class,
                            e -> assertThat(e.problem()).isEqualTo(EventValidationException.Problem.MALFORMED_JSON));
        }
        assertThat(EventCodec.of(Feedback.class).decode(" " + json + "\n")).isEqualTo(SampleEvents.feedback());
    }

    @Test
    void encodingAnInvalidEventNamesTheField() {
        Feedback f = new Feedback(1, "fb-9", "req-17", "default", SampleEvents.feedback().time(), Feedback.Kind.RATING,
                9, null, null, null, null, null);

        assertThatThrownBy(() -> EventCodec.of(Feedback.class).encode(f))
                .isInstanceOfSatisfying(EventValidationException.class, e -> {
                    assertThat(e.problem()).isEqualTo(EventValidationException.Problem.SCHEMA_VIOLATION);
                    assertThat(e.violations()).extracting(Violation::path).contains("/rating");
                    assertThat(e.getMessage()).startsWith("invalid feedback: /rating: ");
                });
    }

    @Test
    void decodingAnInvalidEventIsASchemaViolation() {
        String json = """
                {"schema_version": 1, "feedback_id": "fb-1", "inference_id": "req-17", "tenant": "default",
                 "time": "2026-11-25T06:43:01Z", "kind": "RATING"}""";

        assertThatThrownBy(() -> EventCodec.of(Feedback.class).decode(json))
                .isInstanceOfSatisfying(EventValidationException.class, e -> {
                    assertThat(e.problem()).isEqualTo(EventValidationException.Problem.SCHEMA_VIOLATION);
                    assertThat(e.violations()).extracting(Violation::path).contains("/rating");
                });
    }

    @Test
    void adapterReleaseIsKeyedByItsServedName() {
        AdapterRelease r = SampleEvents.adapterRelease();

        assertThat(r.servedName()).isEqualTo("assistant-v4");
        assertThat(r.messageKey()).isEqualTo(r.servedName());
    }

    @Test
    void adapterReleaseEventIdsAreValidIdsForEveryStatus() {
        AdapterRelease r = SampleEvents.adapterRelease();
        for (AdapterRelease.Status status : AdapterRelease.Status.values()) {
            String id = r.withStatus(status, "because", r.time()).eventId();
            assertThat(id).matches("^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$").startsWith("assistant-v4-");
        }
    }

    @Test
    void feedbackIsKeyedByItsInferenceId() {
        assertThat(SampleEvents.feedback().messageKey()).isEqualTo(SampleEvents.INFERENCE_ID);
    }

    @Test
    void codecForTypeAndClassAreTheSame() {
        for (EventType t : EventType.values()) {
            assertThat(EventCodec.of(t).type()).isEqualTo(t);
            assertThat(EventCodec.of(t)).isSameAs(EventCodec.of(t.javaType()));
        }
    }

    @SuppressWarnings("unchecked")
    private static EventCodec<Event> codecFor(Event event) {
        return (EventCodec<Event>) EventCodec.of(event.type());
    }

    /** Every object field name in the tree, not descending into the named free-form maps. */
    private static List<String> fieldNames(JsonNode node, Set<String> maps) {
        List<String> names = new ArrayList<>();
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> f : node.properties()) {
                names.add(f.getKey());
                if (!maps.contains(f.getKey())) {
                    names.addAll(fieldNames(f.getValue(), maps));
                }
            }
        } else if (node.isArray()) {
            for (JsonNode child : node) {
                names.addAll(fieldNames(child, maps));
            }
        }
        return names.stream().distinct().collect(Collectors.toList());
    }
}
