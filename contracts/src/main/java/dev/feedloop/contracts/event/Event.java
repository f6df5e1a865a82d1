package dev.feedloop.contracts.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.feedloop.contracts.schema.Violation;
import java.time.Instant;
import java.util.List;

/**
 * A Feedloop wire event: one record on one of the {@code feedloop.*.v1} topics.
 *
 * <p>Every event carries {@code schema_version}; the JSON Schema named by {@link EventType#schemaFile()}
 * is the single source of truth for its JSON form, and {@code EventCodec} validates against it on
 * both encode and decode.
 */
public sealed interface Event
        permits InferenceRecord, Feedback, PreferencePair, UnpairedExample, AdapterRelease, DeadLetter {

    /** The schema version every event of this release writes. */
    int SCHEMA_VERSION = 1;

    /** The event's schema version (1). */
    int schemaVersion();

    /** Which kind of event this is. */
    @JsonIgnore
    EventType type();

    /** The event's unique id: also the CloudEvents {@code ce_id} and the deduplication key. */
    @JsonIgnore
    String eventId();

    /** When the event happened (CloudEvents {@code ce_time}). */
    @JsonIgnore
    Instant eventTime();

    /** The Kafka message key, which decides the partition (see {@link EventType}). */
    @JsonIgnore
    String messageKey();

    /**
     * Rules a JSON Schema cannot express, such as {@code prompt_hash} matching {@code prompt}; empty
     * when the event is consistent. The codec checks them after the schema.
     */
    @JsonIgnore
    default List<Violation> inconsistencies() {
        return List.of();
    }
}
