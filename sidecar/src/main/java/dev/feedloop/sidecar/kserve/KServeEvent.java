package dev.feedloop.sidecar.kserve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.event.DeadLetter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * One KServe payload-logger CloudEvent as read from a Knative KafkaSink topic (serving.md §6.1–6.2).
 *
 * <p><b>Binary mode</b> (what KServe's agent and a binary KafkaSink write): the record value is the raw
 * request or response body; the attributes are {@code ce_*} headers and the body's type is {@code
 * content-type}. Header names are matched case-insensitively, and {@code ce-} is read as {@code ce_}.
 * <b>Structured mode</b> ({@code content-type: application/cloudevents+json}): the value is the JSON
 * envelope; the body is {@code data} (a JSON value, re-serialised; or a string, taken as its text) or
 * {@code data_base64}.
 *
 * <p>{@code time} falls back to the Kafka record's timestamp when it is missing or not RFC 3339. The
 * traceparent is the first of {@code ce_traceparent}, {@code traceparent}, or a {@code Traceparent}
 * entry in {@code ce_metadata} (present when the InferenceService lists it in {@code
 * metadataHeaders}).
 *
 * @param kind request or response
 * @param id {@code ce_id}, shared by a request and its response
 * @param inferenceService {@code ce_inferenceservicename}, empty if absent
 * @param namespace {@code ce_namespace}, or null
 * @param component {@code ce_component}, or null
 * @param time {@code ce_time}: arrival of the request, or completion of the response
 * @param contentType the body's content type, or null; for a response KServe repeats the request's
 * @param data the body, never null
 * @param traceparent W3C trace context, or null
 */
