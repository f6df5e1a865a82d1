package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The PHONE detector on its own. */
class PhoneDetectorTest {
    private final Redactor redactor = Redactors.only(Detector.PHONE);

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        // international
        "Call +1 415 555 0100 now | +1 415 555 0100",
        "+1 (212) 555-0187 | +1 (212) 555-0187",
        "+44 20 7946 0958 | +44 20 7946 0958",
        "Rufen Sie +49 (0)30 12345678 an | +49 (0)30 12345678",
        "+33 1 23 45 67 89 | +33 1 23 45 67 89",
        "+33 (0)6 12 34 56 78 | +33 (0)6 12 34 56 78",
        "+7 495 123-45-67 | +7 495 123-45-67",
        "WhatsApp +4915112345678 | +4915112345678",
        "tel:+14155550123 | +14155550123",
        "0044 20 7946 0000 | 0044 20 7946 0000",
        "+1.415.555.0111 | +1.415.555.0111",
        "+1 415 555 0100 2 times | +1 415 555 0100",
        // national, by shape
        "(415) 555-0199 | (415) 555-0199",
        "415-555-0142 | 415-555-0142",
        "415.555.0173 | 415.555.0173",
        "1-800-555-0199 | 1-800-555-0199",
        "020 7946 0958 | 020 7946 0958",
        "030/1234567 | 030/1234567",
        "06 12 34 56 78 | 06 12 34 56 78",
        "06.98.76.54.32 | 06.98.76.54.32",
        "(11) 91234-5678 | (11) 91234-5678",
        "03-1234-5678 | 03-1234-5678",
        "0612345678 | 0612345678",
        "電話番号は03-1234-5678です | 03-1234-5678",
        // national, by keyword
        "Llámame al 612 345 678 | 612 345 678",
        "my cell is 5551234567 | 5551234567",
        "我的手机是138 0013 8000 | 138 0013 8000",
        "Chiamami al 333 123 4567 | 333 123 4567",
        // after a long run of other numbers
        "1 2 3 4 5 6 415 555 0100 | 415 555 0100",
        "call 1 2 3 4 5 6 415 555 0100 | 415 555 0100",
    })
    void findsNumbers(String text, String value) {
        assertThat(Redactors.values(redactor, text)).containsExactly(value);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "2024-03-15", "15.03.2024", "03/15/2024", "at 12:30", "version 1.2.3", "10.0.19041.1", "$1,299.00",
        "€1.499,99", "12 500 000 € in total", "Population: 1 234 567 people", "ISBN 978-3-16-148410-0",
        "ISBN-10: 0-306-40615-2", "2856f0ef-8d8f-4a9d-aba2-1554ec9c85c1", "7de32b471085c6b2599432ba6eb2c58001ca199a",
        "Order #12345678", "order 4521-9987-1123", "reference number 0612345678", "The invoice number is 0203 4567 8901",
        "Bestellnummer 0171 1234567", "555-0100", "Model year 2019 2020 2021", "Timestamp 1716239022",
        "Seed 1234567890", "The file is 1 048 576 bytes.", "The SKU is 0012345678905.", "Case 00123456",
        "10.0.0.256", "256.256.256.256", "4057 8308 6271 4973", "Lottery: 4 8 15 16 23 42", "Call 911",
        "lat=52.5200&lon=13.4050", "Pi is 3.14159265358979", "The meeting ID is 845 2912 7731.",
        "<PHONE> and <PHONE>"})
    void leavesNumbersThatAreNotPhonesAlone(String text) {
        assertThat(Redactors.values(redactor, text)).isEmpty();
    }
}
