package dev.feedloop.contracts.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SchemaRegistryTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path dir;

    private SchemaRegistry registryWith(String file, String json) throws IOException {
        Path schemas = Files.createDirectories(dir.resolve("schemas"));
        Files.writeString(schemas.resolve(file), json);
        return new SchemaRegistry(new URLClassLoader(new URL[] {dir.toUri().toURL()}, null));
    }

    private static JsonNode json(String s) throws IOException {
        return M.readTree(s);
    }

    @Test
    void refusesUnsupportedKeyword() throws IOException {
        SchemaRegistry r = registryWith("x.json", """
                {"$id": "https://feedloop.dev/schemas/x.json", "type": "object", "patternProperties": {"^a": {}}}""");
        assertThatThrownBy(() -> r.schema("x.json")).isInstanceOf(SchemaException.class)
                .hasMessageContaining("unsupported JSON Schema keyword 'patternProperties'");
    }

    @Test
    void refusesUnsupportedFormat() throws IOException {
        SchemaRegistry r = registryWith("x.json", """
                {"$id": "https://feedloop.dev/schemas/x.json", "type": "string", "format": "email"}""");
        assertThatThrownBy(() -> r.schema("x.json")).isInstanceOf(SchemaException.class)
                .hasMessageContaining("unsupported format 'email'");
    }

    @Test
    void brokenRefFailsAtLoadNotAtValidation() throws IOException {
        SchemaRegistry r = registryWith("x.json", """
                {"$id": "https://feedloop.dev/schemas/x.json", "properties": {"a": {"$ref": "#/$defs/missing"}}}""");
        assertThatThrownBy(() -> r.schema("x.json")).isInstanceOf(SchemaException.class)
                .hasMessageContaining("does not resolve");
    }

    @Test
    void idMustMatchFileName() throws IOException {
        SchemaRegistry r = registryWith("x.json", """
                {"$id": "https://feedloop.dev/schemas/y.json"}""");
        assertThatThrownBy(() -> r.schema("x.json")).isInstanceOf(SchemaException.class)
                .hasMessageContaining("must declare");
    }

    @Test
    void recursiveRefsValidate() throws IOException {
        SchemaRegistry r = registryWith("tree.json", """
                {"$id": "https://feedloop.dev/schemas/tree.json", "$ref": "#/$defs/node",
                 "$defs": {"node": {"type": "object", "properties": {"v": {"type": "integer"},
                   "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}, "additionalProperties": false}}}""");
        JsonSchema s = r.schema("tree.json");
        assertThat(s.validate(json("{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":3}]}]}"))).isEmpty();
        assertThat(s.validate(json("{\"v\":1,\"kids\":[{\"v\":2,\"kids\":[{\"v\":\"3\"}]}]}")))
                .containsExactly(new Violation("/kids/0/kids/0/v", "must be of type integer, got string \"3\""));
    }

    @Test
    void messagesNameValueAndRule() throws IOException {
        SchemaRegistry r = SchemaRegistry.bundled();
        JsonSchema feedback = r.schema("feedback.v1.json");
        List<Violation> v = feedback.validate(json("""
                {"schema_version":1,"feedback_id":"f","inference_id":"i","tenant":"default",
                 "time":"2026-11-25T06:00:00Z","kind":"RATING","rating":7,"extra":true}"""));
        assertThat(v).containsExactly(
                new Violation("/rating", "must be <= 5, got 7"),
                new Violation("/extra", "is not a known property (known: schema_version, feedback_id, inference_id, tenant, time, kind, rating, choice_index, edited_text, related_inference_id, comment, user_id)"));
        List<Violation> missing = feedback.validate(json("""
                {"schema_version":1,"feedback_id":"f","inference_id":"i","tenant":"default",
                 "time":"2026-11-25T06:00:00Z","kind":"RATING"}"""));
        assertThat(missing).containsExactly(new Violation("/rating", "is required (because kind is RATING)"));
    }

    @Test
    void nullableRefReportsTheInnerProblem() throws IOException {
        JsonSchema pair = SchemaRegistry.bundled().schema("preference-pair.v1.json");
        JsonNode doc = json("""
                {"schema_version":1,"pair_id":"p","tenant":"default","time":"2026-11-25T06:00:00Z","alias":"a",
                 "prompt":{"text":"t"},"prompt_hash":"0000000000000000000000000000000000000000000000000000000000000000",
                 "chosen":{"text":"a","policy_version":0},"rejected":{"text":"b","policy_version":0,"inference_id":"bad id"},
                 "source":"USER_EDIT"}""");
        assertThat(pair.validate(doc)).containsExactly(
                new Violation("/rejected/inference_id", "must match pattern ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$, got \"bad id\""));
    }

    @Test
    void oneOfOverRequiredReadsAsExactlyOneProperty() throws IOException {
        JsonSchema common = SchemaRegistry.bundled().schema("preference-pair.v1.json");
        JsonNode doc = json("""
                {"schema_version":1,"pair_id":"p","tenant":"default","time":"2026-11-25T06:00:00Z","alias":"a",
                 "prompt":{"token_ids":[1]},"prompt_hash":"0000000000000000000000000000000000000000000000000000000000000000",
                 "chosen":{"text":"a","policy_version":0},"rejected":{"text":"b","policy_version":0},"source":"USER_EDIT"}""");
        assertThat(common.validate(doc)).containsExactly(
                new Violation("/prompt", "must have exactly one of 'messages', 'text' (none present)"));
    }

    @Test
    void integersMayBeWrittenWithAZeroFraction() throws IOException {
        JsonSchema s = SchemaRegistry.bundled().schema("feedback.v1.json");
        JsonNode doc = json("""
                {"schema_version":1.0,"feedback_id":"f","inference_id":"i","tenant":"default",
                 "time":"2026-11-25T06:00:00Z","kind":"CHOICE","choice_index":2.0}""");
        assertThat(s.validate(doc)).isEmpty();
    }

    @Test
    void dateTimeFollowsRfc3339() {
        assertThat(SchemaRegistry.isDateTime("2026-11-25T06:42:21Z")).isTrue();
        assertThat(SchemaRegistry.isDateTime("2026-11-25t06:42:21.123456789+05:30")).isTrue();
        assertThat(SchemaRegistry.isDateTime("2026-11-25 06:42:21Z")).isFalse();
        assertThat(SchemaRegistry.isDateTime("2026-02-30T06:42:21Z")).isFalse();
        assertThat(SchemaRegistry.isDateTime("2026-11-25T06:42:21")).isFalse();
        assertThat(SchemaRegistry.isDateTime("2026-11-25T24:00:00Z")).isFalse();
    }

    /** The hand-written check agrees with a regex plus java.time on valid stamps and on thousands of mutants of them. */
    @Test
    void dateTimeAgreesWithJavaTimeOnMutants() {
        java.util.regex.Pattern shape = java.util.regex.Pattern.compile(
                "^\\d{4}-\\d{2}-\\d{2}[Tt]\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?([Zz]|[+-]\\d{2}:\\d{2})$");
        java.util.function.Predicate<String> reference = s -> {
            if (!shape.matcher(s).matches()) {
                return false;
            }
            try {
                java.time.OffsetDateTime.parse(s.toUpperCase(java.util.Locale.ROOT), java.time.format.DateTimeFormatter.ISO_OFFSET_DATE_TIME);
                return true;
            } catch (java.time.format.DateTimeParseException e) {
                return false;
            }
        };
        String[] seeds = {"2026-11-25T06:42:21Z", "2024-02-29T23:59:59.5+18:00", "1999-12-31t00:00:00-05:30", "2026-01-01T12:00:00.000001z",
            "2025-02-28T10:10:10-18:00", "2026-06-30T07:08:09.123+00:00"};
        String alphabet = "0123456789:-+.TtZz 9";
        java.util.Random rnd = new java.util.Random(7);
        int valid = 0;
        int checked = 0;
        for (String seed : seeds) {
            assertThat(SchemaRegistry.isDateTime(seed)).as(seed).isEqualTo(reference.test(seed)).isTrue();
            for (int k = 0; k < 3000; k++) {
                StringBuilder b = new StringBuilder(seed);
                int edits = 1 + rnd.nextInt(2);
                for (int e = 0; e < edits; e++) {
                    int at = rnd.nextInt(b.length());
                    switch (rnd.nextInt(3)) {
                        case 0 -> b.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                        case 1 -> b.deleteCharAt(at);
                        default -> b.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
                    }
                    if (b.length() == 0) {
                        b.append('0');
                    }
                }
                String m = b.toString();
                boolean expected = reference.test(m);
                assertThat(SchemaRegistry.isDateTime(m)).as(m).isEqualTo(expected);
                valid += expected ? 1 : 0;
                checked++;
            }
        }
        assertThat(checked).isEqualTo(18_000);
        assertThat(valid).as("mutants that are still valid stamps").isGreaterThan(500);
    }
}
