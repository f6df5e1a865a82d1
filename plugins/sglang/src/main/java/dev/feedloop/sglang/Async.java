package dev.feedloop.sglang;

import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/** Small helpers for the drivers' stage chains. Stateless and thread-safe. */
final class Async {
    private Async() {}

    /** Blocking work that may throw {@link IOException}. */
    @FunctionalInterface
    interface IoTask<T> {
        /**
         * Runs the work.
         *
         * @throws IOException if file I/O fails
         */
        T call() throws IOException;
    }

    /** Runs {@code body}, turning an exception it throws before returning a stage into a failed stage. */
    static <T> CompletableFuture<T> start(Supplier<CompletableFuture<T>> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Runs blocking file work on the plugin's blocking executor. */
    static <T> CompletableFuture<T> onBlocking(Executor executor, IoTask<T> task) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return task.call();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor);
    }

    /**
     * A stage that completes like {@code stage}, but whose failure is always a {@link BackendException} itself
     * (not wrapped): file I/O errors become {@code UNAVAILABLE}, anything unexpected {@code PROTOCOL}.
     *
     * @param stack the server's name, for messages
     * @param operation what was being done, for messages
     */
    static <T> CompletableFuture<T> asBackendFailures(CompletableFuture<T> stage, String stack, String operation) {
        CompletableFuture<T> out = new CompletableFuture<>();
        stage.whenComplete((value, error) -> {
            if (error == null) {
                out.complete(value);
            } else {
                out.completeExceptionally(toBackendException(HttpJson.unwrap(error), stack, operation));
            }
        });
        return out;
    }

    static BackendException toBackendException(Throwable error, String stack, String operation) {
        if (error instanceof BackendException be) {
            return be;
        }
        if (error instanceof UncheckedIOException u) {
            error = u.getCause();
        }
        if (error instanceof IOException) {
            return new BackendException(Reason.UNAVAILABLE, stack + " " + operation + ": file system error: " + error,
                    error);
        }
        return new BackendException(Reason.PROTOCOL, stack + " " + operation + " failed unexpectedly: " + error, error);
    }
}
