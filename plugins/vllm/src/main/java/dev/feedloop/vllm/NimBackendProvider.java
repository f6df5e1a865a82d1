package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackendProvider;

/**
 * The {@code nim} serving backend: an NVIDIA NIM for LLMs (which wraps vLLM), with adapters published into
 * its {@code NIM_PEFT_SOURCE} directory and detected by polling {@code GET /v1/models}.
 *
 * <p>Settings ({@code plugins.nim.*}):
 * <table>
 *   <caption>NIM driver settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code url}</td><td>required</td><td>base URL, e.g. {@code http://127.0.0.1:8000}</td></tr>
 *   <tr><td>{@code directory}</td><td>required</td><td>{@code NIM_PEFT_SOURCE} as this process sees it</td></tr>
 *   <tr><td>{@code api-key}</td><td>none</td><td>sent as a bearer token</td></tr>
 *   <tr><td>{@code timeout}</td><td>{@code 60s}</td><td>how long activation and retirement wait for
 *       {@code /v1/models} to change (longer than {@code NIM_PEFT_REFRESH_INTERVAL}); also the request
 *       timeout</td></tr>
 *   <tr><td>{@code poll-interval}</td><td>{@code 1s}</td><td>pause between two looks at
 *       {@code /v1/models}</td></tr>
 *   <tr><td>{@code max-lora-rank}</td><td>{@code 16}</td><td>the NIM's {@code NIM_MAX_LORA_RANK}; adapters
 *       above it are refused before publishing</td></tr>
 * </table>
 *
 * <p>Whether NIM unloads an adapter whose directory is removed depends on its version; see the retirement
 * notes of the backend. Cheap to construct; {@link #create} validates every setting. Thread-safe.
 */
public final class NimBackendProvider implements ServingBackendProvider {
    /** Creates the provider (the {@link java.util.ServiceLoader} entry point). */
    public NimBackendProvider() {}

    /** {@code nim}. */
    @Override
    public String name() {
        return "nim";
    }

    /**
     * Creates a backend for one NIM. Called once, on the main thread; does not block.
     *
     * @throws PluginException naming the first bad {@code plugins.nim.*} setting
     */
    @Override
    public ServingBackend create(PluginContext context) {
        return new NimBackend(NimConfig.from(context), context.blockingExecutor(), context.clock(),
                AdapterFiles.BeforeRename.NONE);
    }
}
