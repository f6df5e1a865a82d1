package dev.feedloop.vllm;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.vllm.ModelCards.Card;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Drives one vLLM server: sampling over the OpenAI-compatible routes, adapters through the runtime LoRA API
 * ({@link VllmConfig.Mode#API}) or the filesystem resolver ({@link VllmConfig.Mode#DIRECTORY}).
 *
 * <p><b>Activation, API mode.</b> {@code POST /v1/load_lora_adapter {lora_name, lora_path}}; the 200 body is
 * plain text and is not parsed. A 400 (vLLM's answer to a name that is already loaded) is success only if
 * {@code GET /v1/models} lists the name with {@code root} equal to the same path; otherwise it is
 * {@code REJECTED} with the server's message. The load is then confirmed by the name appearing in
 * {@code /v1/models}.
 *
 * <p><b>Activation, directory mode.</b> The adapter's {@code base_model_name_or_path} must equal the server's
 * {@code --model} (the {@code root} of a base card in {@code /v1/models}), or the resolver would ignore it. The
 * directory is copied atomically to {@code <directory>/<name>} (hidden staging sibling, fsync, rename), then
 * one 1-token completion naming the adapter makes the resolver load it, and {@code /v1/models} confirms it.
 *
 * <p><b>Retirement.</b> API mode: {@code POST /v1/unload_lora_adapter}; 404 is {@code NOT_FOUND}. Directory
 * mode: the directory is first renamed to a hidden sibling (so a stray request cannot make the resolver load
 * it again), then unloaded, then deleted; a 404 from the unload is fine if the directory existed (it was
 * published but never requested). If the unload fails otherwise, the directory is put back.
 *
 * <p>Before any request, activation reads {@code adapter_config.json} and refuses ({@code REJECTED}, listing
 * every reason) an adapter vLLM would reject: rank above {@code max-lora-rank}, a bias, DoRA,
 * {@code modules_to_save}, unknown target modules, no weights file.
 *
 * <p><b>Threading:</b> no method blocks; HTTP completes on this backend's own threads, file work runs on the
 * sidecar's blocking executor. Every failure is a {@link BackendException}. Thread-safe.
 */
final class VllmBackend implements ServingBackend {
    static final String STACK = "vLLM";

    private final VllmConfig config;
    private final Executor blocking;
    private final AdapterFiles.BeforeRename beforeRename;
    private final HttpJson http;

    VllmBackend(VllmConfig config, Executor blocking, AdapterFiles.BeforeRename beforeRename) {
        this.config = Objects.requireNonNull(config, "config");
        this.blocking = Objects.requireNonNull(blocking, "blocking");
        this.beforeRename = Objects.requireNonNull(beforeRename, "beforeRename");
        this.http = new HttpJson(STACK, config.url(), config.apiKey(), config.timeout());
    }

    @Override
    public CompletionStage<List<Sample>> sample(SampleRequest request) {
        return Async.asBackendFailures(OpenAiSampling.sample(http, request, true), STACK, "sample");
    }

    @Override
    public CompletionStage<Void> activate(Adapter adapter) {
        CompletableFuture<Void> stage = Async.start(() -> {
            if (config.mode() == VllmConfig.Mode.DIRECTORY) {
                AdapterFiles.checkDirectoryName(adapter.name());
            }
            return Async.onBlocking(blocking,
                            () -> AdapterFiles.checkServable(STACK, adapter.path(), config.maxLoraRank()))
                    .thenCompose(cfg -> config.mode() == VllmConfig.Mode.API
                            ? loadThroughApi(adapter)
                            : loadThroughResolver(adapter, cfg));
        });
        return Async.asBackendFailures(stage, STACK, "activate '" + adapter.name() + "'");
    }

    private CompletableFuture<Void> loadThroughApi(Adapter adapter) {
        String name = adapter.name();
        String path = serverPath(adapter.path());
        ObjectNode body = HttpJson.JSON.createObjectNode().put("lora_name", name).put("lora_path", path);
        return http.post("/v1/load_lora_adapter", body).thenCompose(reply -> {
            if (reply.ok()) {
                return confirmListed(name); // the body is plain text ("Success: LoRA adapter ... added ..."), unparsed
            }
            if (reply.status() == 400) {
                // vLLM's answer to an already-loaded name: fine if it is loaded from the same path
                return ModelCards.fetch(http).thenApply(cards -> {
                    Optional<Card> card = ModelCards.find(cards, name);
                    if (card.isPresent() && samePath(card.get().root(), path)) {
                        return null;
                    }
                    String loaded = card.map(c -> "; '" + name + "' is loaded from " + c.root()).orElse("");
                    throw new BackendException(Reason.REJECTED, http.failure(reply).getMessage() + loaded);
                });
            }
            throw http.failure(reply, reply.status() == 404 ? "the path must exist as the server sees it, and "
                    + "the server must run with VLLM_ALLOW_RUNTIME_LORA_UPDATING=True" : null);
        });
    }

    private CompletableFuture<Void> loadThroughResolver(Adapter adapter, AdapterConfig adapterConfig) {
        String name = adapter.name();
        return ModelCards.fetch(http).thenCompose(cards -> {
            List<String> models = cards.stream().filter(c -> !c.isAdapter()).map(Card::root)
                    .filter(Objects::nonNull).toList();
            if (!models.contains(adapterConfig.baseModelNameOrPath())) {
                throw new BackendException(Reason.REJECTED, "vLLM's filesystem resolver only loads an adapter whose "
                        + "base_model_name_or_path equals the server's --model " + models + "; " + adapter.path()
                        + " has " + adapterConfig.baseModelNameOrPath());
            }
            Optional<Card> loaded = ModelCards.find(cards, name);
            if (loaded.isPresent() && !isResolverPath(loaded.get().root(), name)) {
                throw new BackendException(Reason.REJECTED, "'" + name + "' is already loaded from "
                        + loaded.get().root() + ", not from the resolver directory");
            }
            return Async.onBlocking(blocking,
                    () -> AdapterFiles.publish(adapter.path(), config.directory(), name, beforeRename));
        }).thenCompose(published -> warmUp(name)).thenCompose(v -> confirmListed(name));
    }

    /** One 1-token completion naming the adapter: the request that makes the resolver load it. */
    private CompletableFuture<Void> warmUp(String name) {
        ObjectNode body = HttpJson.JSON.createObjectNode().put("model", name).put("prompt", "Hi")
                .put("max_tokens", 1).put("temperature", 0.0);
        return http.post("/v1/completions", body).thenApply(reply -> {
            if (!reply.ok()) {
                throw http.failure(reply, "the adapter was published as " + config.directory().resolve(name)
                        + "; the server needs VLLM_PLUGINS=lora_filesystem_resolver, VLLM_LORA_RESOLVER_CACHE_DIR "
                        + "pointing at that directory and VLLM_ALLOW_RUNTIME_LORA_UPDATING=True");
            }
            return null;
        });
    }

    private CompletableFuture<Void> confirmListed(String name) {
        return ModelCards.fetch(http).thenApply(cards -> {
            if (ModelCards.find(cards, name).isEmpty()) {
                throw new BackendException(Reason.PROTOCOL, "vLLM accepted adapter '" + name
                        + "' but GET /v1/models does not list it");
            }
            return null;
        });
    }

    @Override
    public CompletionStage<Void> retire(String adapterName) {
        CompletableFuture<Void> stage = Async.start(() -> config.mode() == VllmConfig.Mode.API
                ? unload(adapterName).thenApply(reply -> {
                    if (!reply.ok()) {
                        throw http.failure(reply);
                    }
                    return null;
                })
                : retireFromDirectory(adapterName));
        return Async.asBackendFailures(stage, STACK, "retire '" + adapterName + "'");
    }

    private CompletableFuture<HttpJson.Reply> unload(String name) {
        return http.post("/v1/unload_lora_adapter", HttpJson.JSON.createObjectNode().put("lora_name", name));
    }

    private CompletableFuture<Void> retireFromDirectory(String name) {
        Path root = config.directory();
        boolean canBePublished = isDirectoryName(name);
        return Async.onBlocking(blocking, () -> canBePublished ? AdapterFiles.hide(root, name) : null)
                .thenCompose(hidden -> unload(name).thenCompose(reply -> {
                    if (reply.ok() || reply.status() == 404 && hidden != null) {
                        return Async.<Void>onBlocking(blocking, () -> {
                            if (hidden != null) {
                                AdapterFiles.delete(hidden);
                            }
                            return null;
                        });
                    }
                    return Async.<Void>onBlocking(blocking, () -> {
                        if (hidden != null) {
                            AdapterFiles.restore(hidden, root, name);
                        }
                        throw http.failure(reply);
                    });
                }));
    }

    @Override
    public CompletionStage<List<String>> loadedAdapters() {
        CompletableFuture<List<String>> stage = ModelCards.fetch(http)
                .thenApply(cards -> cards.stream().filter(Card::isAdapter).map(Card::id).toList());
        return Async.asBackendFailures(stage, STACK, "list adapters");
    }

    /** Stops this backend's HTTP threads. */
    @Override
    public void close() {
        http.close();
    }

    /** The path as sent to the server: absolute and normalized. */
    static String serverPath(Path path) {
        return path.toAbsolutePath().normalize().toString();
    }

    /** Whether two server-side paths name the same directory (ignoring a trailing separator or {@code ./}). */
    static boolean samePath(String a, String b) {
        if (a == null || b == null) {
            return false;
        }
        try {
            return Path.of(a).normalize().equals(Path.of(b).normalize());
        } catch (RuntimeException notAPath) {
            return a.equals(b);
        }
    }

    /** Whether a card's root is where the resolver loads {@code name} from: {@code <cache dir>/<name>}. */
    private static boolean isResolverPath(String root, String name) {
        if (root == null) {
            return false;
        }
        try {
            Path p = Path.of(root).getFileName();
            return p != null && p.toString().equals(name);
        } catch (RuntimeException notAPath) {
            return false;
        }
    }

    private static boolean isDirectoryName(String name) {
        try {
            AdapterFiles.checkDirectoryName(name);
            return true;
        } catch (BackendException e) {
            return false;
        }
    }
}
