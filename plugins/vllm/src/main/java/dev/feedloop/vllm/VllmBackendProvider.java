package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackendProvider;

/**
 * The {@code vllm} serving backend: a vLLM server's OpenAI-compatible API for sampling, and its runtime LoRA
 * API or LoRA filesystem resolver for adapters.
 *
 * <p>Settings ({@code plugins.vllm.*}):
 * <table>
 *   <caption>vLLM driver settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code url}</td><td>required</td><td>base URL, e.g. {@code http://127.0.0.1:8001}</td></tr>
 *   <tr><td>{@code mode}</td><td>{@code api}</td><td>{@code api}: {@code /v1/load_lora_adapter} and
 *       {@code /v1/unload_lora_adapter} (server env {@code VLLM_ALLOW_RUNTIME_LORA_UPDATING=True});
 *       {@code directory}: copy adapters into the filesystem resolver's cache (server env
 *       {@code VLLM_PLUGINS=lora_filesystem_resolver}, {@code VLLM_LORA_RESOLVER_CACHE_DIR}, and the runtime
 *       flag too, which unloading and resolvers need)</td></tr>
 *   <tr><td>{@code directory}</td><td>required in directory mode</td><td>{@code VLLM_LORA_RESOLVER_CACHE_DIR}
 *       as this process sees it (same file system, mounted at the same path as for the server)</td></tr>
 *   <tr><td>{@code api-key}</td><td>none</td><td>the server's {@code --api-key}, sent as a bearer token</td></tr>
 *   <tr><td>{@code timeout}</td><td>{@code 30s}</td><td>connect and per-request timeout</td></tr>
 *   <tr><td>{@code max-lora-rank}</td><td>{@code 16}</td><td>the server's {@code --max-lora-rank}; adapters
 *       above it are refused before any request</td></tr>
 * </table>
 *
 * <p>Cheap to construct; {@link #create} validates every setting and starts no connection. Thread-safe.
 */
public final class VllmBackendProvider implements ServingBackendProvider {
    /** Creates the provider (the {@link java.util.ServiceLoader} entry point). */
    public VllmBackendProvider() {}

    /** {@code vllm}. */
    @Override
    public String name() {
        return "vllm";
    }

    /**
     * Creates a backend for one vLLM server. Called once, on the main thread; does not block.
     *
     * @throws PluginException naming the first bad {@code plugins.vllm.*} setting
     */
    @Override
    public ServingBackend create(PluginContext context) {
        return new VllmBackend(VllmConfig.from(context), context.blockingExecutor(), AdapterFiles.BeforeRename.NONE);
    }
}
