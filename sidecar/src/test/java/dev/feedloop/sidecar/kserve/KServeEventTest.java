package dev.feedloop.sidecar.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.event.DeadLetter;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

class KServeEventTest {
    private static final long KAFKA_TIME = Instant.parse("2026-11-25T06:50:00Z").toEpochMilli();

    private static ConsumerRecord<byte[], byte[]> record(String value, String... headers) {
        RecordHeaders h = new RecordHeaders();
        for (int i = 0; i < headers.length; i += 2) {
            h.add(headers[i], headers[i + 1].getBytes(StandardCharsets.UTF_8));
        }
        return new ConsumerRecord<>("llm-traffic", 0, 7, KAFKA_TIME, TimestampType.CREATE_TIME, -1, -1, null,
                value == null ? null : value.getBytes(StandardCharsets.UTF_8), h, Optional.empty());
    }

    private static String text(KServeEvent e) {
        return new String(e.data(), StandardCharsets.UTF_8);
    }

    @Test
    void binaryModeWithTheKafkaSinkHeaders() throws Exception {
        KServeEvent e = KServeEvent.parse(record("{\"prompt\":\"hi\"}",
                "ce_specversion", "1.0", "ce_id", "abc-1", "ce_type", KServeEvent.REQUEST_TYPE, "ce_source", "pod-1",
                "ce_time", "2026-11-25T06:42:21.123456789Z", "ce_inferenceservicename", "llm", "ce_namespace", "models",
                "ce_component", "predictor", "ce_endpoint", "default", "ce_metadata", "{}", "content-type", "application/json"));

        assertThat(e.kind()).isEqualTo(KServeEvent.Kind.REQUEST);
        assertThat(e.id()).isEqualTo("abc-1");
        assertThat(e.inferenceService()).isEqualTo("llm");
        assertThat(e.namespace()).isEqualTo("models");
        assertThat(e.component()).isEqualTo("predictor");
        assertThat(e.time()).isEqualTo(Instant.parse("2026-11-25T06:42:21.123456789Z"));
        assertThat(e.contentType()).isEqualTo("application/json");
        assertThat(text(e)).isEqualTo("{\"prompt\":\"hi\"}");
        assertThat(e.traceparent()).isNull();
        assertThat(e.jsonOrUndeclared()).isTrue();
    }

    @Test
    void headerNamesInAnyCaseAndTheHttpDash() throws Exception {
        KServeEvent e = KServeEvent.parse(record("x",
                "Ce-Id", "abc-2", "CE_TYPE", KServeEvent.RESPONSE_TYPE, "Ce_Time", "2026-11-25T07:42:21+01:00",
                "Ce-InferenceServiceName", "llm", "Content-Type", "text/event-stream",
                "Ce_Metadata", "{\"X-Request-Id\":[\"r\"],\"Traceparent\":[\"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\"]}"));

        assertThat(e.kind()).isEqualTo(KServeEvent.Kind.RESPONSE);
        assertThat(e.id()).isEqualTo("abc-2");
        assertThat(e.inferenceService()).isEqualTo("llm");
        assertThat(e.time()).isEqualTo(Instant.parse("2026-11-25T06:42:21Z"));
        assertThat(e.traceparent()).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(e.jsonOrUndeclared()).isFalse();
    }

    @Test
    void aMissingOrBrokenTimeFallsBackToTheRecordTimestampAndAMissingBodyIsEmpty() throws Exception {
        KServeEvent e = KServeEvent.parse(record(null, "ce_id", "a", "ce_type", KServeEvent.REQUEST_TYPE, "ce_time", "yesterday",
                "ce_metadata", "not json", "traceparent", "00-tp"));

        assertThat(e.time()).isEqualTo(Instant.ofEpochMilli(KAFKA_TIME));
        assertThat(e.data()).isEmpty();
        assertThat(e.inferenceService()).isEmpty();
        assertThat(e.contentType()).isNull();
        assertThat(e.traceparent()).isEqualTo("00-tp");
    }

