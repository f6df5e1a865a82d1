package dev.feedloop.adapterstore;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which names and relative paths the store accepts. */
class AdapterPathsTest {
    @ParameterizedTest
    @ValueSource(strings = {"adapter_model.safetensors", "a", "tokenizer/tokenizer.json", "a.b-c_D/E.9/..x", "..."})
    void canonicalRelativePaths(String path) {
        assertThat(AdapterPaths.problem(path)).isNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''             | it is empty",
        "/etc/passwd    | it is absolute",
        "../x           | it has a '..' segment",
        "a/..           | it has a '..' segment",
        "./x            | it has a '.' segment",
        "a//b           | it has an empty segment",
        "a/             | it has an empty segment",
        "a b            | it has a character other than A-Z a-z 0-9 . _ - and /",
        "a\\b           | it has a character other than A-Z a-z 0-9 . _ - and /",
        "%2e%2e         | it has a character other than A-Z a-z 0-9 . _ - and /",
        "C:x            | it has a character other than A-Z a-z 0-9 . _ - and /",
    })
    void otherPathsAreRefusedWithAReason(String path, String reason) {
        assertThat(AdapterPaths.problem(path)).isEqualTo(reason);
    }

    @ParameterizedTest
    @ValueSource(strings = {"assistant", "a", "assistant.fr", "team-1_x", "0"})
    void validNames(String name) {
        assertThat(AdapterPaths.isName(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "Assistant", ".hidden", "-x", "_x", "a/b", "a b",
        "a123456789012345678901234567890123456789012345678901234567890123"})
    void invalidNames(String name) {
        assertThat(AdapterPaths.isName(name)).isFalse();
    }
}
