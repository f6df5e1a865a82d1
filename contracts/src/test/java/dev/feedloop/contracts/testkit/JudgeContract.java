package dev.feedloop.contracts.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.feedloop.contracts.spi.Judge;
import dev.feedloop.contracts.spi.Judge.Preference;
import dev.feedloop.contracts.spi.Judge.Verdict;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Judge} must have: on a case where one response is clearly better it
 * prefers that response in both presentation orders, reports a confidence in [0, 1], answers through
 * a {@link CompletionStage}, and closes cleanly.
 *
 * <p>The contract does not check that {@link Judge#compare} returns without blocking, since that
 * cannot be observed without timing; implementations must still honour it.
 *
 * <p>A plugin module depends on the {@code feedloop-contracts} test-jar and extends this class in a
 * {@code *ContractTest} class. A judge that calls a remote model points it at a fake server or a
 * recorded answer, so that the clear case is decided deterministically:
 *
 * <pre>{@code
 * class OpenAiJudgeContractTest extends JudgeContract {
 *     @Override
 *     protected Judge judge() {
 *         return new OpenAiJudgeProvider().create(PluginContext.of("openai-judge", Map.of("url", fake.url())));
 *     }
 *
 *     @Override
 *     protected Judge.Request clearCase() {
 *         return new Judge.Request(Prompt.text("What is 2 + 2?"), "4", "Purple.");
 *     }
 * }
 * }</pre>
 */
public abstract class JudgeContract {
    private Judge subject;
    private boolean closedByTest;

    /**
     * A new judge under test. Called once before each test; the contract closes it after the test.
     *
     * @return the judge, configured as it would be in production
     */
    protected abstract Judge judge();

    /**
     * A comparison whose <b>first</b> response is clearly better, so that any correct judge prefers
     * it whichever order the two are shown in.
     *
     * @return the clear case
     */
    protected abstract Judge.Request clearCase();

    @BeforeEach
    final void createJudge() {
        subject = judge();
        closedByTest = false;
        assertThat(subject).as("judge()").isNotNull();
    }

    @AfterEach
    final void closeJudge() {
        if (subject != null && !closedByTest) {
            subject.close();
        }
    }

    @Test
    void compareReturnsAStage() throws Exception {
        CompletionStage<Verdict> stage = subject.compare(clearCase());

        assertThat(stage).as("compare(clearCase())").isNotNull();
        assertThat(Stages.result(stage)).as("the verdict").isNotNull();
    }

    @Test
    void clearCasePrefersFirst() throws Exception {
        Verdict verdict = Stages.result(subject.compare(clearCase()));

        assertThat(verdict.preferred()).as("verdict on clearCase(): %s", verdict).isEqualTo(Preference.FIRST);
    }

    @Test
    void swappedClearCasePrefersSecond() throws Exception {
        Verdict verdict = Stages.result(subject.compare(clearCase().swapped()));

        assertThat(verdict.preferred()).as("verdict on clearCase().swapped(): %s", verdict)
                .isEqualTo(Preference.SECOND);
    }

    @Test
    void confidenceIsBetweenZeroAndOne() throws Exception {
        Verdict first = Stages.result(subject.compare(clearCase()));
        Verdict swapped = Stages.result(subject.compare(clearCase().swapped()));

        assertThat(first.confidence()).isBetween(0.0, 1.0);
        assertThat(swapped.confidence()).isBetween(0.0, 1.0);
    }

    @Test
    void closingTheJudgeDoesNotThrow() throws Exception {
        Stages.result(subject.compare(clearCase()));

        closedByTest = true;
        assertThatCode(subject::close).doesNotThrowAnyException();
    }
}
