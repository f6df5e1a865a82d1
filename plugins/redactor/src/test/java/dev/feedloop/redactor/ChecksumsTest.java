package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Luhn and IBAN mod-97. */
class ChecksumsTest {
    @ParameterizedTest
    @ValueSource(strings = {"4057830862714973", "5172367397093471", "378192374951068", "6011977810043490",
        "36151059069780", "6226286845923882748", "4506937765792", "79927398713", "18", "0000000000000000"})
    void luhnAcceptsValidNumbers(String digits) {
        assertThat(Checksums.luhn(digits)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"4057830862714974", "4361233531135748", "372819105883035", "79927398710", "1", "",
        "4057 8308 6271 4973", "40578308627149x3"})
    void luhnRejectsInvalidNumbersAndNonDigits(String digits) {
        assertThat(Checksums.luhn(digits)).isFalse();
    }

    @Test
    void luhnCatchesEverySingleDigitErrorAndAdjacentTransposition() {
        String valid = "4535549505976714";
        for (int i = 0; i < valid.length(); i++) {
            for (char d = '0'; d <= '9'; d++) {
                if (d != valid.charAt(i)) {
                    String changed = valid.substring(0, i) + d + valid.substring(i + 1);
                    assertThat(Checksums.luhn(changed)).as(changed).isFalse();
                }
            }
        }
        for (int i = 0; i + 1 < valid.length(); i++) {
            char a = valid.charAt(i);
            char b = valid.charAt(i + 1);
            boolean undetectable = (a == '0' && b == '9') || (a == '9' && b == '0');
            if (a != b && !undetectable) {
                String swapped = valid.substring(0, i) + b + a + valid.substring(i + 2);
                assertThat(Checksums.luhn(swapped)).as(swapped).isFalse();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"DE32272505625523164667", "FR084705218843FRSN322W4IG28", "GB90MEAE26000325647798",
        "NO0276939610618", "BR6728946791682201376538114XY", "de32272505625523164667", "IT96X16364815742EE93TR3ABEV"})
    void mod97AcceptsValidIbans(String iban) {
        assertThat(Checksums.ibanMod97(iban)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"DE33272505625523164667", "DE32272505625523164668", "DE32272505625523146667",
        "FR5580245104472413821239807", "DE32", "", "DE32 2725 0562 5523 1646 67", "DE32-272505625523164667"})
    void mod97RejectsWrongCheckDigitsAndBadCharacters(String iban) {
        assertThat(Checksums.ibanMod97(iban)).isFalse();
    }
}
