package dev.feedloop.contracts.codec;

import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kafka header conventions: CloudEvents 1.0 Kafka protocol binding in <b>binary mode</b> (the record
 * value is the event JSON; attributes travel as {@code ce_*} headers) plus W3C {@code traceparent}.
 *
 * <table>
 *   <caption>Headers on every Feedloop record</caption>
 *   <tr><th>header</th><th>value</th></tr>
 *   <tr><td>{@code ce_specversion}</td><td>{@code 1.0}</td></tr>
 *   <tr><td>{@code ce_id}</td><td>{@link Event#eventId()}</td></tr>
 *   <tr><td>{@code ce_source}</td><td>producer, e.g. {@code /feedloop/tap/serving-pod-7}</td></tr>
 *   <tr><td>{@code ce_type}</td><td>{@link EventType#cloudEventType()}</td></tr>
 *   <tr><td>{@code ce_time}</td><td>{@link Event#eventTime()}, RFC 3339</td></tr>
 *   <tr><td>{@code ce_dataschema}</td><td>{@link EventType#schemaId()}</td></tr>
 *   <tr><td>{@code content-type}</td><td>{@code application/json}</td></tr>
 *   <tr><td>{@code traceparent}</td><td>W3C trace context, when the event belongs to a trace</td></tr>
 * </table>
 *
 * <p>Header values are UTF-8. Kafka types stay out of {@code contracts}: the sidecar turns this map
 * into record headers.
 */
public final class CloudEventHeaders {
    public static final String SPECVERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    public static final String TYPE = "ce_type";
    public static final String TIME = "ce_time";
    public static final String DATASCHEMA = "ce_dataschema";
    public static final String CONTENT_TYPE = "content-type";
    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";

    public static final String SPEC_VERSION_1_0 = "1.0";
    public static final String JSON = "application/json";

    private static final Pattern TRACEPARENT_FORMAT =
            Pattern.compile("^(?!ff)[0-9a-f]{2}-(?!0{32})[0-9a-f]{32}-(?!0{16})[0-9a-f]{16}-[0-9a-f]{2}$");

    private CloudEventHeaders() {}

    /**
     * The headers for one event.
     *
     * @param event the event
     * @param source the producer's CloudEvents source, e.g. {@code /feedloop/tap/pod-7}
     * @param traceparent W3C trace context, or null
     * @return an ordered, mutable map of header name to UTF-8 value
     * @throws IllegalArgumentException if {@code traceparent} is not a valid W3C traceparent
     */
    public static Map<String, String> of(Event event, String source, String traceparent) {
        Objects.requireNonNull(source, "source");
        Map<String, String> h = new LinkedHashMap<>();
        h.put(SPECVERSION, SPEC_VERSION_1_0);
        h.put(ID, event.eventId());
        h.put(SOURCE, source);
        h.put(TYPE, event.type().cloudEventType());
        h.put(TIME, DateTimeFormatter.ISO_INSTANT.format(event.eventTime()));
        h.put(DATASCHEMA, event.type().schemaId());
        h.put(CONTENT_TYPE, JSON);
        if (traceparent != null) {
            if (!isValidTraceparent(traceparent)) {
                throw new IllegalArgumentException("not a W3C traceparent: '" + traceparent + "'");
            }
            h.put(TRACEPARENT, traceparent);
        }
        return h;
    }

    /**
     * True for a syntactically valid W3C {@code traceparent} with non-zero trace and span ids and a
     * version other than the forbidden {@code ff}.
     */
    public static boolean isValidTraceparent(String value) {
        return value != null && TRACEPARENT_FORMAT.matcher(value).matches();
    }

    /** The Feedloop event type named by the {@code ce_type} header, if present and known. */
    public static Optional<EventType> eventType(Map<String, String> headers) {
        String ceType = headers.get(TYPE);
        return ceType == null ? Optional.empty() : EventType.fromCloudEventType(ceType);
    }
}
