package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The hand-written scans that replaced regexes accept exactly what those regexes matched. Each test keeps the
 * replaced pattern as the specification and compares the two on many random strings over the characters that
 * matter, plus a few worked examples.
 */
class HandWrittenScansTest {
    private static final int STRINGS = 20_000;

    /** The pattern {@link Ipv4Scanner} used to run over the whole text with {@code find()}. */
    private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\w.])" + OCTET + "(?:\\." + OCTET + "){3}(?!\\w|\\.\\d|-[A-Za-z])");
    /** The pattern {@link IbanScanner} used to find IBAN-shaped starts. */
    private static final Pattern IBAN = Pattern.compile(
            "(?<![\\p{L}\\p{N}_])[A-Za-z]{2}\\d{2}(?:[ \\u00A0]?[A-Za-z0-9]){11,30}");

    /** Without letters that make a version keyword, so the regex and the user-agent rule are the whole spec. */
    @Test
    void ipv4ScanFindsWhatTheRegexFound() {
        Random rnd = new Random(4);
        Ipv4Scanner scanner = new Ipv4Scanner();
        int addresses = 0;
        for (int i = 0; i < STRINGS; i++) {
            String text = random(rnd, new String[] {"10.0.0.1", "192.168.1.1", "1.2.3", "255.", "256", "0", "01", "7",
                "1000", ".", ".5", " ", " ", "x", "w ", "_", "-", "-a", "/", "\u00e9"}, 10);
            List<Candidate> found = new ArrayList<>();
            scanner.scan(text, found);

            List<String> expected = new ArrayList<>();
            Matcher m = IPV4.matcher(text);
            while (m.find()) {
                int s = m.start();
                if (!(s >= 2 && text.charAt(s - 1) == '/' && Chars.isWord(text.charAt(s - 2)))) {
                    expected.add(s + "-" + m.end());
                }
            }
            assertThat(found.stream().map(c -> c.start() + "-" + c.end()).toList()).as(text).isEqualTo(expected);
            addresses += found.size();
        }
        assertThat(addresses).as("addresses among the random strings").isGreaterThan(100);
    }

    @Test
    void ipv4EndTakesWholeOctetsAndChecksWhatFollows() {
        assertThat(Ipv4Scanner.end("10.0.0.1", 0)).isEqualTo(8);
        assertThat(Ipv4Scanner.end("at 255.255.255.255.", 3)).isEqualTo(18);
        assertThat(Ipv4Scanner.end("10.0.0.256", 0)).isEqualTo(-1);
        assertThat(Ipv4Scanner.end("10.0.0.01", 0)).isEqualTo(-1);
        assertThat(Ipv4Scanner.end("1.2.3.4.5", 0)).isEqualTo(-1);
        assertThat(Ipv4Scanner.end("1.2.3.4-beta", 0)).isEqualTo(-1);
        assertThat(Ipv4Scanner.end("1.2.3.4-5", 0)).isEqualTo(7);
        assertThat(Ipv4Scanner.end("1.2.3", 0)).isEqualTo(-1);
        assertThat(Ipv4Scanner.end("1000.2.3.4", 0)).isEqualTo(-1);
    }

    @Test
    void ibanCandidateStartsAreWhereTheRegexMatched() {
        Random rnd = new Random(13616);
        int starts = 0;
        for (int i = 0; i < STRINGS; i++) {
            String text = random(rnd, new String[] {"DE", "GB", "dE", "D", "89", "8", "0", "1234", "5", "WEST", " ",
                " ", "\u00A0", "_", "\u00e9", "\u0661", "x", "-"}, 16);
            Matcher m = IBAN.matcher(text).useTransparentBounds(true);
            for (int s = 0; s < text.length(); s++) {
                boolean expected = m.region(s, text.length()).lookingAt();
                assertThat(IbanScanner.candidateAt(text, s)).as("%s at %d", text, s).isEqualTo(expected);
                starts += expected ? 1 : 0;
            }
        }
        assertThat(starts).as("IBAN-shaped starts among the random strings").isGreaterThan(20);
    }

    @Test
    void aPhoneStretchRunsOverDigitsSpacesParenthesesAndSeparators() {
        assertThat(PhoneScanner.stretchEnd("+49 (0)89 1234-56/78. Tel", 1)).isEqualTo(22);
        assertThat(PhoneScanner.stretchEnd("call 030\u00A01234567", 5)).isEqualTo(16);
        assertThat(PhoneScanner.stretchEnd("12ab", 0)).isEqualTo(2);
    }

    @Test
    void thePhonePatternMatchesOnlyAtADigitRunOrAPlusOrParenthesisAtMostThreeBeforeOne() {
        Random rnd = new Random(3);
        Matcher m = PhoneScanner.CANDIDATE.matcher("").useTransparentBounds(true);
        int matches = 0;
        for (int i = 0; i < STRINGS; i++) {
            String text = random(rnd, new String[] {"0", "12", "+", "+", "(", "(", ")", " ", "\u00A0", "-", ".", "/",
                "x", "#"}, 12);
            DigitRuns runs = DigitRuns.of(text);
            m.reset(text);
            for (int at = 0; at < text.length(); at++) {
                if (!m.region(at, text.length()).lookingAt()) {
                    continue;
                }
                matches++;
                boolean nearRun = false;
                for (int r = 0; r < runs.size(); r++) {
                    nearRun |= at == runs.start(r) || (at < runs.start(r) && at >= runs.start(r) - 3
                            && (text.charAt(at) == '+' || text.charAt(at) == '('));
                }
                assertThat(nearRun).as("'%s' at %d", text, at).isTrue();
            }
        }
        assertThat(matches).as("places where the phone pattern matched").isGreaterThan(1000);
    }

    @Test
    void everyPhoneFoundLiesInAStretchWithAtLeastEightDigits() {
        Random rnd = new Random(8);
        PhoneScanner scanner = new PhoneScanner();
        int phones = 0;
        for (int i = 0; i < STRINGS; i++) {
            String text = random(rnd, new String[] {"0", "030", "1234", "567", "12", "+", "+1", "+49 ", "(0)", "(", ")",
                " ", " ", "-", ".", "/", "x", "call ", "order "}, 16);
            List<Candidate> found = new ArrayList<>();
            scanner.scan(text, found);
            for (Candidate c : found) {
                int body = text.charAt(c.start()) == '+' ? c.start() + 1 : c.start();
                assertThat(PhoneScanner.stretchEnd(text, body)).as(text).isGreaterThanOrEqualTo(c.end());
                assertThat(text.substring(c.start(), c.end()).chars().filter(Character::isDigit).count()).as(text)
                        .isGreaterThanOrEqualTo(8);
            }
            phones += found.size();
        }
        assertThat(phones).as("phone numbers among the random strings").isGreaterThan(100);
    }

    /** Up to {@code maxTokens} random tokens, end to end. */
    static String random(Random rnd, String[] tokens, int maxTokens) {
        int n = rnd.nextInt(maxTokens + 1);
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < n; k++) {
            sb.append(tokens[rnd.nextInt(tokens.length)]);
        }
        return sb.toString();
    }
}
