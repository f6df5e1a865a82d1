package dev.feedloop.contracts.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.EventType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The committed JSON fixtures: {@code fixtures/<event>/valid-*.json} and {@code invalid.json}, a list of
 * mutations of a valid fixture ({@code set} pointer → value, {@code remove} pointers) with the JSON
 * Pointer ({@code expect}) at which a violation must be reported, and optionally a message fragment.
 * A {@code set} value {@code {"$repeat": "x", "$times": N}} stands for a string of N copies.
 */
public final class Fixtures {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Fixtures() {}

    /** A valid fixture document. */
    public record Valid(EventType type, String file, JsonNode json) {
        @Override
        public String toString() {
            return type.slug() + "/" + file;
        }
    }

    /** A malformed fixture and the violation it must produce. */
    public record Invalid(EventType type, String name, JsonNode json, String expectPath, String expectMessage) {
        @Override
        public String toString() {
            return type.slug() + ": " + name;
        }
    }

    public static List<Valid> valid() {
        List<Valid> out = new ArrayList<>();
        for (EventType t : EventType.values()) {
            try (Stream<Path> files = Files.list(dir(t))) {
                files.map(p -> p.getFileName().toString()).filter(f -> f.startsWith("valid-")).sorted()
                        .forEach(f -> out.add(new Valid(t, f, read(t, f))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    public static List<Invalid> invalid() {
        List<Invalid> out = new ArrayList<>();
        for (EventType t : EventType.values()) {
            for (JsonNode c : read(t, "invalid.json")) {
                JsonNode doc = read(t, c.get("base").asText()).deepCopy();
                for (Map.Entry<String, JsonNode> set : c.path("set").properties()) {
                    put(doc, set.getKey(), expand(set.getValue()));
                }
                for (JsonNode remove : c.path("remove")) {
                    remove(doc, remove.asText());
                }
                out.add(new Invalid(t, c.get("name").asText(), doc, c.get("expect").asText(),
                        c.has("message") ? c.get("message").asText() : null));
            }
        }
        return out;
    }

    public static JsonNode read(EventType t, String file) {
        try (InputStream in = Files.newInputStream(dir(t).resolve(file))) {
            return MAPPER.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path dir(EventType t) {
        URL url = Fixtures.class.getClassLoader().getResource("fixtures/" + t.slug());
        if (url == null) {
            throw new IllegalStateException("no fixtures for " + t.slug());
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode expand(JsonNode v) {
        if (v.isObject() && v.has("$repeat")) {
            return JsonNodeFactory.instance.textNode(v.get("$repeat").asText().repeat(v.get("$times").asInt()));
        }
        return v;
    }

    /** Sets the value at a JSON Pointer, creating the last property or replacing an array element. */
    public static void put(JsonNode doc, String pointer, JsonNode value) {
        int cut = pointer.lastIndexOf('/');
        JsonNode parent = doc.at(pointer.substring(0, cut));
        String last = pointer.substring(cut + 1);
        if (parent instanceof ObjectNode o) {
            o.set(last, value);
        } else if (parent instanceof ArrayNode a) {
            a.set(Integer.parseInt(last), value);
        } else {
            throw new IllegalArgumentException("no container at " + pointer);
        }
    }

    /** Removes the value at a JSON Pointer. */
    public static void remove(JsonNode doc, String pointer) {
        int cut = pointer.lastIndexOf('/');
        JsonNode parent = doc.at(pointer.substring(0, cut));
        String last = pointer.substring(cut + 1);
        if (parent instanceof ObjectNode o) {
            if (o.remove(last) == null) {
                throw new IllegalArgumentException("nothing to remove at " + pointer);
            }
        } else if (parent instanceof ArrayNode a) {
            a.remove(Integer.parseInt(last));
        } else {
            throw new IllegalArgumentException("no container at " + pointer);
        }
    }
}
