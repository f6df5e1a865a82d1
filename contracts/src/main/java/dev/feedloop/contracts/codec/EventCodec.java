package dev.feedloop.contracts.codec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
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
 * <p>Validation streams: the JSON is checked as its tokens go by ({@link JsonSchema#accepts}), and only
 * what that check does not accept is parsed into a tree and validated there, which decides and names
 * the violations. Either way the verdict is the tree's ({@link #validate}).
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
    private final ObjectReader reader;
    private final ObjectWriter writer;
    private final boolean ownRules;

    private EventCodec(EventType type, Class<T> javaType, SchemaRegistry registry) {
        this.type = type;
        this.javaType = javaType;
        this.schema = registry.schema(type.schemaFile());
        this.reader = mapper.readerFor(javaType);
        this.writer = mapper.writerFor(javaType);
        this.ownRules = hasOwnRules(javaType);
    }

    /** Whether the event class overrides {@link Event#inconsistencies()}, i.e. has rules beyond its schema. */
    private static boolean hasOwnRules(Class<? extends Event> javaType) {
        try {
            return javaType.getMethod("inconsistencies").getDeclaringClass() != Event.class;
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(javaType.getName() + " is an Event without inconsistencies()", e);
        }
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
        byte[] json;
        try {
            json = writer.writeValueAsBytes(event);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + type.slug(), e);
        }
        if (!streams(json)) {
            requireValid(mapper.valueToTree(event)); // the tree decides, and names the violations
        }
        requireConsistent(event);
        return json;
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
        if (streams(json)) {
            T event = bind(json);
            requireConsistent(event);
            return event;
        }
        return decodeTree(parse(json));
    }

    /**
     * Parses and validates UTF-8 JSON exactly as {@link #decode(byte[])} does, but binds it only on
     * demand: for a consumer that needs a field or two now and the event later, if ever. Accepts exactly
     * the bytes that {@code decode} accepts and rejects the others with the same exception (for an event
     * type with rules beyond its schema, {@link Event#inconsistencies()}, it binds the event here to check
     * them).
     *
     * @param json the bytes, which the result keeps: <b>do not modify them afterwards</b>
     * @throws EventValidationException if the bytes are not JSON, or the JSON breaks the schema
     */
    public Valid<T> check(byte[] json) {
        if (streams(json)) {
            T event = null;
            if (ownRules) {
                event = bind(json);
                requireConsistent(event);
            }
            return new Valid<>(this, json, event);
        }
        JsonNode tree = parse(json);
        T event = decodeTree(tree); // throws as decode does; else the JSON is valid, but streaming could not tell
        try {
            return new Valid<>(this, mapper.writeValueAsBytes(tree), event); // one value per name, as the tree has it
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + type.slug(), e);
        }
    }

    /**
     * JSON that {@link #check} found valid, with the event bound only on demand. Holds the JSON (and
     * nothing more, unless checking bound the event anyway).
     *
     * @param <E> the event record type
     */
    public static final class Valid<E extends Event> {
        private final EventCodec<E> codec;
        private final byte[] json;
        private final E event;

        private Valid(EventCodec<E> codec, byte[] json, E event) {
            this.codec = codec;
            this.json = json;
            this.event = event;
        }

        /** The value of a top-level string property; null if it is absent, null or not a string. */
        public String text(String property) {
            try (JsonParser p = codec.mapper.createParser(json)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    boolean match = property.equals(p.currentName());
                    JsonToken value = p.nextToken();
                    if (match) {
                        return value == JsonToken.VALUE_STRING ? p.getText() : null;
                    }
                    p.skipChildren();
                }
                return null;
            } catch (IOException e) {
                throw new IllegalStateException("checked JSON does not parse", e);
            }
        }

        /**
         * The event. Binds the JSON on every call (without validating it again), unless checking bound it
         * already: keep the result only as long as needed.
         */
        public E bind() {
            if (event != null) {
                return event;
            }
            E bound = codec.bind(json);
            codec.requireConsistent(bound);
            return bound;
        }
    }

    /** True if the bytes are one JSON value that the schema accepts; false if not, or if the stream cannot tell. */
    private boolean streams(byte[] json) {
        try (JsonParser p = mapper.createParser(json)) {
            return p.nextToken() != null && schema.accepts(p) && p.nextToken() == null;
        } catch (IOException e) {
            return false; // not JSON: parsing it as a tree says where
        }
    }

    private JsonNode parse(byte[] json) {
        try {
            return mapper.readTree(json);
        } catch (IOException e) {
            throw malformed(e);
        }
    }

    /** {@link #decode(byte[])} from a string. */
    public T decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Validates and converts an already parsed document. */
    public T decodeTree(JsonNode tree) {
        requirePresent(tree);
        requireValid(tree);
        T event = bind(tree);
        requireConsistent(event);
        return event;
    }

    private void requirePresent(JsonNode tree) {
        if (tree == null || tree.isMissingNode()) {
            throw new EventValidationException(type, EventValidationException.Problem.MALFORMED_JSON,
                    List.of(new Violation("", "is empty, expected a JSON object")));
        }
    }

    private T bind(JsonNode tree) {
        try {
            return mapper.treeToValue(tree, javaType);
        } catch (JsonProcessingException e) {
            throw doesNotBind(e);
        }
    }

    private T bind(byte[] json) {
        try {
            return reader.readValue(json);
        } catch (IOException e) {
            throw doesNotBind(e);
        }
    }

    /** The schema accepted the JSON, so this is a disagreement between schema and record: a bug. */
    private IllegalStateException doesNotBind(IOException e) {
        String reason = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
        return new IllegalStateException("schema-valid " + type.slug() + " does not bind: " + reason, e);
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
