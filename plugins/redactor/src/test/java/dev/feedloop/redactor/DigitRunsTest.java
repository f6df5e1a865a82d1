package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The digit runs the phone, card and IBAN scanners share are the maximal runs of ASCII digits, in order. */
class DigitRunsTest {
    private static final Pattern RUN = Pattern.compile("[0-9]+");

    @Test
    void findsEachMaximalRunOfAsciiDigits() {
        DigitRuns runs = DigitRuns.of("a12 3x4567\u0661\u0662 89");

        assertThat(spans(runs)).containsExactly("1-3", "4-5", "6-10", "13-15");
        assertThat(runs.digits()).isEqualTo(9);
        assertThat(runs.length(2)).isEqualTo(4);
    }

    @Test
    void aTextWithoutDigitsHasNoRuns() {
        assertThat(DigitRuns.of("").size()).isZero();
        assertThat(DigitRuns.of("no digits here, \u0661\u0662\u0663 are Arabic-Indic").digits()).isZero();
    }

    @Test
    void agreesWithTheRegexOnRandomTextsOfEveryLength() {
        Random rnd = new Random(10);
        String alphabet = "0123456789 -.a\u00e9";
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(200); k > 0; k--) {
                sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            }
            String text = sb.toString();
            List<String> expected = new ArrayList<>();
            int digits = 0;
            Matcher m = RUN.matcher(text);
            while (m.find()) {
                expected.add(m.start() + "-" + m.end());
                digits += m.end() - m.start();
            }

            DigitRuns runs = DigitRuns.of(text);

            assertThat(spans(runs)).as(text).isEqualTo(expected);
            assertThat(runs.digits()).as(text).isEqualTo(digits);
        }
    }

    private static List<String> spans(DigitRuns runs) {
        List<String> spans = new ArrayList<>();
        for (int k = 0; k < runs.size(); k++) {
            spans.add(runs.start(k) + "-" + runs.end(k));
        }
        return spans;
    }
}
