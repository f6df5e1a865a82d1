package dev.feedloop.contracts.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for the stages an SPI method returns, so contract tests read as plain calls. */
final class Stages {
    /** How long a contract waits for any one stage; generous, so it is never a timing assertion. */
    static final long TIMEOUT_SECONDS = 30;

    private Stages() {}

    /**
     * The value of a stage that must succeed.
     *
     * @throws AssertionError if the stage is null, fails or does not complete in time
     */
    static <T> T result(CompletionStage<T> stage) throws InterruptedException {
        assertThat(stage).as("the returned CompletionStage").isNotNull();
        try {
            return stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the stage failed: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        }
    }

    /**
     * The failure of a stage that must fail with an exception of type {@code type}.
     *
     * @throws AssertionError if the stage is null, succeeds, fails differently or does not complete in time
     */
    static <X extends Throwable> X failure(CompletionStage<?> stage, Class<X> type) throws InterruptedException {
        assertThat(stage).as("the returned CompletionStage").isNotNull();
        Object value;
        try {
            value = stage.toCompletableFuture().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).as("the stage's failure").isInstanceOf(type);
            return type.cast(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the stage did not complete within " + TIMEOUT_SECONDS + " s", e);
        }
        return fail("expected the stage to fail with " + type.getSimpleName() + ", but it completed with " + value);
    }
}
