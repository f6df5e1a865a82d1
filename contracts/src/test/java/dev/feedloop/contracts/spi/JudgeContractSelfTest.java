package dev.feedloop.contracts.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.testkit.JudgeContract;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

/** {@link JudgeContract} passes a correct judge and fails position-biased ones. */
class JudgeContractSelfTest {
    private static final Judge.Request CLEAR_CASE = new Judge.Request(
            Prompt.text("What is 2 + 2?"), "2 + 2 = 4, because adding two to two gives four.", "5");

    @Test
    void correctJudgePassesEveryTest() {
        Events tests = ContractKit.run(LengthJudgeContractTest.class);

        assertThat(tests.failed().count()).isZero();
        assertThat(tests.succeeded().count()).isPositive();
    }

    @Test
    void judgeThatAlwaysAnswersFirstFailsTheSwappedCase() {
        Events tests = ContractKit.run(AlwaysFirstJudgeCheck.class);

        assertThat(tests.failed().count()).isPositive();
        assertThat(ContractKit.failedTests(tests)).containsExactly("swappedClearCasePrefersSecond");
    }

    @Test
    void judgeThatAlwaysAnswersSecondFailsTheClearCase() {
        Events tests = ContractKit.run(AlwaysSecondJudgeCheck.class);

        assertThat(ContractKit.failedTests(tests)).containsExactly("clearCasePrefersFirst");
    }

    /** Always prefers the response shown first: pure position bias. */
    static class AlwaysFirstJudgeCheck extends JudgeContract {
        @Override
        protected Judge judge() {
            return request -> CompletableFuture.completedFuture(
                    new Judge.Verdict(Judge.Preference.FIRST, 0.9, "first"));
        }

        @Override
        protected Judge.Request clearCase() {
            return CLEAR_CASE;
        }
    }

    /** Always prefers the response shown second. */
    static class AlwaysSecondJudgeCheck extends JudgeContract {
        @Override
        protected Judge judge() {
            return request -> CompletableFuture.completedFuture(
                    new Judge.Verdict(Judge.Preference.SECOND, 0.9, "second"));
        }

        @Override
        protected Judge.Request clearCase() {
            return CLEAR_CASE;
        }
    }
}