    @Test
    void structuredModeWithDataOrDataBase64() throws Exception {
        String head = "{\"specversion\":\"1.0\",\"id\":\"s-1\",\"source\":\"pod\",\"type\":\"" + KServeEvent.REQUEST_TYPE
                + "\",\"time\":\"2026-11-25T06:42:21Z\",\"datacontenttype\":\"application/json\",\"inferenceservicename\":\"llm\","
                + "\"namespace\":\"models\",\"traceparent\":\"00-x\",";
        KServeEvent json = KServeEvent.parse(record(head + "\"data\":{\"prompt\":\"hi\",\"n\":2}}",
                "content-type", "application/cloudevents+json; charset=utf-8"));
        assertThat(json.kind()).isEqualTo(KServeEvent.Kind.REQUEST);
        assertThat(json.id()).isEqualTo("s-1");
        assertThat(json.inferenceService()).isEqualTo("llm");
        assertThat(json.namespace()).isEqualTo("models");
        assertThat(json.time()).isEqualTo(Instant.parse("2026-11-25T06:42:21Z"));
        assertThat(json.contentType()).isEqualTo("application/json");
        assertThat(json.traceparent()).isEqualTo("00-x");
        assertThat(text(json)).isEqualTo("{\"prompt\":\"hi\",\"n\":2}");

        String sse = "data: {\"choices\":[]}\n\ndata: [DONE]\n\n";
        KServeEvent b64 = KServeEvent.parse(record(head + "\"data_base64\":\""
                + Base64.getEncoder().encodeToString(sse.getBytes(StandardCharsets.UTF_8)) + "\"}", "content-type",
                "application/cloudevents+json"));
        assertThat(text(b64)).isEqualTo(sse);

        KServeEvent string = KServeEvent.parse(record(head + "\"data\":\"plain text\"}", "content-type", "application/cloudevents+json"));
        assertThat(text(string)).isEqualTo("plain text");

        KServeEvent none = KServeEvent.parse(record(head + "\"x\":1}", "content-type", "application/cloudevents+json"));
        assertThat(none.data()).isEmpty();
    }

    @Test
    void recordsThatAreNotKServeEvents() {
        assertMalformed(record("garbage"), DeadLetter.Reason.SCHEMA_VIOLATION, "not a CloudEvent: no ce_type");
        assertMalformed(record("{}", "ce_type", "dev.knative.sources.ping", "ce_id", "1"), DeadLetter.Reason.UNEXPECTED_EVENT_TYPE,
                "ce_type 'dev.knative.sources.ping' is not one of [" + KServeEvent.REQUEST_TYPE + ", " + KServeEvent.RESPONSE_TYPE + "]");
        assertMalformed(record("{}", "ce_type", KServeEvent.RESPONSE_TYPE, "ce_id", " "), DeadLetter.Reason.SCHEMA_VIOLATION,
                "CloudEvent of type " + KServeEvent.RESPONSE_TYPE + " has no ce_id");
        assertMalformed(record("{\"id\":", "content-type", "application/cloudevents+json"), DeadLetter.Reason.MALFORMED_JSON,
                "structured CloudEvent is not JSON");
        assertMalformed(record("[1]", "content-type", "application/cloudevents+json"), DeadLetter.Reason.MALFORMED_JSON,
                "structured CloudEvent is not a JSON object");
        assertMalformed(record("{\"type\":\"" + KServeEvent.REQUEST_TYPE + "\",\"id\":\"1\",\"data_base64\":\"***\"}",
                "content-type", "application/cloudevents+json"), DeadLetter.Reason.SCHEMA_VIOLATION,
                "structured CloudEvent: data_base64 is not base64");
    }

    private static void assertMalformed(ConsumerRecord<byte[], byte[]> r, DeadLetter.Reason reason, String message) {
        assertThatThrownBy(() -> KServeEvent.parse(r)).isInstanceOfSatisfying(KServeEvent.Malformed.class, m -> {
            assertThat(m.reason()).isEqualTo(reason);
            assertThat(m).hasMessage(message);
        });
    }
}
