package dev.feedloop.sidecar.kafka;

import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.schema.Violation;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns events into Kafka records (key, validated JSON value, CloudEvents binary-mode headers) and
 * Kafka records back into events — or, when they cannot be decoded, into a {@link DeadLetter} that
 * says why. Decoding never throws for bad input, so a consumer loop never stops on one record.
 */
public final class EventRecords {
    private EventRecords() {}

    /**
     * The producer record for an event.
     *
     * @param topic target topic
     * @param event the event (validated against its schema here)
     * @param source CloudEvents source of this producer, e.g. {@code /feedloop/tap/pod-7}
     * @param traceparent W3C trace context, or null
     * @throws EventValidationException if the event breaks its schema
     */
    public static ProducerRecord<byte[], byte[]> toRecord(String topic, Event event, String source, String traceparent) {
        byte[] value = EventCodec.encodeEvent(event);
        Headers headers = new RecordHeaders();
        CloudEventHeaders.of(event, source, traceparent).forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        return new ProducerRecord<>(topic, null, utf8(event.messageKey()), value, headers);
    }

    /** The outcome of decoding one consumed record. */
    public sealed interface Decoded permits Ok, Dead, Tombstone {}

    /** A valid event. */
    public record Ok(Event event, Optional<String> traceparent) implements Decoded {}

    /** An invalid record, with the dead letter to publish. */
    public record Dead(DeadLetter deadLetter) implements Decoded {}

    /**
     * A record without a value: a deletion marker on a compacted topic (the adapters topic). Not an
     * error; consumers skip it.
     */
    public record Tombstone(String key) implements Decoded {}

    /**
     * Decodes a consumed record. Its type is the {@code ce_type} header; a record without the header
     * (from a producer that does not set it) is decoded as whichever of the topic's {@code expected}
     * types it validates against, and dead-lettered with the first type's violations if none.
     *
     * @param record the consumed record
     * @param expected the event types this topic carries
     * @param clock for the dead letter's time
     */
    public static Decoded decode(ConsumerRecord<byte[], byte[]> record, List<EventType> expected, Clock clock) {
        Map<String, String> headers = headers(record.headers());
        if (record.value() == null) {
            return new Tombstone(record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8));
        }
        List<EventType> candidates = expected;
        String ceType = headers.get(CloudEventHeaders.TYPE);
        if (ceType != null) {
            Optional<EventType> type = CloudEventHeaders.eventType(headers).filter(expected::contains);
            if (type.isEmpty()) {
                return dead(record, headers, DeadLetter.Reason.UNEXPECTED_EVENT_TYPE, "ce_type '" + ceType
                        + "' is not one of " + expected.stream().map(EventType::cloudEventType).toList() + " expected on "
                        + record.topic(), List.of(), clock);
            }
            candidates = List.of(type.get());
        }
        EventValidationException first = null;
        for (EventType type : candidates) {
            try {
                Event event = EventCodec.of(type).decode(record.value());
                return new Ok(event, Optional.ofNullable(headers.get(CloudEventHeaders.TRACEPARENT))
                        .filter(CloudEventHeaders::isValidTraceparent));
            } catch (EventValidationException e) {
                if (first == null) {
                    first = e;
                }
                if (e.problem() == EventValidationException.Problem.MALFORMED_JSON) {
                    break; // not JSON for any type
                }
            }
        }
        DeadLetter.Reason reason = first.problem() == EventValidationException.Problem.MALFORMED_JSON
                ? DeadLetter.Reason.MALFORMED_JSON : DeadLetter.Reason.SCHEMA_VIOLATION;
        return dead(record, headers, reason, first.getMessage(), first.violations(), clock);
    }

    /**
     * The dead letter for a consumed record that a consumer could not handle for its own reasons (not a
     * decoding failure of {@link #decode}): the original key, value (base64, cut at {@link
     * DeadLetter#MAX_PAYLOAD_BYTES}), headers, and where it came from.
     *
     * @param record the consumed record
     * @param reason the reason code
     * @param detail the reason in words
     * @param clock for the dead letter's time
     * @return a schema-valid dead letter
     */
    public static DeadLetter deadLetter(ConsumerRecord<byte[], byte[]> record, DeadLetter.Reason reason, String detail,
            Clock clock) {
        return dead(record, headers(record.headers()), reason, detail, List.of(), clock).deadLetter();
    }

    private static Dead dead(ConsumerRecord<byte[], byte[]> record, Map<String, String> headers, DeadLetter.Reason reason,
            String detail, List<Violation> violations, Clock clock) {
        byte[] value = record.value();
        boolean truncated = value != null && value.length > DeadLetter.MAX_PAYLOAD_BYTES;
        String payload = value == null ? null
                : Base64.getEncoder().encodeToString(truncated ? Arrays.copyOf(value, DeadLetter.MAX_PAYLOAD_BYTES) : value);
        DeadLetter dl = new DeadLetter(Event.SCHEMA_VERSION, UUID.randomUUID().toString(), clock.instant(), record.topic(),
                record.partition(), record.offset(), record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8),
                reason, detail, violations, payload, truncated, headers);
        return new Dead(dl);
    }

    /** Record headers as a map of UTF-8 strings (last value wins). */
    public static Map<String, String> headers(Headers headers) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Header h : headers) {
            out.put(h.key(), h.value() == null ? "" : new String(h.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    private static byte[] utf8(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }
}
