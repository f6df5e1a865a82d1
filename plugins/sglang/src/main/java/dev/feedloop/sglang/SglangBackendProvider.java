package dev.feedloop.sglang;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackendProvider;

/**
 * The {@code sglang} serving backend: an SGLang server's runtime LoRA routes for adapters and its
 * OpenAI-compatible routes for sampling.
 *
 * <p>Settings ({@code plugins.sglang.*}):
 * <table>
 *   <caption>SGLang driver settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code url}</td><td>required</td><td>base URL, e.g. {@code http://127.0.0.1:30000}</td></tr>
 *   <tr><td>{@code base-model}</td><td>required</td><td>the served model name; adapters are addressed as
 *       {@code <base-model>:<adapter>}</td></tr>
 *   <tr><td>{@code api-key}</td><td>none</td><td>sent as a bearer token on every route; when the server has an
 *       {@code --admin-api-key}, the LoRA routes need that one</td></tr>
 *   <tr><td>{@code timeout}</td><td>{@code 30s}</td><td>connect and per-request timeout</td></tr>
 *   <tr><td>{@code max-lora-rank}</td><td>{@code 16}</td><td>the server's {@code --max-lora-rank}; adapters
 *       above it are refused before any request</td></tr>
 * </table>
 *
 * <p>Start SGLang with {@code --enable-lora}, and for adapters loaded at runtime with explicit
 * {@code --max-lora-rank} and {@code --lora-target-modules}. Cheap to construct; {@link #create} validates every
 * setting and starts no connection. Thread-safe.
 */
public final class SglangBackendProvider implements ServingBackendProvider {
    /** Creates the provider (the {@link java.util.ServiceLoader} entry point). */
    public SglangBackendProvider() {}

    /** {@code sglang}. */
    @Override
    public String name() {
        return "sglang";
    }

    /**
     * Creates a backend for one SGLang server. Called once, on the main thread; does not block.
     *
     * @throws PluginException naming the first bad {@code plugins.sglang.*} setting
     */
    @Override
    public ServingBackend create(PluginContext context) {
        return new SglangBackend(SglangConfig.from(context), context.blockingExecutor());
    }
}
