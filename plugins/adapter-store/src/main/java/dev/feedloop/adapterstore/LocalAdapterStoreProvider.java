package dev.feedloop.adapterstore;

import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.AdapterStoreProvider;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;

/**
 * Makes {@link LocalAdapterStore}s, the adapter store named {@code local}: versions published into a directory
 * (served over HTTP by the trainer) and fetched over {@code file:} or {@code http(s):} with verification.
 *
 * <pre>{@code
 * plugins:
 *   enabled: [local]
 *   local:
 *     root: /var/lib/feedloop/adapters            # trainer: where versions are published
 *     public-url: http://trainer:8090/adapters/   # trainer: where that root is served
 *     cache: /var/cache/feedloop/adapters         # tap: where fetched versions are kept (optional)
 *     timeout: 60s
 *     max-bytes: 2GiB
 * }</pre>
 *
 * <p>See {@link LocalAdapterStore} for the layout, the URL scheme a server of the root must follow, and the
 * failure reasons.
 */
public final class LocalAdapterStoreProvider implements AdapterStoreProvider {
    /** The plugin's name, in {@code plugins.enabled} and as the prefix of its settings. */
    public static final String NAME = "local";

    /** For {@link java.util.ServiceLoader}; does nothing. */
    public LocalAdapterStoreProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Validates the settings, creates {@code root} and {@code cache} if set and removes their {@code .tmp-*}
     * leftovers.
     *
     * @throws PluginException naming {@code plugins.<name>.<key>} for an unknown key, a bad value or an unusable
     *     directory
     */
    @Override
    public AdapterStore create(PluginContext context) {
        return LocalAdapterStore.create(context);
    }
}
