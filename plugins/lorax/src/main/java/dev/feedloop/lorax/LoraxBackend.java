package dev.feedloop.lorax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Drives one LoRAX router. LoRAX has no load endpoint: a request names its adapter by path
 * ({@code adapter_id} with {@code adapter_source: local}), LoRAX fetches and caches it on first use, and moves
 * adapters on and off the GPU itself (least recently used first).
 *
 * <p><b>Activation</b> checks the directory ({@code adapter_config.json} that a LoRA server can serve,
 * {@code adapter_model.safetensors}) before any request, then warms the adapter with one 1-token
 * {@code POST /generate} (input {@value LoraxRequests#WARM_UP_INPUT}: LoRAX refuses an empty one), and
 * remembers name to path. A load failure comes back as 424 (generation error) and is {@code REJECTED}.
 * Activating a name again with the same path is a no-op; with another path it is {@code REJECTED}.
 *
 * <p><b>Listing and retirement</b> are local: {@link #loadedAdapters()} is what was activated and not retired
 * by this instance (LoRAX evicts from its caches by LRU on its own, and loads again on demand; a restarted
 * sidecar re-activates its adapters, which is idempotent). {@link #retire} forgets the name; an unknown name
 * is {@code NOT_FOUND}. No request is sent.
 *
 * <p><b>Sampling.</b> A text prompt goes to {@code POST /generate} with {@code details:true}: token ids and
 * log-probs come from {@code details.tokens[]}. A chat prompt goes to {@code POST /v1/chat/completions}
 * (the only LoRAX route that applies the model's chat template), which returns neither token ids nor
 * log-probs. Both are asked one sample at a time, {@code n} times in sequence with seed {@code seed + i}
 * (LoRAX's {@code best_of} refuses a seed). {@code model} is an activated adapter's name or the base model's
 * ({@code base-model}, else {@code model_id} from {@code GET /info}); any other name is {@code NOT_FOUND}
 * without a request.
 *
 * <p><b>Errors</b> are LoRAX's {@code {"error", "error_type"}}: 422 (validation) and 424 (generation; for a
 * request naming an adapter this is how a failed adapter load surfaces, and retrying does not help) are
 * {@code REJECTED}; 429 (overloaded), 500 (incomplete generation) and 503 are {@code UNAVAILABLE}.
 *
 * <p><b>Threading:</b> no method blocks; HTTP completes on this backend's own threads, the directory check
 * runs on the sidecar's blocking executor. Every failure is a {@link BackendException}. Thread-safe.
 */
final class LoraxBackend implements ServingBackend {
    static final String STACK = "LoRAX";

    private final LoraxConfig config;
    private final Executor blocking;
    private final HttpJson http;
    /** Activated adapters: name to the path sent as {@code adapter_id}. */
    private final Map<String, String> active = new ConcurrentSkipListMap<>();
    /** Names whose activation is in flight, so two concurrent activations of one name do not race. */
    private final Map<String, CompletableFuture<Void>> activating = new ConcurrentHashMap<>();
    private final AtomicReference<CompletableFuture<String>> baseModel = new AtomicReference<>();

    LoraxBackend(LoraxConfig config, Executor blocking) {
        this.config = Objects.requireNonNull(config, "config");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.http = new HttpJson(STACK, config.url(), config.apiKey(), config.timeout());
        if (config.baseModel() != null) {
            baseModel.set(CompletableFuture.completedFuture(config.baseModel()));
        }
    }

    @Override
    public CompletionStage<List<Sample>> sample(SampleRequest request) {
        CompletableFuture<List<Sample>> stage = Async.start(() -> {
            if (request.prompt().messages() == null && request.prompt().text() == null) {
                throw new BackendException(Reason.REJECTED, "the prompt has neither messages nor text");
            }
            String adapter = active.get(request.model());
            if (adapter != null) {
                return sampleAll(request, adapter);
            }
            return base().thenCompose(base -> {
                if (!base.equals(request.model())) {
                    throw new BackendException(Reason.NOT_FOUND, "LoRAX: '" + request.model() + "' is neither the "
                            + "base model '" + base + "' nor an activated adapter " + active.keySet());
                }
                return sampleAll(request, null);
            });
        });
        return Async.asBackendFailures(stage, STACK, "sample");
    }

    /** The samples, asked one after another (seed + i), so {@code n} requests are never in flight at once. */
    private CompletableFuture<List<Sample>> sampleAll(SampleRequest request, String adapterPath) {
        CompletableFuture<List<Sample>> chain = CompletableFuture.completedFuture(new ArrayList<>());
        for (int i = 0; i < request.n(); i++) {
            int index = i;
            Long seed = request.seed() == null ? null : request.seed() + i;
            chain = chain.thenCompose(samples -> sampleOne(request, adapterPath, index, seed).thenApply(s -> {
                samples.add(s);
                return samples;
            }));
        }
        return chain.thenApply(List::copyOf);
    }

    private CompletableFuture<Sample> sampleOne(SampleRequest request, String adapterPath, int index, Long seed) {
        boolean chat = request.prompt().messages() != null;
        String path = chat ? "/v1/chat/completions" : "/generate";
        ObjectNode body = chat
                ? LoraxRequests.chat(request.prompt().messages(), adapterPath, request, seed)
                : LoraxRequests.generate(request.prompt().text(), adapterPath, request, seed);
        return http.post(path, body).thenApply(reply -> {
            if (!reply.ok()) {
                throw http.failure(reply);
            }
            JsonNode answer = http.json(reply);
            return chat ? LoraxRequests.parseChat(answer, index)
                    : LoraxRequests.parseGenerate(answer, index, request.logprobs());
        });
    }

    /** The base model's name: the configured one, or {@code model_id} from {@code GET /info}, fetched once. */
    private CompletableFuture<String> base() {
        CompletableFuture<String> known = baseModel.get();
        if (known != null && !known.isCompletedExceptionally()) {
            return known;
        }
        CompletableFuture<String> fetch = http.get("/info").thenApply(reply -> {
            if (!reply.ok()) {
                throw http.failure(reply);
            }
            JsonNode id = http.json(reply).get("model_id");
            if (id == null || !id.isTextual()) {
                throw new BackendException(Reason.PROTOCOL, "LoRAX GET /info answered without \"model_id\"");
            }
            return id.asText();
        });
        baseModel.compareAndSet(known, fetch);
        return fetch;
    }

    @Override
    public CompletionStage<Void> activate(Adapter adapter) {
        String name = adapter.name();
        String path = adapter.path().toAbsolutePath().normalize().toString();
        CompletableFuture<Void> stage = Async.start(() -> {
            String current = active.get(name);
            if (current != null) {
                return CompletableFuture.completedFuture(sameOrRejected(name, current, path));
            }
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> running = activating.putIfAbsent(name, mine);
            if (running != null) {
                // another activation of this name is in flight: wait for it, then compare paths
                return running.handle((v, e) -> null).thenCompose(v -> activate(adapter).toCompletableFuture());
            }
            warmUp(adapter, name, path).whenComplete((v, e) -> {
                activating.remove(name, mine);
                if (e == null) {
                    mine.complete(null);
                } else {
                    mine.completeExceptionally(e);
                }
            });
            return mine;
        });
        return Async.asBackendFailures(stage, STACK, "activate '" + name + "'");
    }

    private CompletableFuture<Void> warmUp(Adapter adapter, String name, String path) {
        return Async.onBlocking(blocking, () -> AdapterChecks.check(adapter.path(), config.maxLoraRank()))
                .thenCompose(cfg -> http.post("/generate", LoraxRequests.warmUp(path)))
                .thenApply(reply -> {
                    if (!reply.ok()) {
                        throw http.failure(reply, reply.status() == 424 ? "LoRAX could not load the adapter from "
                                + path + " (is that path visible to the LoRAX server?)" : null);
                    }
                    String previous = active.putIfAbsent(name, path);
                    return previous == null ? null : sameOrRejected(name, previous, path);
                });
    }

    private static Void sameOrRejected(String name, String current, String path) {
        if (Path.of(current).equals(Path.of(path))) {
            return null;
        }
        throw new BackendException(Reason.REJECTED, "LoRAX adapter '" + name + "' is already active from " + current
                + "; adapter names are never reused, activate " + path + " under a new name");
    }

    @Override
    public CompletionStage<Void> retire(String adapterName) {
        if (active.remove(adapterName) == null) {
            return CompletableFuture.failedFuture(new BackendException(Reason.NOT_FOUND, "LoRAX adapter '"
                    + adapterName + "' is not active; active: " + active.keySet()));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<List<String>> loadedAdapters() {
        return CompletableFuture.completedFuture(List.copyOf(active.keySet()));
    }

    /** Stops this backend's HTTP threads. */
    @Override
    public void close() {
        http.close();
    }
}
