package dev.feedloop.contracts.codec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.schema.JsonSchema;
import dev.feedloop.contracts.schema.SchemaRegistry;
import dev.feedloop.contracts.schema.Violation;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes events to JSON bytes and decodes them back, validating against the event's JSON Schema in
 * both directions: a producer can never publish an event its consumers would reject, and a consumer
 * never sees an invalid one.
 *
 * <p>Immutable and thread-safe; get one with {@link #of(Class)} or {@link #of(EventType)}.
 *
 * <pre>{@code
 * EventCodec<Feedback> codec = EventCodec.of(Feedback.class);
 * byte[] bytes = codec.encode(feedback);      // throws EventValidationException naming the field
 * Feedback back = codec.decode(bytes);        // likewise
 * }</pre>
 *
 * @param <T> the event record type
 */
public final class EventCodec<T extends Event> {
    private static final Map<EventType, EventCodec<?>> CODECS = new EnumMap<>(EventType.class);

    static {
        for (EventType t : EventType.values()) {
            CODECS.put(t, new EventCodec<>(t, t.javaType(), SchemaRegistry.bundled()));
        }
    }

    private final EventType type;
    private final Class<T> javaType;
    private final JsonSchema schema;
    private final ObjectMapper mapper = Json.mapper();

    private EventCodec(EventType type, Class<T> javaType, SchemaRegistry registry) {
        this.type = type;
        this.javaType = javaType;
        this.schema = registry.schema(type.schemaFile());
    }

    /** The codec for an event record class. */
    @SuppressWarnings("unchecked")
    public static <T extends Event> EventCodec<T> of(Class<T> javaType) {
        return (EventCodec<T>) CODECS.get(EventType.of(javaType));
    }

    /** The codec for an event type. */
    public static EventCodec<? extends Event> of(EventType type) {
        return CODECS.get(type);
    }

    /**
     * Encodes any event with the codec of its own type.
     *
     * @throws EventValidationException if the event does not satisfy its schema
     */
    public static byte[] encodeEvent(Event event) {
        return encodeWith(of(event.type()), event);
    }

    @SuppressWarnings("unchecked")
    private static <T extends Event> byte[] encodeWith(EventCodec<T> codec, Event event) {
        return codec.encode((T) event);
    }

    /** The event type this codec handles. */
    public EventType type() {
        return type;
    }

    /** The compiled schema this codec validates against. */
    public JsonSchema schema() {
        return schema;
    }

    /**
     * Serialises an event to UTF-8 JSON after validating it.
     *
     * @throws EventValidationException if the event does not satisfy its schema
     */
    public byte[] encode(T event) {
        JsonNode tree = mapper.valueToTree(event);
        requireValid(tree);
        requireConsistent(event);
        try {
            return mapper.writeValueAsBytes(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + type.slug(), e);
        }
    }

    /** {@link #encode} as a string. */
    public String encodeToString(T event) {
        return new String(encode(event), StandardCharsets.UTF_8);
    }

    /**
     * Parses and validates UTF-8 JSON.
     *
     * @throws EventValidationException if the bytes are not JSON, or the JSON breaks the schema
     */
    public T decode(byte[] json) {
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (IOException e) {
            throw malformed(e);
        }
        return decodeTree(tree);
    }

    /** {@link #decode(byte[])} from a string. */
    public T decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Validates and converts an already parsed document. */
    public T decodeTree(JsonNode tree) {
        if (tree == null || tree.isMissingNode()) {
            throw new EventValidationException(type, EventValidationException.Problem.MALFORMED_JSON,
                    List.of(new Violation("", "is empty, expected a JSON object")));
        }
        requireValid(tree);
        T event;
        try {
            event = mapper.treeToValue(tree, javaType);
        } catch (JsonProcessingException e) {
            // The schema accepted it, so this is a disagreement between schema and record: a bug.
            throw new IllegalStateException("schema-valid " + type.slug() + " does not bind: " + e.getOriginalMessage(), e);
        }
        requireConsistent(event);
        return event;
    }

    /** The violations of a parsed document, without converting it. */
    public List<Violation> validate(JsonNode tree) {
        return schema.validate(tree);
    }

    private void requireValid(JsonNode tree) {
        List<Violation> violations = schema.validate(tree);
        if (!violations.isEmpty()) {
            throw new EventValidationException(type, EventValidationException.Problem.SCHEMA_VIOLATION, violations);
        }
    }

    private void requireConsistent(Event event) {
        List<Violation> violations = event.inconsistencies();
        if (!violations.isEmpty()) {
            throw new EventValidationException(type, EventValidationException.Problem.SCHEMA_VIOLATION, violations);
        }
    }

    private EventValidationException malformed(IOException e) {
        String where = "";
        if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
            where = " at line " + jpe.getLocation().getLineNr() + ", column " + jpe.getLocation().getColumnNr();
        }
        String reason = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        return new EventValidationException(type, EventValidationException.Problem.MALFORMED_JSON,
                List.of(new Violation("", "malformed JSON" + where + ": " + firstLine(reason))));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        int noise = line.indexOf(" (start marker at");
        return noise < 0 ? line : line.substring(0, noise);
    }
}
