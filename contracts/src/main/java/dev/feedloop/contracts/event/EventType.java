package dev.feedloop.contracts.event;

import dev.feedloop.contracts.schema.SchemaRegistry;
import java.util.Optional;

/**
 * The kinds of wire event, with their schema, default topic, CloudEvents type and key rule.
 *
 * <table>
 *   <caption>Events, topics and keys</caption>
 *   <tr><th>type</th><th>default topic</th><th>message key</th></tr>
 *   <tr><td>INFERENCE_RECORD</td><td>feedloop.inference.v1</td><td>inference_id</td></tr>
 *   <tr><td>FEEDBACK</td><td>feedloop.feedback.v1</td><td>inference_id (co-partitioned with its inference)</td></tr>
 *   <tr><td>PREFERENCE_PAIR</td><td>feedloop.preferences.v1</td><td>prompt_hash</td></tr>
 *   <tr><td>UNPAIRED_EXAMPLE</td><td>feedloop.preferences.v1</td><td>prompt_hash</td></tr>
 *   <tr><td>ADAPTER_RELEASE</td><td>feedloop.adapters.v1 (compacted)</td><td>&lt;name&gt;-v&lt;version&gt;</td></tr>
 *   <tr><td>DEAD_LETTER</td><td>feedloop.deadletter.v1</td><td>the original key, else dead_letter_id</td></tr>
 * </table>
 */
public enum EventType {
    INFERENCE_RECORD("inference-record", InferenceRecord.class, Topics.INFERENCE),
    FEEDBACK("feedback", Feedback.class, Topics.FEEDBACK),
    PREFERENCE_PAIR("preference-pair", PreferencePair.class, Topics.PREFERENCES),
    UNPAIRED_EXAMPLE("unpaired-example", UnpairedExample.class, Topics.PREFERENCES),
    ADAPTER_RELEASE("adapter-release", AdapterRelease.class, Topics.ADAPTERS),
    DEAD_LETTER("dead-letter", DeadLetter.class, Topics.DEAD_LETTER);

    private final String slug;
    private final Class<? extends Event> javaType;
    private final String defaultTopic;

    EventType(String slug, Class<? extends Event> javaType, String defaultTopic) {
        this.slug = slug;
        this.javaType = javaType;
        this.defaultTopic = defaultTopic;
    }

    /** Short name, e.g. {@code inference-record}. */
    public String slug() {
        return slug;
    }

    /** The record class of this event. */
    public Class<? extends Event> javaType() {
        return javaType;
    }

    /** Default topic name; deployments may rename topics in config. */
    public String defaultTopic() {
        return defaultTopic;
    }

    /** Schema resource under {@code schemas/}, e.g. {@code inference-record.v1.json}. */
    public String schemaFile() {
        return slug + ".v" + Event.SCHEMA_VERSION + ".json";
    }

    /** The schema's {@code $id}, sent as the CloudEvents {@code ce_dataschema} header. */
    public String schemaId() {
        return SchemaRegistry.BASE_URI + schemaFile();
    }

    /** CloudEvents {@code ce_type}, e.g. {@code dev.feedloop.inference-record.v1}. */
    public String cloudEventType() {
        return "dev.feedloop." + slug + ".v" + Event.SCHEMA_VERSION;
    }

    /** The event type for a CloudEvents {@code ce_type}, if it is one of ours. */
    public static Optional<EventType> fromCloudEventType(String ceType) {
        for (EventType t : values()) {
            if (t.cloudEventType().equals(ceType)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The event type of a record class. */
    public static EventType of(Class<? extends Event> javaType) {
        for (EventType t : values()) {
            if (t.javaType == javaType) {
                return t;
            }
        }
        throw new IllegalArgumentException("not a Feedloop event class: " + javaType.getName());
    }
}
