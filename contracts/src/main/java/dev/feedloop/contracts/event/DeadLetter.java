package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.feedloop.contracts.schema.Violation;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A record that could not be handled, with the reason and its original bytes. Schema: {@code
 * dead-letter.v1.json}.
 *
 * @param schemaVersion always {@link Event#SCHEMA_VERSION}
 * @param deadLetterId unique id
 * @param time when it was dead-lettered
 * @param sourceTopic where the record came from (a topic, or e.g. {@code http:/v1/feedback})
 * @param sourcePartition its partition, -1 if not from Kafka
 * @param sourceOffset its offset, -1 if not from Kafka
 * @param key its key as UTF-8, if any
 * @param reason the reason code
 * @param detail the reason in words
 * @param violations schema violations, for {@link Reason#SCHEMA_VIOLATION}
 * @param payloadBase64 the original value, base64, cut at {@link #MAX_PAYLOAD_BYTES}
 * @param payloadTruncated whether the payload was cut
 * @param headers the original headers, as UTF-8
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record DeadLetter(
        int schemaVersion,
        String deadLetterId,
        Instant time,
        String sourceTopic,
        int sourcePartition,
        long sourceOffset,
        String key,
        Reason reason,
        String detail,
        List<Violation> violations,
        String payloadBase64,
        Boolean payloadTruncated,
        Map<String, String> headers)
        implements Event {

    /** Payloads longer than this are cut, so that a dead letter always fits in a Kafka record. */
    public static final int MAX_PAYLOAD_BYTES = 256 * 1024;

    public DeadLetter {
        violations = Collections2.list(violations);
        headers = Collections2.map(headers);
    }

    @Override
    public EventType type() {
        return EventType.DEAD_LETTER;
    }

    @Override
    public String eventId() {
        return deadLetterId;
    }

    @Override
    public Instant eventTime() {
        return time;
    }

    @Override
    public String messageKey() {
        return key != null ? key : deadLetterId;
    }

    /** Why a record was dead-lettered. */
    public enum Reason {
        /** Not parseable as JSON. */
        MALFORMED_JSON,
        /** JSON, but not valid against its schema. */
        SCHEMA_VIOLATION,
        /** The {@code ce_type} header names an event type that does not belong on this topic. */
        UNEXPECTED_EVENT_TYPE,
        /** Feedback whose inference record never arrived within the join window. */
        ORPHAN_FEEDBACK,
        /** Valid, but handling it failed. */
        PROCESSING_ERROR
    }
}
