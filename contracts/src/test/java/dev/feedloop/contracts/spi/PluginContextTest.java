package dev.feedloop.contracts.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PluginContext}'s typed config accessors and their error messages. */
class PluginContextTest {
    private static PluginContext context(Map<String, String> config) {
        return PluginContext.of("x", config);
    }

    @Test
    void requireReturnsThePresentValue() {
        assertThat(context(Map.of("url", "http://judge:8000")).require("url")).isEqualTo("http://judge:8000");
    }

    @Test
    void requireNamesTheFullKeyAndThePlugin() {
        assertThatThrownBy(() -> context(Map.of()).require("url"))
                .isInstanceOf(PluginException.class)
                .hasMessage("plugins.x.url is required by plugin 'x'");
    }

    @Test
    void requireTreatsBlankAsMissing() {
        assertThatThrownBy(() -> context(Map.of("url", "  ")).require("url"))
                .isInstanceOf(PluginException.class)
                .hasMessage("plugins.x.url is required by plugin 'x'");
    }

    @Test
    void getFallsBackToTheDefault() {
        assertThat(context(Map.of()).get("model", "gpt")).isEqualTo("gpt");
        assertThat(context(Map.of("model", "llama")).get("model", "gpt")).isEqualTo("llama");
    }

    @Test
    void getIntParsesWithinRangeAndDefaults() {
        assertThat(context(Map.of("n", " 7 ")).getInt("n", 3, 1, 10)).isEqualTo(7);
        assertThat(context(Map.of("n", "1")).getInt("n", 3, 1, 10)).isEqualTo(1);
        assertThat(context(Map.of("n", "10")).getInt("n", 3, 1, 10)).isEqualTo(10);
        assertThat(context(Map.of()).getInt("n", 3, 1, 10)).isEqualTo(3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"11", "0", "-4", "seven", "2.5", ""})
    void getIntRejectsOutOfRangeOrNonIntegerNamingKeyValueAndRange(String value) {
        assertThatThrownBy(() -> context(Map.of("n", value)).getInt("n", 3, 1, 10))
                .isInstanceOf(PluginException.class)
                .hasMessage("plugins.x.n = '" + value + "': must be an integer from 1 to 10");
    }

    @ParameterizedTest
    @CsvSource({"250ms, PT0.25S", "30s, PT30S", "5m, PT5M", "2h, PT2H", "PT1S, PT1S", "PT30m, PT30M", "pt2h, PT2H", "1d, PT24H", "0s, PT0S"})
    void getDurationParsesUnitsAndIso8601(String value, String expected) {
        assertThat(context(Map.of("timeout", value)).getDuration("timeout", Duration.ofSeconds(9)))
                .isEqualTo(Duration.parse(expected));
    }

    @Test
    void getDurationFallsBackToTheDefault() {
        assertThat(context(Map.of()).getDuration("timeout", Duration.ofSeconds(9))).isEqualTo(Duration.ofSeconds(9));
    }

    @ParameterizedTest
    @ValueSource(strings = {"soon", "-5s", "ms", "s", "", "5 minutes", "PT-1S"})
    void getDurationRejectsNonDurationsNamingKeyAndValue(String value) {
        assertThatThrownBy(() -> context(Map.of("timeout", value)).getDuration("timeout", Duration.ofSeconds(9)))
                .isInstanceOf(PluginException.class)
                .hasMessageStartingWith("plugins.x.timeout = '" + value + "': must be a duration");
    }
}
