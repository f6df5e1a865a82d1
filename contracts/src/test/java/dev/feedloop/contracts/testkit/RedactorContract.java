package dev.feedloop.contracts.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.Redactor.Finding;
import dev.feedloop.contracts.spi.Redactor.Redaction;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The behaviour every {@link Redactor} must have: findings that are sorted, non-overlapping and in
 * bounds; output in the contract's format ({@link Redaction#apply}); nothing sensitive left behind;
 * placeholders that are not detected again; and a pure, thread-safe function of the input.
 *
 * <p>A plugin module depends on the {@code feedloop-contracts} test-jar and extends this class in a
 * {@code *ContractTest} class, so surefire runs every contract test against its redactor:
 *
 * <pre>{@code
 * class RegexRedactorContractTest extends RedactorContract {
 *     @Override
 *     protected Redactor redactor() {
 *         return new RegexRedactorProvider().create(PluginContext.of("regex-redactor", Map.of()));
 *     }
 *
 *     @Override
 *     protected List<String> textsWithFindings() {
 *         return List.of("Mail jane@example.com", "Call +1 415 555 0100 now");
 *     }
 * }
 * }</pre>
 */
public abstract class RedactorContract {
    /** Text with nothing sensitive in it; every redactor must return it unchanged. */
    protected static final String CLEAN_TEXT = "The quick brown fox jumps over 13 lazy dogs.";

    private static final int THREADS = 4;
    private static final int CALLS_PER_THREAD = 200;

    private Redactor subject;

    /**
     * A new redactor under test. Called once before each test; the contract closes it after the test.
     *
     * @return the redactor, configured as it would be in production
     */
    protected abstract Redactor redactor();

    /**
     * Texts in which the redactor must find at least one span. Every text is checked on its own; no
     * span the redactor finds may occur anywhere in the redacted output, so a text should not repeat a
     * sensitive value in a form the redactor does not detect.
     *
     * @return at least one text, none null
     */
    protected abstract List<String> textsWithFindings();

    @BeforeEach
    final void createRedactor() {
        subject = redactor();
        assertThat(subject).as("redactor()").isNotNull();
    }

    @AfterEach
    final void closeRedactor() {
        if (subject != null) {
            subject.close();
        }
    }

    @Test
    void cleanTextIsReturnedUnchangedWithoutFindings() {
        Redaction r = subject.redact(CLEAN_TEXT);

        assertThat(r.text()).isEqualTo(CLEAN_TEXT);
        assertThat(r.findings()).isEmpty();
    }

    @Test
    void emptyTextIsReturnedUnchangedWithoutFindings() {
        Redaction r = subject.redact("");

        assertThat(r.text()).isEmpty();
        assertThat(r.findings()).isEmpty();
    }

    @Test
    void nullTextThrowsNullPointerException() {
        assertThatThrownBy(() -> subject.redact(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void thereAreTextsWithFindingsToCheck() {
        assertThat(textsWithFindings()).as("textsWithFindings()").isNotEmpty().doesNotContainNull();
    }

    @TestFactory
    Stream<DynamicTest> findingsAreSortedNonOverlappingAndInBounds() {
        return perText(text -> {
            assertWellFormed(text, subject.redact(text).findings());
        });
    }

    @TestFactory
    Stream<DynamicTest> outputReplacesEachFindingWithItsPlaceholder() {
        return perText(text -> {
            Redaction r = subject.redact(text);
            assertWellFormed(text, r.findings());
            assertThat(r.text()).as("output for %s with findings %s", quoted(text), r.findings())
                    .isEqualTo(Redaction.apply(text, r.findings()).text());
        });
    }

    @TestFactory
    Stream<DynamicTest> noRedactedSpanSurvivesInTheOutput() {
        return perText(text -> {
            Redaction r = subject.redact(text);
            assertWellFormed(text, r.findings());
            for (Finding f : r.findings()) {
                String span = text.substring(f.start(), f.end());
                assertThat(r.text()).as("output for %s must not contain the %s span", quoted(text), f.type())
                        .doesNotContain(span);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> redactedOutputHasNothingLeftToRedact() {
        return perText(text -> {
            String once = subject.redact(text).text();
            Redaction twice = subject.redact(once);
            assertThat(twice.findings()).as("findings in the redacted output %s", quoted(once)).isEmpty();
            assertThat(twice.text()).isEqualTo(once);
        });
    }

    @Test
    void concurrentCallsGiveTheSameResultsAsSequentialOnes() throws Exception {
        List<String> inputs = new ArrayList<>(textsWithFindings());
        inputs.add(CLEAN_TEXT);
        inputs.add("");
        List<Redaction> expected = new ArrayList<>();
        for (String text : inputs) {
            expected.add(subject.redact(text));
        }

        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int offset = t;
                Callable<List<String>> worker = () -> {
                    start.await();
                    List<String> mismatches = new ArrayList<>();
                    for (int call = 0; call < CALLS_PER_THREAD; call++) {
                        int i = (call + offset) % inputs.size();
                        Redaction actual = subject.redact(inputs.get(i));
                        if (!actual.equals(expected.get(i))) {
                            mismatches.add(quoted(inputs.get(i)) + " gave " + actual + ", expected " + expected.get(i));
                        }
                    }
                    return mismatches;
                };
                futures.add(pool.submit(worker));
            }
            start.countDown();

            List<String> mismatches = new ArrayList<>();
            for (Future<List<String>> f : futures) {
                // bounded only so that a deadlocked redactor fails the build instead of hanging it
                mismatches.addAll(f.get(Stages.TIMEOUT_SECONDS, TimeUnit.SECONDS));
            }
            assertThat(mismatches).as("results that differ from a sequential call").isEmpty();
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(Stages.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
    }

    /** Findings exist, are sorted, do not overlap and lie within the text. */
    private static void assertWellFormed(String text, List<Finding> findings) {
        assertThat(findings).as("findings in %s", quoted(text)).isNotEmpty();
        Finding previous = null;
        for (Finding f : findings) {
            assertThat(f.end()).as("end of %s in %s of length %d", f, quoted(text), text.length())
                    .isLessThanOrEqualTo(text.length());
            if (previous != null) {
                assertThat(f.start()).as("start of %s after %s (sorted, non-overlapping)", f, previous)
                        .isGreaterThanOrEqualTo(previous.end());
            }
            previous = f;
        }
    }

    private Stream<DynamicTest> perText(TextCheck check) {
        List<String> texts = textsWithFindings();
        assertThat(texts).as("textsWithFindings()").isNotEmpty().doesNotContainNull();
        return texts.stream().map(text -> DynamicTest.dynamicTest(quoted(text), () -> check.accept(text)));
    }

    private static String quoted(String text) {
        return '"' + text + '"';
    }

    /** One check of one text. */
    @FunctionalInterface
    private interface TextCheck {
        void accept(String text) throws Exception;
    }
}
