package dev.feedloop.contracts.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bounds and {@code const} compare integral and double values without {@link BigDecimal} when that
 * is exact; the verdicts must be those of comparing the values' decimal forms, for every kind of
 * number node Jackson produces.
 */
class SchemaNumbersTest {
    private static final ObjectMapper DOUBLES = new ObjectMapper();
    private static final ObjectMapper DECIMALS = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final List<String> BOUNDS = List.of("0", "1", "5", "-3", "100", "599", "0.5", "-0.25", "1e2", "5.0",
            "9007199254740992", "9007199254740993", "-9007199254740993", "1e30");
    private static final List<String> VALUES = List.of("0", "-0", "0.0", "-0.0", "1", "-1", "5", "5.0", "4.999999999999999",
            "5.000000000000001", "0.5", "0.49999999999999994", "-0.25", "-3", "-3.0000000001", "100", "99.99", "1e2",
            "599", "600", "1e-320", "-1e-320", "1e300", "-1e300", "9007199254740992", "9007199254740993",
            "9007199254740993.0", "-9007199254740993", "123456789012345678901234567890", "1e30", "1.0e30", "4.9e-324");

    @TempDir
    Path dir;

    private JsonSchema schema(String keyword, String bound) throws IOException {
        Path schemas = Files.createDirectories(dir.resolve("schemas"));
        String file = "n" + Math.abs((keyword + bound).hashCode()) + ".json";
        Files.writeString(schemas.resolve(file), "{\"$id\": \"https://feedloop.dev/schemas/" + file + "\", \"" + keyword + "\": "
                + bound + "}");
        return new SchemaRegistry(new URLClassLoader(new URL[] {dir.toUri().toURL()}, null)).schema(file);
    }

    @Test
    void boundsAgreeWithDecimalComparison() throws IOException {
        for (String keyword : List.of("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")) {
            for (String b : BOUNDS) {
                JsonSchema s = schema(keyword, b);
                BigDecimal bound = new BigDecimal(b);
                for (ObjectMapper m : List.of(DOUBLES, DECIMALS)) {
                    for (String v : VALUES) {
                        JsonNode value = m.readTree(v);
                        int c = value.decimalValue().compareTo(bound);
                        boolean expected = switch (keyword) {
                            case "minimum" -> c >= 0;
                            case "maximum" -> c <= 0;
                            case "exclusiveMinimum" -> c > 0;
                            default -> c < 0;
                        };
                        assertThat(s.validate(value).isEmpty()).as("%s %s %s (%s)", v, keyword, b, value.getClass().getSimpleName())
                                .isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void constComparesNumbersByValue() throws IOException {
        for (String b : List.of("1", "0", "-7", "9007199254740993", "1.5")) {
            JsonSchema s = schema("const", b);
            for (ObjectMapper m : List.of(DOUBLES, DECIMALS)) {
                for (String v : VALUES) {
                    JsonNode value = m.readTree(v);
                    boolean expected = value.decimalValue().compareTo(new BigDecimal(b)) == 0;
                    assertThat(s.validate(value).isEmpty()).as("%s const %s", v, b).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void typeIntegerAcceptsIntegralNumbersInAnyNotation() throws IOException {
        JsonSchema s = schema("type", "\"integer\"");
        for (String v : List.of("1", "1.0", "-0.0", "1e2", "123456789012345678901234567890")) {
            assertThat(s.validate(DOUBLES.readTree(v))).as(v).isEmpty();
            assertThat(s.validate(DECIMALS.readTree(v))).as(v).isEmpty();
        }
        for (String v : List.of("1.5", "\"1\"", "true", "null", "[]", "{}")) {
            assertThat(s.validate(DOUBLES.readTree(v))).as(v).singleElement()
                    .satisfies(x -> assertThat(x.message()).startsWith("must be of type integer, got "));
        }
        JsonSchema nullable = schema("type", "[\"string\", \"null\"]");
        assertThat(nullable.validate(DOUBLES.readTree("null"))).isEmpty();
        assertThat(nullable.validate(DOUBLES.readTree("\"x\""))).isEmpty();
        assertThat(nullable.validate(DOUBLES.readTree("1"))).containsExactly(
                new Violation("", "must be of type string or null, got integer 1"));
    }
}
