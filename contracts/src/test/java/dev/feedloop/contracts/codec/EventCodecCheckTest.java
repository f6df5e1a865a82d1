package dev.feedloop.contracts.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.schema.Fixtures;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.schema.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The streaming codec gives the results of the tree-based one it replaced: {@link EventCodec#decode},
 * {@link EventCodec#check} and {@link EventCodec#encode} accept and reject exactly what validating the
 * tree does, fail the same way, and produce the same events and bytes.
 */
class EventCodecCheckTest {
    private static final ObjectMapper PLAIN = new ObjectMapper();

    /** What some bytes became: the event, or the exception's problem, message and violations. */
    private record Outcome(Event event, String failure) {}

    private static Outcome outcome(Supplier<Event> op) {
        try {
            return new Outcome(op.get(), null);
        } catch (EventValidationException e) {
            return new Outcome(null, e.problem() + " " + e.getMessage() + " " + e.violations());
        }
    }

    /** The reference: parse a tree, validate it, bind it (what decode did before it streamed). */
    private static Outcome byTree(EventCodec<?> codec, byte[] json) {
        return outcome(() -> {
            JsonNode tree;
            try {
                tree = Json.mapper().readTree(json);
            } catch (IOException e) {
                return codec.decode(json); // malformed: the codec's own message is the reference
            }
            return codec.decodeTree(tree);
        });
    }

    private static List<byte[]> inputs(EventType type) throws Exception {
        List<byte[]> out = new ArrayList<>();
        for (Fixtures.Valid v : Fixtures.valid()) {
            if (v.type() == type) {
                out.add(PLAIN.writeValueAsBytes(v.json()));
                for (Map.Entry<String, JsonNode> e : v.json().properties()) {
                    ObjectNode changed = v.json().deepCopy();
                    changed.put(e.getKey(), "?");
                    out.add(PLAIN.writeValueAsBytes(changed));
                    changed.remove(e.getKey());
                    out.add(PLAIN.writeValueAsBytes(changed));
                }
            }
        }
        for (Fixtures.Invalid v : Fixtures.invalid()) {
            if (v.type() == type) {
                out.add(PLAIN.writeValueAsBytes(v.json()));
            }
        }
        byte[] sample = EventCodec.encodeEvent(SampleEvents.all().get(type.ordinal()));
        String json = new String(sample, StandardCharsets.UTF_8);
        for (String s : List.of("", " ", "null", "[]", "{", "not json", "\"x\"", json + " x", json + json, " " + json + "\n",
                json.replaceFirst("\\{", "{\"schema_version\":7,"), json.replaceFirst("\\{", "{\"schema_version\":1,"))) {
            out.add(s.getBytes(StandardCharsets.UTF_8));
        }
        out.add(sample);
        return out;
    }

    @Test
    void decodeAndCheckGiveWhatTheTreeGives() throws Exception {
        int accepted = 0;
        int rejected = 0;
        for (EventType type : EventType.values()) {
            EventCodec<?> codec = EventCodec.of(type);
            for (byte[] json : inputs(type)) {
                String what = type.slug() + " " + new String(json, StandardCharsets.UTF_8);
                Outcome reference = byTree(codec, json);
                assertThat(outcome(() -> codec.decode(json))).as("decode %s", what).isEqualTo(reference);
                Outcome checked = outcome(() -> codec.check(json).bind());
                assertThat(checked).as("check %s", what).isEqualTo(reference);
                if (reference.failure() == null) {
                    accepted++;
                    JsonNode tree = Json.mapper().readTree(json);
                    EventCodec.Valid<?> valid = codec.check(json);
                    for (Map.Entry<String, JsonNode> e : tree.properties()) {
                        assertThat(valid.text(e.getKey())).as("%s of %s", e.getKey(), what)
                                .isEqualTo(e.getValue().isTextual() ? e.getValue().textValue() : null);
                    }
                    assertThat(valid.text("no_such_property")).isNull();
                } else {
                    rejected++;
                }
            }
        }
        assertThat(accepted).isGreaterThan(20);
        assertThat(rejected).isGreaterThan(150);
    }

    @Test
    void aRepeatedPropertyNameMeansWhatTheTreeMakesOfIt() {
        EventCodec<InferenceRecord> codec = EventCodec.of(InferenceRecord.class);
        String json = codec.encodeToString(SampleEvents.inferenceRecord());
        String twice = json.replaceFirst("\"tenant\":\"default\"", "\"tenant\":\"Not A Tenant\",\"tenant\":\"default\"");
        assertThat(twice).isNotEqualTo(json);
        byte[] bytes = twice.getBytes(StandardCharsets.UTF_8);

        assertThat(codec.decode(bytes)).isEqualTo(SampleEvents.inferenceRecord());
        EventCodec.Valid<InferenceRecord> valid = codec.check(bytes);
        assertThat(valid.bind()).isEqualTo(SampleEvents.inferenceRecord());
        assertThat(valid.text("tenant")).isEqualTo("default");
    }

    @Test
    void checkVerifiesRulesBeyondTheSchemaForTypesThatHaveThem() throws Exception {
        for (EventType type : List.of(EventType.PREFERENCE_PAIR, EventType.UNPAIRED_EXAMPLE)) {
            EventCodec<?> codec = EventCodec.of(type);
            ObjectNode doc = (ObjectNode) PLAIN.readTree(EventCodec.encodeEvent(SampleEvents.all().get(type.ordinal())));
            doc.put("prompt_hash", "0".repeat(64));
            byte[] json = PLAIN.writeValueAsBytes(doc);

            Outcome checked = outcome(() -> codec.check(json).bind());

            assertThat(checked.failure()).as(type.slug()).contains("/prompt_hash").isEqualTo(byTree(codec, json).failure());
        }
    }

    @Test
    void encodeWritesWhatTheTreeWouldAndRejectsWhatItWould() throws Exception {
        for (Event event : SampleEvents.all()) {
            byte[] expected = Json.mapper().writeValueAsBytes(Json.mapper().valueToTree(event));
            assertThat(EventCodec.encodeEvent(event)).as(event.type().slug()).isEqualTo(expected);
        }
        for (Fixtures.Valid v : Fixtures.valid()) {
            Event event = EventCodec.of(v.type()).decode(PLAIN.writeValueAsBytes(v.json()));
            byte[] expected = Json.mapper().writeValueAsBytes(Json.mapper().valueToTree(event));
            assertThat(EventCodec.encodeEvent(event)).as(v.toString()).isEqualTo(expected);
        }
        int invalidEvents = 0;
        for (Fixtures.Invalid v : Fixtures.invalid()) {
            Event event;
            try {
                event = Json.mapper().treeToValue(v.json(), v.type().javaType());
            } catch (IOException | IllegalArgumentException e) {
                continue; // not an event at all
            }
            List<Violation> expected = EventCodec.of(v.type()).validate(Json.mapper().valueToTree(event));
            if (expected.isEmpty()) {
                continue; // lost its fault in binding
            }
            invalidEvents++;
            assertThatThrownBy(() -> EventCodec.encodeEvent(event)).as(v.toString())
                    .isInstanceOfSatisfying(EventValidationException.class, e -> assertThat(e.violations()).isEqualTo(expected));
        }
        assertThat(invalidEvents).isGreaterThan(20);
    }

}
