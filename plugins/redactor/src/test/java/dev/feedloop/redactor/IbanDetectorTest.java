package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The IBAN detector on its own. */
class IbanDetectorTest {
    private final Redactor redactor = Redactors.only(Detector.IBAN);

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "wire to DE32 2725 0562 5523 1646 67. | DE32 2725 0562 5523 1646 67",
        "IBAN: DE46597593684105404833 | DE46597593684105404833",
        "FR08 4705 2188 43FR SN32 2W4I G28, merci | FR08 4705 2188 43FR SN32 2W4I G28",
        "GB90 MEAE 2600 0325 6477 98 ref INV-1 | GB90 MEAE 2600 0325 6477 98",
        "shortest NO0276939610618 | NO0276939610618",
        "longest BR67 2894 6791 6822 0137 6538 114X Y | BR67 2894 6791 6822 0137 6538 114X Y",
        "{\"iban\":\"IE75MKJC99387253222780\"} | IE75MKJC99387253222780",
        "lower case de32 2725 0562 5523 1646 67 | de32 2725 0562 5523 1646 67",
        "DE32 2725 0562 5523 1646 67 BIC COBADEFFXXX | DE32 2725 0562 5523 1646 67",
    })
    void findsValidIbans(String text, String value) {
        assertThat(Redactors.values(redactor, text)).containsExactly(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "DE33 2725 0562 5523 1646 67", "DE32 2725 0562 5523 1646 6", "DE32 2725 0562 5523 1646 678",
        "DE322725056255231646671", "XDE32272505625523164667", "FR5580245104472413821239807",
        "ZZ32272505625523164667", "DE32  2725 0562 5523 1646 67", "AB12 CDEF GHIJ KLMN OP", "<IBAN>"})
    void leavesWrongChecksumsLengthsAndCountriesAlone(String text) {
        assertThat(Redactors.values(redactor, text)).isEmpty();
    }
}
