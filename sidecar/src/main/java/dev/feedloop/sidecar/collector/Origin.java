package dev.feedloop.sidecar.collector;

import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a consumed record came from, with what a dead letter needs to carry: its key, original value
 * and headers.
 *
 * @param tp topic and partition
 * @param offset offset in the partition
 * @param key the key as UTF-8, or null
 * @param value the original value, or null
 * @param headers the original headers as UTF-8
 * @param traceparent the record's valid W3C trace context, if any
 */
record Origin(TopicPartition tp, long offset, String key, byte[] value, Map<String, String> headers,
        Optional<String> traceparent) {
    Origin {
        headers = Map.copyOf(headers);
    }

    /** A dead letter for this record. */
    DeadLetter deadLetter(String id, Instant time, DeadLetter.Reason reason, String detail) {
        boolean truncated = value != null && value.length > DeadLetter.MAX_PAYLOAD_BYTES;
        String payload = value == null ? null
                : Base64.getEncoder().encodeToString(truncated ? Arrays.copyOf(value, DeadLetter.MAX_PAYLOAD_BYTES) : value);
        return new DeadLetter(Event.SCHEMA_VERSION, id, time, tp.topic(), tp.partition(), offset, key, reason, detail,
                List.of(), payload, truncated, headers);
    }
}
