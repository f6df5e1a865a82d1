package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.Redactor.Finding;
import dev.feedloop.contracts.spi.Redactor.Redaction;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One-megabyte inputs built to make backtracking patterns blow up (long runs of the characters each pattern loops
 * over, near-misses repeated end to end). A quadratic or exponential pattern would not finish within the build;
 * the redactor's scanners are linear, so each of these completes in about a second. There is no timing assertion:
 * finishing is the test.
 */
class LinearTimeTest {
    private static final int SIZE = 1 << 20;
    private static final Redactor REDACTOR = Redactors.with(Map.of("deny", "aa, Project Falcon", "allow", "a@b.co"));

    static Stream<String> units() {
        return Stream.of("a", "1", "1 ", "1.", "1-", "a@", "a.", "a:", "1:", "::", "+1 ", "(1) ", "0 0 ", "4111 ",
                "0612 ", "eyJ", "eyJa.", "password=", "password: ", "token is ", "-----BEGIN PRIVATE KEY-----",
                "-----BEGIN PRIVATE KEY-----AAAA ", "DE89 ", "DE891", "sk-", "AKIA", "ab:", "//a:", "http://a:",
                "Bearer ", "authorization: ", "<A>", "a'", "\\n", "é@", "x@example.com ", "10.0.0.1 ", "fe80::1 ",
                "4057 8308 6271 4973 ", "+1 415 555 0100 ", "random");
    }

    @ParameterizedTest
    @MethodSource("units")
    void aMegabyteOfAdversarialInputCompletes(String unit) {
        String text = unit.equals("random") ? random() : repeat(unit);

        Redaction r = REDACTOR.redact(text);

        List<Finding> findings = r.findings();
        for (int i = 1; i < findings.size(); i++) {
            assertThat(findings.get(i).start()).isGreaterThanOrEqualTo(findings.get(i - 1).end());
        }
        assertThat(findings.isEmpty() || findings.get(findings.size() - 1).end() <= text.length()).isTrue();
    }

    private static String repeat(String unit) {
        StringBuilder sb = new StringBuilder(SIZE + unit.length());
        while (sb.length() < SIZE) {
            sb.append(unit);
        }
        return sb.toString();
    }

    /** Random text over the characters the patterns care about. */
    private static String random() {
        String alphabet = "aA1 .:-@+/_=<>()\n'\"eyJDE0";
        Random rnd = new Random(1);
        StringBuilder sb = new StringBuilder(SIZE);
        while (sb.length() < SIZE) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString();
    }
}
