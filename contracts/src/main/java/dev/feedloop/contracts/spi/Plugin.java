package dev.feedloop.contracts.spi;

/**
 * A plugin instance, made by its {@link PluginProvider}. Instances own resources (connections,
 * threads) and are closed when the sidecar stops.
 */
public interface Plugin extends AutoCloseable {
    /** Releases the plugin's resources. Called once, on a worker thread; may block briefly. */
    @Override
    default void close() {}
}
