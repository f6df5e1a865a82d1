package dev.feedloop.contracts.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.EventType;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link JsonSchema#accepts}, the streaming check, reaches the verdict of {@link JsonSchema#validate}
 * on the tree: on every fixture and mutant of the bundled schemas, and on random documents against
 * schemas that use every keyword, so that each way of checking an object or array is covered.
 */
class SchemaStreamingTest {
    private static final ObjectMapper M = new ObjectMapper();
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<JsonNode> REPLACEMENTS = List.of(
            F.nullNode(), F.textNode(""), F.textNode("x"), F.textNode("2026-11-25T06:42:21Z"), F.numberNode(-1),
            F.numberNode(0), F.numberNode(1), F.numberNode(1.5), F.numberNode(6), F.booleanNode(true),
            F.objectNode(), F.arrayNode(), F.textNode("RATING"), F.textNode("a b"), F.numberNode(2.0),
            F.objectNode().put("text", "t"), F.arrayNode().add(1).add("x"));

    @TempDir
    Path dir;

    /** The streaming verdict; also checks that an accepted value was read to its end and no further. */
    private static boolean streams(JsonSchema schema, JsonNode doc) throws IOException {
        ArrayNode wrapped = F.arrayNode().add(doc).add(42);
        try (JsonParser p = M.createParser(M.writeValueAsBytes(wrapped))) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_ARRAY);
            p.nextToken();
            boolean accepted = schema.accepts(p);
            if (accepted) {
                assertThat(p.nextToken()).as("the token after %s", doc).isEqualTo(JsonToken.VALUE_NUMBER_INT);
            }
            return accepted;
        }
    }

    private static void assertSameVerdict(JsonSchema schema, JsonNode doc, List<String> disagreements) throws IOException {
        boolean tree = schema.validate(doc).isEmpty();
        boolean stream = streams(schema, doc);
        if (tree != stream) {
            disagreements.add(schema.id() + " " + doc + ": tree=" + tree + " stream=" + stream + " " + schema.validate(doc));
        }
    }

    @Test
    void agreesWithTheTreeOnEveryFixtureAndMutant() throws IOException {
        List<String> disagreements = new ArrayList<>();
        int documents = 0;
        for (Fixtures.Valid fixture : Fixtures.valid()) {
            JsonSchema schema = SchemaRegistry.bundled().schema(fixture.type().schemaFile());
            for (String pointer : SchemaCrossCheckTest.pointers(fixture.json(), "")) {
                for (JsonNode replacement : REPLACEMENTS) {
                    JsonNode doc = fixture.json().deepCopy();
                    Fixtures.put(doc, pointer, replacement);
                    assertSameVerdict(schema, doc, disagreements);
                    documents++;
                }
                JsonNode removed = fixture.json().deepCopy();
                Fixtures.remove(removed, pointer);
                assertSameVerdict(schema, removed, disagreements);
                documents++;
            }
            assertSameVerdict(schema, fixture.json(), disagreements);
            assertThat(streams(schema, fixture.json())).as("valid fixture %s streams", fixture).isTrue();
        }
        for (Fixtures.Invalid fixture : Fixtures.invalid()) {
            assertSameVerdict(SchemaRegistry.bundled().schema(fixture.type().schemaFile()), fixture.json(), disagreements);
            documents++;
        }
        assertThat(disagreements).as("disagreements out of %d documents", documents).isEmpty();
        assertThat(documents).isGreaterThan(2500);
    }

    @Test
    void agreesWithTheTreeOnRandomDocumentsForEveryKindOfKeyword() throws IOException {
        Path schemas = Files.createDirectories(dir.resolve("schemas"));
        Files.writeString(schemas.resolve("all.json"), """
                {"$id": "https://feedloop.dev/schemas/all.json", "type": "object",
                 "properties": {
                   "a": {"type": ["integer", "null"], "minimum": 0, "maximum": 5},
                   "b": {"type": "string", "pattern": "^[ab]+$", "minLength": 1, "maxLength": 3},
                   "c": {"type": "array", "items": {"$ref": "#/$defs/leaf"}, "minItems": 1, "maxItems": 3},
                   "d": {"anyOf": [{"$ref": "#/$defs/leaf"}, {"type": "null"}]},
                   "e": {"oneOf": [{"type": "object", "required": ["x"]}, {"type": "array"}]},
                   "f": {"anyOf": [{"type": "object", "required": ["x"]}, {"type": ["object", "array"], "maxItems": 1, "required": ["y"]}]},
                   "g": {"enum": ["x", 1, null]},
                   "h": {"enum": [{"x": 1}, [1]]},
                   "i": {"const": {"x": 1}},
                   "j": {"allOf": [{"type": "object"}, {"required": ["x"]}]},
                   "k": {"not": {"type": "object", "required": ["x"]}},
                   "l": {"type": "array", "uniqueItems": true},
                   "m": {"type": "object", "additionalProperties": {"type": "integer"}, "minProperties": 1},
                   "n": {"if": {"required": ["x"]}, "then": {"required": ["y"]}, "else": {"minProperties": 2}},
                   "o": false,
                   "p": true,
                   "q": {"$ref": "#/$defs/node"},
                   "r": {"type": "object", "properties": {"x": {"type": "integer"}}, "anyOf": [{"required": ["x"]}, {"required": ["y"]}]},
                   "s": {"type": ["object", "array"], "items": {"type": "integer"}, "required": ["x"]},
                   "t": {"const": 2},
                   "u": {"anyOf": [{"type": "integer", "minimum": 3}, {"type": "string", "minLength": 2}]}
                 },
                 "required": ["a"],
                 "oneOf": [{"required": ["b"]}, {"required": ["c"]}],
                 "additionalProperties": false,
                 "$defs": {
                   "leaf": {"type": "object", "properties": {"x": {"type": "integer"}, "y": {"type": "string"}},
                            "required": ["x"], "additionalProperties": false},
                   "node": {"type": "object", "properties": {"v": {"type": "integer"},
                            "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "additionalProperties": false}
                 }}""");
        JsonSchema schema = new SchemaRegistry(new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)).schema("all.json");
        Map<String, List<String>> candidates = Map.ofEntries(
                Map.entry("a", List.of("0", "3", "null", "7", "-1", "\"x\"", "2.0")),
                Map.entry("b", List.of("\"a\"", "\"ab\"", "\"abc\"", "\"\"", "\"aaaa\"")),
                Map.entry("c", List.of("[{\"x\":1}]", "[{\"x\":1},{\"x\":2,\"y\":\"s\"}]", "[]", "[{\"y\":\"s\"}]",
                        "[{\"x\":1,\"z\":1}]", "[1]", "{\"x\":1}")),
                Map.entry("d", List.of("{\"x\":1}", "null", "{\"x\":\"1\"}", "1", "[]", "{\"x\":1,\"y\":\"a\"}")),
                Map.entry("e", List.of("{\"x\":1}", "{}", "[]", "[1,2]", "\"s\"", "null")),
                Map.entry("f", List.of("{\"x\":1}", "{\"y\":1}", "{}", "[]", "[1]", "[1,2]", "1")),
                Map.entry("g", List.of("\"x\"", "1", "null", "\"y\"", "{}", "[]")),
                Map.entry("h", List.of("{\"x\":1}", "[1]", "{\"x\":2}", "[1,2]", "1")),
                Map.entry("i", List.of("{\"x\":1}", "{\"x\":1.0}", "{\"x\":2}", "1")),
                Map.entry("j", List.of("{\"x\":1}", "{}", "[]", "1")),
                Map.entry("k", List.of("{\"x\":1}", "{}", "[]", "1", "{\"y\":1}")),
                Map.entry("l", List.of("[1,2]", "[1,1]", "[]", "[{\"a\":1},{\"a\":1}]", "[{\"a\":1},{\"a\":2}]", "\"s\"")),
                Map.entry("m", List.of("{\"a\":1}", "{}", "{\"a\":1,\"b\":2}", "{\"a\":\"x\"}", "[]", "1")),
                Map.entry("n", List.of("{\"x\":1,\"y\":2}", "{\"x\":1}", "{\"a\":1,\"b\":2}", "{\"a\":1}", "1")),
                Map.entry("o", List.of("1", "null", "{}")),
                Map.entry("p", List.of("1", "{\"x\":[1,{}]}", "[null]")),
                Map.entry("q", List.of("{\"v\":1,\"kids\":[{\"v\":2},{\"kids\":[]}]}", "{\"v\":\"x\"}",
                        "{\"kids\":[{\"v\":\"y\"}]}", "{\"w\":1}", "{}", "null")),
                Map.entry("r", List.of("{\"x\":1}", "{\"y\":1}", "{}", "{\"x\":\"a\"}", "{\"x\":1,\"y\":2}", "[]")),
                Map.entry("s", List.of("{\"x\":1}", "{}", "[1,2]", "[\"a\"]", "[]", "1")),
                Map.entry("t", List.of("2", "2.0", "3", "\"2\"")),
                Map.entry("u", List.of("5", "\"ab\"", "5.0", "2.5", "1", "\"a\"", "null", "[]")),
                Map.entry("zz", List.of("1")));
        Random random = new Random(20261125);
        List<String> disagreements = new ArrayList<>();
        int valid = 0;
        for (int i = 0; i < 20_000; i++) {
            // mostly valid: a and b or c right, and one or two other properties, each valid or not
            ObjectNode doc = F.objectNode();
            List<String> names = new ArrayList<>(List.of("a", random.nextBoolean() ? "b" : "c"));
            for (int k = random.nextInt(3); k > 0; k--) {
                names.add(List.copyOf(candidates.keySet()).get(random.nextInt(candidates.size())));
            }
            for (String name : names) {
                List<String> values = candidates.get(name);
                doc.set(name, random.nextInt(6) == 0 ? value(random, 3)
                        : M.readTree(values.get(random.nextInt(4) == 0 ? random.nextInt(values.size()) : 0)));
            }
            if (random.nextInt(10) == 0) {
                doc.remove(List.of("a", "b", "c").get(random.nextInt(3)));
            }
            boolean tree = schema.validate(doc).isEmpty();
            valid += tree ? 1 : 0;
            assertSameVerdict(schema, doc, disagreements);
        }
        assertThat(disagreements).isEmpty();
        assertThat(valid).as("valid documents among the random ones").isGreaterThan(5000);
    }

    @Test
    void leavesARepeatedPropertyNameToTheTree() throws IOException {
        JsonSchema inference = SchemaRegistry.bundled().schema(EventType.INFERENCE_RECORD.schemaFile());
        ObjectNode record = (ObjectNode) Fixtures.valid().stream().filter(v -> v.type() == EventType.INFERENCE_RECORD)
                .findFirst().orElseThrow().json().deepCopy();
        record.putObject("redactions").put("EMAIL", 1);
        String valid = M.writeValueAsString(record);
        String tenant = "\"tenant\":\"" + record.get("tenant").textValue() + "\"";
        for (String json : List.of(valid.replace("\"redactions\":{\"EMAIL\":1}", "\"redactions\":{\"EMAIL\":1,\"EMAIL\":2}"),
                valid.replace(tenant, "\"tenant\":\"Not A Tenant\"," + tenant))) {
            assertThat(json).isNotEqualTo(valid);
            try (JsonParser p = M.createParser(json)) {
                p.nextToken();
                assertThat(inference.accepts(p)).as(json).isFalse();
            }
            assertThat(inference.validate(M.readTree(json))).as("the tree keeps the last value").isEmpty();
        }
        // where a value is read as a tree anyway (here the whole feedback, for its if/then rules) the tree decides
        JsonSchema feedback = SchemaRegistry.bundled().schema(EventType.FEEDBACK.schemaFile());
        String json = "{\"schema_version\":1,\"feedback_id\":\"f\",\"inference_id\":\"i\",\"tenant\":\"Bad Tenant\","
                + "\"tenant\":\"default\",\"time\":\"2026-11-25T06:00:00Z\",\"kind\":\"THUMBS_UP\"}";
        try (JsonParser p = M.createParser(json)) {
            p.nextToken();
            assertThat(feedback.accepts(p)).isEqualTo(feedback.validate(M.readTree(json)).isEmpty()).isTrue();
        }
    }

    private static JsonNode value(Random random, int depth) {
        int kind = random.nextInt(depth <= 0 ? 8 : 11);
        return switch (kind) {
            case 0 -> F.nullNode();
            case 1 -> F.booleanNode(random.nextBoolean());
            case 2 -> F.numberNode(random.nextInt(9) - 2);
            case 3 -> F.numberNode(random.nextInt(9) - 2 + (random.nextBoolean() ? 0.5 : 0.0));
            case 4 -> F.textNode(List.of("", "a", "ab", "aba", "abab", "x", "1").get(random.nextInt(7)));
            case 5 -> F.numberNode(random.nextInt(3));
            case 6 -> F.textNode("b");
            case 7 -> F.numberNode(1L << 40);
            default -> {
                if (random.nextBoolean()) {
                    ArrayNode a = F.arrayNode();
                    for (int i = random.nextInt(4); i > 0; i--) {
                        a.add(value(random, depth - 1));
                    }
                    yield a;
                }
                ObjectNode o = F.objectNode();
                for (int i = random.nextInt(4); i > 0; i--) {
                    o.set(List.of("x", "y", "v", "kids", "w").get(random.nextInt(5)), value(random, depth - 1));
                }
                yield o;
            }
        };
    }
}
