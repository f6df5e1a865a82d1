package dev.feedloop.contracts.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.schema.SchemaRegistry;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link CloudEventHeaders}: CloudEvents binary-mode headers and W3C traceparent checks. */
class CloudEventHeadersTest {
    private static final String SOURCE = "/feedloop/tap/serving-pod-7";

    @Test
    void feedbackHeaders() {
        Feedback f = SampleEvents.feedback();

        Map<String, String> h = CloudEventHeaders.of(f, SOURCE, null);

        assertThat(h).containsExactly(
                Map.entry("ce_specversion", "1.0"),
                Map.entry("ce_id", "fb-0002"),
                Map.entry("ce_source", SOURCE),
                Map.entry("ce_type", "dev.feedloop.feedback.v1"),
                Map.entry("ce_time", "2026-11-25T06:43:01.123456789Z"),
                Map.entry("ce_dataschema", SchemaRegistry.bundled().document("feedback.v1.json").get("$id").asText()),
                Map.entry("content-type", "application/json"));
        assertThat(h.get(CloudEventHeaders.ID)).isEqualTo(f.eventId());
    }

    @Test
    void wholeSecondTimesHaveNoFraction() {
        Feedback f = SampleEvents.feedback();
        Feedback onTheSecond = new Feedback(f.schemaVersion(), f.feedbackId(), f.inferenceId(), f.tenant(),
                f.time().truncatedTo(ChronoUnit.SECONDS), f.kind(), f.rating(), f.choiceIndex(), f.editedText(),
                f.relatedInferenceId(), f.comment(), f.userId());

        assertThat(CloudEventHeaders.of(onTheSecond, SOURCE, null)).containsEntry("ce_time", "2026-11-25T06:43:01Z");
    }

    @Test
    void everyEventGetsItsSchemaIdAndType() {
        for (Event e : SampleEvents.all()) {
            Map<String, String> h = CloudEventHeaders.of(e, SOURCE, null);
            String schemaId = SchemaRegistry.bundled().document(e.type().slug() + ".v1.json").get("$id").asText();

            assertThat(h).containsEntry("ce_dataschema", schemaId)
                    .containsEntry("ce_type", "dev.feedloop." + e.type().slug() + ".v1")
                    .containsEntry("ce_id", e.eventId());
        }
    }

    @Test
    void validTraceparentIsAdded() {
        String tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

        assertThat(CloudEventHeaders.isValidTraceparent(tp)).isTrue();
        assertThat(CloudEventHeaders.of(SampleEvents.feedback(), SOURCE, tp)).containsEntry("traceparent", tp);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "not-a-traceparent",
        ""
    })
    void invalidTraceparentIsRejected(String tp) {
        assertThat(CloudEventHeaders.isValidTraceparent(tp)).isFalse();
        assertThatThrownBy(() -> CloudEventHeaders.of(SampleEvents.feedback(), SOURCE, tp))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("traceparent");
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void eventTypeRoundTripsThroughTheTypeHeader(EventType type) {
        assertThat(CloudEventHeaders.eventType(Map.of(CloudEventHeaders.TYPE, type.cloudEventType())))
                .contains(type);
    }

    @Test
    void eventTypeOfHeadersBuiltForEachSample() {
        for (Event e : SampleEvents.all()) {
            assertThat(CloudEventHeaders.eventType(CloudEventHeaders.of(e, SOURCE, null))).contains(e.type());
        }
    }

    @Test
    void missingOrForeignTypeHeaderHasNoEventType() {
        assertThat(CloudEventHeaders.eventType(Map.of())).isEqualTo(Optional.empty());
        assertThat(CloudEventHeaders.eventType(Map.of(CloudEventHeaders.TYPE, "com.example.order.v1"))).isEmpty();
        assertThat(CloudEventHeaders.eventType(Map.of(CloudEventHeaders.TYPE, "dev.feedloop.feedback.v2"))).isEmpty();
    }
}
