package dev.feedloop.lorax;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackendProvider;

/**
 * The {@code lorax} serving backend: a LoRAX router, with adapters named per request by their local path.
 *
 * <p>Settings ({@code plugins.lorax.*}):
 * <table>
 *   <caption>LoRAX driver settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code url}</td><td>required</td><td>base URL, e.g. {@code http://127.0.0.1:8080}</td></tr>
 *   <tr><td>{@code base-model}</td><td>{@code model_id} of {@code GET /info}</td><td>the name samples for the
 *       base model use</td></tr>
 *   <tr><td>{@code api-key}</td><td>none</td><td>sent as a bearer token, for a proxy in front of LoRAX (LoRAX
 *       itself takes a bearer as a Hugging Face token, unused for local adapters)</td></tr>
 *   <tr><td>{@code timeout}</td><td>{@code 30s}</td><td>connect and per-request timeout; the first request
 *       naming an adapter includes loading it</td></tr>
 *   <tr><td>{@code max-lora-rank}</td><td>no limit</td><td>adapters of a higher rank are refused before any
 *       request</td></tr>
 * </table>
 *
 * <p>Adapter paths are sent as this process sees them: mount the adapter store at the same path in the LoRAX
 * container. Cheap to construct; {@link #create} validates every setting and starts no connection.
 * Thread-safe.
 */
public final class LoraxBackendProvider implements ServingBackendProvider {
    /** Creates the provider (the {@link java.util.ServiceLoader} entry point). */
    public LoraxBackendProvider() {}

    /** {@code lorax}. */
    @Override
    public String name() {
        return "lorax";
    }

    /**
     * Creates a backend for one LoRAX router. Called once, on the main thread; does not block.
     *
     * @throws PluginException naming the first bad {@code plugins.lorax.*} setting
     */
    @Override
    public ServingBackend create(PluginContext context) {
        return new LoraxBackend(LoraxConfig.from(context), context.blockingExecutor());
    }
}
