package dev.feedloop.lorax;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for stages in tests. */
final class Await {
    private Await() {}

    static <T> T result(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the stage failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** The failure of a stage, which must be a BackendException itself, as callbacks see it (not wrapped). */
    static BackendException failure(CompletionStage<?> stage) {
        Throwable seen;
        try {
            seen = stage.handle((v, e) -> e).toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | InterruptedException | TimeoutException e) {
            throw new AssertionError(e);
        }
        assertThat(seen).as("the stage's failure, as a callback sees it").isInstanceOf(BackendException.class);
        return (BackendException) seen;
    }
}
