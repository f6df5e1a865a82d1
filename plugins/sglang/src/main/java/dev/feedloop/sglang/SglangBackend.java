package dev.feedloop.sglang;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.sglang.ModelCards.Card;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Drives one SGLang server: adapters through {@code POST /load_lora_adapter} and {@code /unload_lora_adapter},
 * sampling through the OpenAI-compatible routes with {@code "model": "<base>:<adapter>"}.
 *
 * <p><b>Activation</b> refuses an adapter SGLang would reject (rank above {@code max-lora-rank}, DoRA, a bias,
 * {@code modules_to_save}, unknown target modules, no weights) before any request, then sends
 * {@code {lora_name, lora_path, pinned:false}}. SGLang answers {@code {success, error_message,
 * loaded_adapters}} with 200 or 400. A 400 is idempotent success when the adapters the server reports (the
 * answer's {@code loaded_adapters}, or {@code GET /v1/models} when the answer has none) hold the name with the
 * same path; otherwise it is {@code REJECTED} with the server's {@code error_message}. No error text is
 * parsed to decide this.
 *
 * <p><b>Retirement</b> is {@code POST /unload_lora_adapter}. SGLang answers an unknown name with 400, not 404;
 * it is reported as {@code NOT_FOUND} when the server's adapter list does not hold the name.
 *
 * <p><b>Listing.</b> Recent SGLang lists adapters in {@code GET /v1/models} (cards with a {@code parent});
 * older builds list only the base model. Once the listing has shown an adapter it is trusted; until then, the
 * {@code loaded_adapters} of the last load or unload answer is used when there is one.
 *
 * <p><b>Sampling</b> sends {@code model} = {@code base-model} for the base model and
 * {@code <base-model>:<adapter>} otherwise (SGLang splits at the first colon). SGLang answers a request for an
 * adapter it has not loaded with 400; that is reported as {@code NOT_FOUND} when the adapter is not listed.
 *
 * <p><b>Threading:</b> no method blocks; HTTP completes on this backend's own threads, the adapter check runs
 * on the sidecar's blocking executor. Every failure is a {@link BackendException}. Thread-safe.
 */
final class SglangBackend implements ServingBackend {
    static final String STACK = "SGLang";

    private final SglangConfig config;
    private final Executor blocking;
    private final HttpJson http;
    /** The last {@code loaded_adapters} the server reported (name to path, path may be null); null before. */
    private volatile Map<String, String> lastReported;
    /** Whether {@code /v1/models} has been seen listing an adapter, so this build lists them. */
    private volatile boolean listingShowsAdapters;

    SglangBackend(SglangConfig config, Executor blocking) {
        this.config = Objects.requireNonNull(config, "config");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.http = new HttpJson(STACK, config.url(), config.apiKey(), config.timeout());
    }

    @Override
    public CompletionStage<List<Sample>> sample(SampleRequest request) {
        boolean base = request.model().equals(config.baseModel());
        String model = base ? config.baseModel() : config.baseModel() + ":" + request.model();
        CompletableFuture<List<Sample>> stage = OpenAiSampling.send(http, request, model).thenCompose(sent -> {
            HttpJson.Reply reply = sent.reply();
            if (reply.ok()) {
                return CompletableFuture.completedFuture(
                        OpenAiSampling.parse(STACK, http.json(reply), sent.route(), request.n()));
            }
            if (reply.status() == 400 && !base) {
                return adapters().thenApply(loaded -> {
                    Reason reason = loaded.containsKey(request.model()) ? Reason.REJECTED : Reason.NOT_FOUND;
                    throw new BackendException(reason, http.failure(reply).getMessage());
                });
            }
            throw http.failure(reply);
        });
        return Async.asBackendFailures(stage, STACK, "sample");
    }

    @Override
    public CompletionStage<Void> activate(Adapter adapter) {
        String name = adapter.name();
        String path = adapter.path().toAbsolutePath().normalize().toString();
        CompletableFuture<Void> stage = Async.start(() -> Async.onBlocking(blocking,
                        () -> AdapterChecks.checkServable(STACK, adapter.path(), config.maxLoraRank()))
                .thenCompose(cfg -> {
                    ObjectNode body = HttpJson.JSON.createObjectNode().put("lora_name", name).put("lora_path", path)
                            .put("pinned", false);
                    return http.post("/load_lora_adapter", body);
                })
                .thenCompose(reply -> {
                    if (!reply.ok() && reply.status() != 400) {
                        throw http.failure(reply);
                    }
                    JsonNode answer = http.json(reply);
                    Map<String, String> reported = remember(answer);
                    if (reply.ok() && answer.path("success").asBoolean(false)) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    CompletableFuture<Map<String, String>> loaded = reported != null
                            ? CompletableFuture.completedFuture(reported) : adapters();
                    return loaded.<Void>thenApply(adapters -> {
                        if (adapters.containsKey(name) && samePath(adapters.get(name), path)) {
                            return null; // already loaded from the same path
                        }
                        String from = adapters.containsKey(name) ? "; '" + name + "' is loaded from "
                                + adapters.get(name) : "";
                        throw new BackendException(Reason.REJECTED, STACK + " POST /load_lora_adapter refused '"
                                + name + "': HTTP " + reply.status() + ": " + ServerErrors.describe(reply.body())
                                + from);
                    });
                }));
        return Async.asBackendFailures(stage, STACK, "activate '" + name + "'");
    }

    @Override
    public CompletionStage<Void> retire(String adapterName) {
        ObjectNode body = HttpJson.JSON.createObjectNode().put("lora_name", adapterName);
        CompletableFuture<Void> stage = http.post("/unload_lora_adapter", body).thenCompose(reply -> {
            if (!reply.ok() && reply.status() != 400) {
                throw http.failure(reply);
            }
            JsonNode answer = http.json(reply);
            Map<String, String> reported = remember(answer);
            if (reply.ok() && answer.path("success").asBoolean(false)) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            CompletableFuture<Map<String, String>> loaded = reported != null
                    ? CompletableFuture.completedFuture(reported) : adapters();
            return loaded.<Void>thenApply(adapters -> {
                Reason reason = adapters.containsKey(adapterName) ? Reason.REJECTED : Reason.NOT_FOUND;
                throw new BackendException(reason, STACK + " POST /unload_lora_adapter failed for '" + adapterName
                        + "': HTTP " + reply.status() + ": " + ServerErrors.describe(reply.body()));
            });
        });
        return Async.asBackendFailures(stage, STACK, "retire '" + adapterName + "'");
    }

    @Override
    public CompletionStage<List<String>> loadedAdapters() {
        CompletableFuture<List<String>> stage = adapters().thenApply(m -> List.copyOf(m.keySet()));
        return Async.asBackendFailures(stage, STACK, "list adapters");
    }

    /**
     * The loaded adapters, name to path: from {@code /v1/models} when this build lists adapters there (or
     * nothing else is known), else from the last load or unload answer.
     */
    private CompletableFuture<Map<String, String>> adapters() {
        return ModelCards.fetch(http).handle((cards, error) -> {
            Map<String, String> known = lastReported;
            if (error != null) {
                if (known != null) {
                    return known;
                }
                throw Async.toBackendException(HttpJson.unwrap(error), STACK, "GET /v1/models");
            }
            Map<String, String> listed = new LinkedHashMap<>();
            for (Card c : cards) {
                if (c.isAdapter()) {
                    listed.put(c.id(), c.root());
                }
            }
            if (!listed.isEmpty()) {
                listingShowsAdapters = true;
            }
            return listingShowsAdapters || known == null ? Collections.unmodifiableMap(listed) : known;
        });
    }

    /**
     * Records the {@code loaded_adapters} of a load or unload answer. Its values are paths in some SGLang builds
     * and serialized {@code LoRARef}s ({@code {lora_id, lora_name, lora_path, pinned}}) in others.
     *
     * @return name to path, or null if the answer has no {@code loaded_adapters} object
     */
    private Map<String, String> remember(JsonNode answer) {
        JsonNode la = answer.get("loaded_adapters");
        if (la == null || !la.isObject()) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        la.properties().forEach(e -> names.add(e.getKey()));
        for (String n : names) {
            JsonNode v = la.get(n);
            String path = v.isTextual() ? v.asText() : v.isObject() && v.path("lora_path").isTextual()
                    ? v.get("lora_path").asText() : null;
            out.put(n, path);
        }
        Map<String, String> reported = Collections.unmodifiableMap(out);
        lastReported = reported;
        return reported;
    }

    /** Stops this backend's HTTP threads. */
    @Override
    public void close() {
        http.close();
    }

    private static boolean samePath(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        try {
            return Path.of(a).normalize().equals(Path.of(b).normalize());
        } catch (RuntimeException notAPath) {
            return a.equals(b);
        }
    }
}
