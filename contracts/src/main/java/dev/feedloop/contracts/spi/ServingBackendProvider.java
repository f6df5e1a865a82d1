package dev.feedloop.contracts.spi;

/** Makes {@link ServingBackend}s; list implementations in {@code META-INF/services/dev.feedloop.contracts.spi.ServingBackendProvider}. */
public interface ServingBackendProvider extends PluginProvider<ServingBackend> {}
