package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The CARD detector on its own. */
class CardDetectorTest {
    private final Redactor redactor = Redactors.only(Detector.CARD);

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "card 4057 8308 6271 4973, exp 09/27 | 4057 8308 6271 4973",
        "card_number=4094009492913462 | 4094009492913462",
        "5172-3673-9709-3471 | 5172-3673-9709-3471",
        "Amex 3781 923749 51068 | 3781 923749 51068",
        "Diners 36151059069780 | 36151059069780",
        "UnionPay 6226286845923882748 | 6226286845923882748",
        "13 digits 4506937765792 | 4506937765792",
        "19 digits: 4350 5701 8294 7416 807 | 4350 5701 8294 7416 807",
        "\"pan\": \"4347236186217976\" | 4347236186217976",
        "Ref 12 4057 8308 6271 4973 | 4057 8308 6271 4973",
        "4057 8308 6271 4973 2024 | 4057 8308 6271 4973",
    })
    void findsLuhnValidCardNumbers(String text, String value) {
        assertThat(Redactors.values(redactor, text)).containsExactly(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "4361233531135748", "5914 6758 3149 5856", "372819105883035", "4057 8308 6271 4974",
        "1723627309655201", "7627404429733274", "8674365971045179", "9888487440564976",
        "0000000000000000", "4444 4444 4444 4444", "40578308627149731234", "x4057830862714973",
        "4057-8308 6271-4973", "4 0 5 7 8 3 0 8 6 2 7 1 4 9 7 3", "1234", "<CARD>"})
    void leavesOtherDigitRunsAlone(String text) {
        assertThat(Redactors.values(redactor, text)).isEmpty();
    }
}