record KServeEvent(Kind kind, String id, String inferenceService, String namespace, String component, Instant time,
        String contentType, byte[] data, String traceparent) {

    /** {@code ce_type} of a request event. */
    static final String REQUEST_TYPE = "org.kubeflow.serving.inference.request";
    /** {@code ce_type} of a response event. */
    static final String RESPONSE_TYPE = "org.kubeflow.serving.inference.response";
    static final String STRUCTURED = "application/cloudevents+json";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Which half of an exchange an event is. */
    enum Kind {
        REQUEST,
        RESPONSE
    }

    /** A record that is not a usable KServe event, with the dead-letter reason. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        private final DeadLetter.Reason reason;

        Malformed(DeadLetter.Reason reason, String message) {
            super(message);
            this.reason = reason;
        }

        DeadLetter.Reason reason() {
            return reason;
        }
    }

    /**
     * Reads one consumed record.
     *
     * @throws Malformed if it is not a KServe request or response CloudEvent
     */
    static KServeEvent parse(ConsumerRecord<byte[], byte[]> record) throws Malformed {
        Map<String, String> h = headers(record);
        String contentType = h.get("content-type");
        Map<String, String> attrs;
        byte[] data;
        if (contentType != null && mediaType(contentType).equals(STRUCTURED)) {
            JsonNode envelope = structuredEnvelope(record.value());
            attrs = new TreeMap<>();
            for (Map.Entry<String, JsonNode> e : envelope.properties()) {
                if (!e.getKey().equals("data") && !e.getKey().equals("data_base64") && e.getValue().isValueNode()) {
                    attrs.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue().asText());
                }
            }
            contentType = attrs.get("datacontenttype");
            data = structuredData(envelope);
        } else {
            attrs = new TreeMap<>();
            h.forEach((k, v) -> {
                if (k.startsWith("ce_")) {
                    attrs.put(k.substring(3), v);
                }
            });
            if (contentType == null) {
                contentType = attrs.get("datacontenttype");
            }
            data = record.value() == null ? new byte[0] : record.value();
        }

        String type = attrs.get("type");
        if (type == null) {
            throw new Malformed(DeadLetter.Reason.SCHEMA_VIOLATION, "not a CloudEvent: no ce_type");
        }
        Kind kind;
        if (type.equals(REQUEST_TYPE)) {
            kind = Kind.REQUEST;
        } else if (type.equals(RESPONSE_TYPE)) {
            kind = Kind.RESPONSE;
        } else {
            throw new Malformed(DeadLetter.Reason.UNEXPECTED_EVENT_TYPE, "ce_type '" + type + "' is not one of ["
                    + REQUEST_TYPE + ", " + RESPONSE_TYPE + "]");
        }
        String id = attrs.get("id");
        if (id == null || id.isBlank()) {
            throw new Malformed(DeadLetter.Reason.SCHEMA_VIOLATION, "CloudEvent of type " + type + " has no ce_id");
        }
        String traceparent = attrs.get("traceparent");
        if (traceparent == null) {
            traceparent = h.get("traceparent");
        }
        if (traceparent == null) {
            traceparent = metadataHeader(attrs.get("metadata"), "traceparent");
        }
        return new KServeEvent(kind, id, attrs.getOrDefault("inferenceservicename", ""), attrs.get("namespace"),
                attrs.get("component"), time(attrs.get("time"), record), contentType, data, traceparent);
    }

    /** Whether the body is declared as JSON (or not declared at all). */
    boolean jsonOrUndeclared() {
        if (contentType == null || contentType.isBlank()) {
            return true;
        }
        String t = mediaType(contentType);
        return t.equals("application/json") || t.endsWith("+json") || t.equals("text/json");
    }

    private static Map<String, String> headers(ConsumerRecord<byte[], byte[]> record) {
        Map<String, String> out = new TreeMap<>();
        for (Header header : record.headers()) {
            String key = header.key().toLowerCase(Locale.ROOT);
            if (key.startsWith("ce-")) {
                key = "ce_" + key.substring(3);
            }
            out.put(key, header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    private static JsonNode structuredEnvelope(byte[] value) throws Malformed {
        JsonNode envelope;
        try {
            envelope = value == null ? null : JSON.readTree(value);
        } catch (IOException e) {
            throw new Malformed(DeadLetter.Reason.MALFORMED_JSON, "structured CloudEvent is not JSON");
        }
        if (envelope == null || !envelope.isObject()) {
            throw new Malformed(DeadLetter.Reason.MALFORMED_JSON, "structured CloudEvent is not a JSON object");
        }
        return envelope;
    }

    private static byte[] structuredData(JsonNode envelope) throws Malformed {
        JsonNode b64 = envelope.get("data_base64");
        if (b64 != null && !b64.isNull()) {
            try {
                return Base64.getDecoder().decode(b64.asText());
            } catch (IllegalArgumentException e) {
                throw new Malformed(DeadLetter.Reason.SCHEMA_VIOLATION, "structured CloudEvent: data_base64 is not base64");
            }
        }
        JsonNode data = envelope.get("data");
        if (data == null || data.isNull()) {
            return new byte[0];
        }
        if (data.isTextual()) {
            return data.asText().getBytes(StandardCharsets.UTF_8);
        }
        return data.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static Instant time(String value, ConsumerRecord<byte[], byte[]> record) {
        if (value != null) {
            try {
                return OffsetDateTime.parse(value).toInstant();
            } catch (DateTimeParseException e) {
                // fall back to the record's timestamp
            }
        }
        return Instant.ofEpochMilli(Math.max(0, record.timestamp()));
    }

    /** The first value of a header in {@code ce_metadata} ({@code {"Traceparent":["00-..."]}}), or null. */
    private static String metadataHeader(String metadata, String name) {
        if (metadata == null || metadata.isBlank()) {
            return null;
        }
        try {
            JsonNode m = JSON.readTree(metadata);
            if (m == null || !m.isObject()) {
                return null;
            }
            for (Map.Entry<String, JsonNode> e : m.properties()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    JsonNode v = e.getValue();
                    JsonNode first = v.isArray() ? v.path(0) : v;
                    return first.isTextual() ? first.asText() : null;
                }
            }
        } catch (IOException e) {
            // metadata is informational; a broken one does not make the event unusable
        }
        return null;
    }
}
