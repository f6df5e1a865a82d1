package dev.feedloop.contracts.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.testkit.RedactorContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

/** {@link RedactorContract} passes a correct redactor and fails broken ones where they are broken. */
class RedactorContractSelfTest {
    private static final List<String> TEXTS = List.of("Mail jane@example.com today.", "x@y.io or z@w.org");

    @Test
    void correctRedactorPassesEveryTest() {
        Events tests = ContractKit.run(EmailRedactorContractTest.class);

        assertThat(tests.failed().count()).isZero();
        assertThat(tests.succeeded().count()).isPositive();
    }

    @Test
    void redactorThatLeavesTheSecretInPlaceFails() {
        Events tests = ContractKit.run(LeakyRedactorCheck.class);

        assertThat(tests.failed().count()).isPositive();
        assertThat(ContractKit.failedTests(tests)).containsExactly(
                "noRedactedSpanSurvivesInTheOutput",
                "outputReplacesEachFindingWithItsPlaceholder",
                "redactedOutputHasNothingLeftToRedact");
    }

    @Test
    void redactorWithWrongOffsetsFails() {
        Events tests = ContractKit.run(ShiftedOffsetsRedactorCheck.class);

        assertThat(tests.failed().count()).isPositive();
        assertThat(ContractKit.failedTests(tests)).containsExactly(
                "findingsAreSortedNonOverlappingAndInBounds",
                "noRedactedSpanSurvivesInTheOutput",
                "outputReplacesEachFindingWithItsPlaceholder");
    }

    @Test
    void redactorThatFindsNothingFails() {
        Events tests = ContractKit.run(BlindRedactorCheck.class);

        assertThat(ContractKit.failedTests(tests)).containsExactly(
                "findingsAreSortedNonOverlappingAndInBounds",
                "noRedactedSpanSurvivesInTheOutput",
                "outputReplacesEachFindingWithItsPlaceholder");
    }

    @Test
    void redactorThatDetectsItsOwnPlaceholdersFails() {
        Events tests = ContractKit.run(CapitalsRedactorCheck.class);

        assertThat(ContractKit.failedTests(tests)).containsExactly("redactedOutputHasNothingLeftToRedact");
    }

    @Test
    void redactorThatAcceptsNullFails() {
        Events tests = ContractKit.run(NullTolerantRedactorCheck.class);

        assertThat(ContractKit.failedTests(tests)).containsExactly("nullTextThrowsNullPointerException");
    }

    /** Every match of {@code regex} in {@code text}, as findings of {@code type}. */
    private static List<Redactor.Finding> find(String text, String regex, String type) {
        List<Redactor.Finding> findings = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            findings.add(new Redactor.Finding(type, m.start(), m.end()));
        }
        return findings;
    }

    /** Reports the e-mail addresses but returns the text unchanged. */
    static class LeakyRedactorCheck extends RedactorContract {
        @Override
        protected Redactor redactor() {
            return text -> new Redactor.Redaction(
                    Objects.requireNonNull(text), new EmailRedactor().redact(text).findings());
        }

        @Override
        protected List<String> textsWithFindings() {
            return TEXTS;
        }
    }

    /** Redacts correctly but reports every finding one character to the right. */
    static class ShiftedOffsetsRedactorCheck extends RedactorContract {
        @Override
        protected Redactor redactor() {
            return text -> {
                Redactor.Redaction right = new EmailRedactor().redact(text);
                List<Redactor.Finding> shifted = right.findings().stream()
                        .map(f -> new Redactor.Finding(f.type(), f.start() + 1, f.end() + 1)).toList();
                return new Redactor.Redaction(right.text(), shifted);
            };
        }

        @Override
        protected List<String> textsWithFindings() {
            return TEXTS;
        }
    }

    /** Never finds anything. */
    static class BlindRedactorCheck extends RedactorContract {
        @Override
        protected Redactor redactor() {
            return text -> Redactor.Redaction.clean(Objects.requireNonNull(text));
        }

        @Override
        protected List<String> textsWithFindings() {
            return TEXTS;
        }
    }

    /** Redacts runs of three or more capitals as {@code <CAPS>}, which it then finds again. */
    static class CapitalsRedactorCheck extends RedactorContract {
        @Override
        protected Redactor redactor() {
            return text -> Redactor.Redaction.apply(Objects.requireNonNull(text), find(text, "[A-Z]{3,}", "CAPS"));
        }

        @Override
        protected List<String> textsWithFindings() {
            return List.of("Call the NSA now.", "ABC");
        }
    }

    /** The e-mail redactor, except that it treats null as empty text. */
    static class NullTolerantRedactorCheck extends RedactorContract {
        @Override
        protected Redactor redactor() {
            return text -> new EmailRedactor().redact(text == null ? "" : text);
        }

        @Override
        protected List<String> textsWithFindings() {
            return TEXTS;
        }
    }
}
