package dev.feedloop.contracts.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RedactionFindingTest {
    private static final Pattern TYPE = Pattern.compile("[A-Z][A-Z0-9_]*");

    @Test
    void typesAreUpperCaseNamesExactlyAsThePatternSays() {
        for (String type : List.of("EMAIL", "IPV4", "A", "SECRET_KEY", "X9_", "email", "Email", "", "1A", "_A", "A-B", "A B", "É",
                "ÄB", "AB\n")) {
            boolean valid = TYPE.matcher(type).matches();
            if (valid) {
                assertThat(new Redactor.Finding(type, 0, 1).type()).isEqualTo(type);
            } else {
                assertThatThrownBy(() -> new Redactor.Finding(type, 0, 1)).as(type).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("upper-case");
            }
        }
        assertThatThrownBy(() -> new Redactor.Finding(null, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void spansMustBeNonEmptyAndNonNegative() {
        assertThatThrownBy(() -> new Redactor.Finding("EMAIL", -1, 2)).hasMessageContaining("bad span");
        assertThatThrownBy(() -> new Redactor.Finding("EMAIL", 3, 3)).hasMessageContaining("bad span");
        assertThat(Redactor.Redaction.apply("mail a@b.co now", List.of(new Redactor.Finding("EMAIL", 5, 11))).text())
                .isEqualTo("mail <EMAIL> now");
    }
}
