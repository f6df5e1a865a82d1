package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The EMAIL detector on its own. */
class EmailDetectorTest {
    private final Redactor redactor = Redactors.only(Detector.EMAIL);

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "write to jane.doe@example.com today | jane.doe@example.com",
        "<x_y@host-1.example.net> | x_y@host-1.example.net",
        "tag: c.d+tag@mail.example.co.uk. | c.d+tag@mail.example.co.uk",
        "Écrivez à émilie.durand@exemple.fr | émilie.durand@exemple.fr",
        "müller@bücher.example | müller@bücher.example",
        "Patrick o'brien@example.ie | o'brien@example.ie",
        "'quoted@example.com' | quoted@example.com",
        "email:ops@example.com,pager | ops@example.com",
        "mailto:press@example.org?subject=hi | press@example.org",
        "ssh://jane@files.example.com:22 (no password) | -",
    })
    void findsAddresses(String text, String value) {
        if (value.equals("-")) {
            assertThat(Redactors.values(redactor, text)).isEmpty();
        } else {
            assertThat(Redactors.values(redactor, text)).containsExactly(value);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"user@localhost", "name@domain", "the @ sign and .com", "git@github.com:acme/app.git",
        "ssh://git@gitlab.example.com/group/repo.git", "https://user:pw@example.com/x", "a@1.2.3.4",
        "<EMAIL> and <EMAIL>@x", "@example.com", "jane@.example.com", "logo@2x.png", "icon@1.5x.webp"})
    void leavesNonAddressesAlone(String text) {
        assertThat(Redactors.values(redactor, text)).isEmpty();
    }
}
