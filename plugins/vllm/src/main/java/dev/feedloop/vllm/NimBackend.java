package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.vllm.ModelCards.Card;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Drives an NVIDIA NIM for LLMs, which wraps vLLM and picks adapters up from the directory
 * {@code NIM_PEFT_SOURCE}: a sub-directory's name becomes a model id.
 *
 * <p><b>Activation</b> refuses an unservable adapter before touching anything (as {@link VllmBackend} does),
 * copies it atomically to {@code <directory>/<name>} (hidden staging sibling, fsync, rename; a watcher never
 * sees a partial adapter), then polls {@code GET /v1/models} every {@code poll-interval} until the id appears.
 * NIM re-scans the directory every {@code NIM_PEFT_REFRESH_INTERVAL} seconds, so {@code timeout} must be longer
 * than that; if the id has not appeared by then the stage fails with {@code UNAVAILABLE} (the directory stays,
 * and a later activation of the same name and content is idempotent).
 *
 * <p><b>Retirement</b> renames the directory away and deletes it, then polls until the id leaves
 * {@code /v1/models}. <b>Whether NIM unloads a removed adapter depends on its version</b>: 2.x with dynamic
 * LoRA does; 1.x and static LoRA keep serving it until restart. In that case retirement fails with
 * {@code UNAVAILABLE} after {@code timeout}, saying so; the directory is gone either way.
 *
 * <p><b>Listing</b> reports the {@code /v1/models} ids that are adapter cards (non-null {@code parent}) or that
 * name a directory under {@code NIM_PEFT_SOURCE} (NIM versions differ in what they put in {@code parent}),
 * except ids starting with {@code .}: adapter names cannot, and the hidden staging directory of a publication
 * could be picked up for a moment by a NIM that scans hidden directories too (its config is copied last to
 * keep that window small).
 *
 * <p><b>Sampling</b> uses the OpenAI-compatible routes like vLLM, without vLLM's extra request fields (NIM's
 * API layer is not guaranteed to accept them), so token ids come back only if the NIM sends them anyway.
 *
 * <p><b>Threading:</b> no method blocks; polls are scheduled, never slept. Thread-safe.
 */
final class NimBackend implements ServingBackend {
    static final String STACK = "NIM";

    private final NimConfig config;
    private final Executor blocking;
    private final Clock clock;
    private final AdapterFiles.BeforeRename beforeRename;
    private final HttpJson http;

    NimBackend(NimConfig config, Executor blocking, Clock clock, AdapterFiles.BeforeRename beforeRename) {
        this.config = Objects.requireNonNull(config, "config");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.beforeRename = Objects.requireNonNull(beforeRename, "beforeRename");
        this.http = new HttpJson(STACK, config.url(), config.apiKey(), config.timeout());
    }

    @Override
    public CompletionStage<List<Sample>> sample(SampleRequest request) {
        return Async.asBackendFailures(OpenAiSampling.sample(http, request, false), STACK, "sample");
    }

    @Override
    public CompletionStage<Void> activate(Adapter adapter) {
        String name = adapter.name();
        CompletableFuture<Void> stage = Async.start(() -> {
            AdapterFiles.checkDirectoryName(name);
            return Async.onBlocking(blocking, () -> {
                AdapterFiles.checkServable(STACK, adapter.path(), config.maxLoraRank());
                return AdapterFiles.publish(adapter.path(), config.directory(), name, beforeRename);
            }).thenCompose(published -> pollUntil(cards -> ModelCards.find(cards, name).isPresent(),
                    "'" + name + "' to appear in GET /v1/models after publishing " + config.directory().resolve(name)
                            + " (is NIM_PEFT_SOURCE that directory, and NIM_PEFT_REFRESH_INTERVAL shorter than the "
                            + "timeout?)"));
        });
        return Async.asBackendFailures(stage, STACK, "activate '" + name + "'");
    }

    @Override
    public CompletionStage<Void> retire(String adapterName) {
        CompletableFuture<Void> stage = Async.start(() -> {
            AdapterFiles.checkDirectoryName(adapterName);
            return Async.<Void>onBlocking(blocking, () -> {
                Path hidden = AdapterFiles.hide(config.directory(), adapterName);
                if (hidden == null) {
                    throw new BackendException(Reason.NOT_FOUND, "NIM adapter '" + adapterName + "' is not published: "
                            + "there is no " + config.directory().resolve(adapterName));
                }
                AdapterFiles.delete(hidden);
                return null;
            }).thenCompose(deleted -> pollUntil(cards -> ModelCards.find(cards, adapterName).isEmpty(),
                    "'" + adapterName + "' to leave GET /v1/models after deleting its directory (NIM versions "
                            + "without dynamic LoRA keep serving a removed adapter until restart)"));
        });
        return Async.asBackendFailures(stage, STACK, "retire '" + adapterName + "'");
    }

    @Override
    public CompletionStage<List<String>> loadedAdapters() {
        CompletableFuture<List<String>> stage = ModelCards.fetch(http).thenCombine(
                Async.onBlocking(blocking, () -> AdapterFiles.publishedNames(config.directory())),
                (cards, names) -> {
                    Set<String> published = new HashSet<>(names);
                    // ids starting with '.' are never adapters: a NIM that also scans hidden directories may
                    // briefly list a staging directory that is being renamed into place
                    return cards.stream().filter(c -> c.isAdapter() || published.contains(c.id()))
                            .map(Card::id).filter(id -> !id.startsWith(".")).toList();
                });
        return Async.asBackendFailures(stage, STACK, "list adapters");
    }

    /**
     * Polls {@code /v1/models} until {@code done} holds. Transient failures ({@code UNAVAILABLE}) are retried;
     * other failures end the wait. Past the deadline (by the sidecar's clock) the stage fails with
     * {@code UNAVAILABLE}.
     */
    private CompletableFuture<Void> pollUntil(Predicate<List<Card>> done, String what) {
        Instant deadline = clock.instant().plus(config.timeout());
        CompletableFuture<Void> result = new CompletableFuture<>();
        poll(done, what, deadline, result, 1);
        return result;
    }

    private void poll(Predicate<List<Card>> done, String what, Instant deadline, CompletableFuture<Void> result,
            int attempt) {
        ModelCards.fetch(http).whenComplete((cards, error) -> {
            Throwable e = error == null ? null : HttpJson.unwrap(error);
            if (e == null && done.test(cards)) {
                result.complete(null);
                return;
            }
            if (e != null && !(e instanceof BackendException be && be.reason() == Reason.UNAVAILABLE)) {
                result.completeExceptionally(e);
                return;
            }
            if (!clock.instant().isBefore(deadline)) {
                result.completeExceptionally(new BackendException(Reason.UNAVAILABLE, "NIM: waited " + config.timeout()
                        + " (" + attempt + " polls) for " + what + (e == null ? "" : "; last error: " + e.getMessage()),
                        e));
                return;
            }
            CompletableFuture.delayedExecutor(config.pollInterval().toNanos(), TimeUnit.NANOSECONDS)
                    .execute(() -> poll(done, what, deadline, result, attempt + 1));
        });
    }

    /** Stops this backend's HTTP threads; a poll in progress then fails. */
    @Override
    public void close() {
        http.close();
    }
}
