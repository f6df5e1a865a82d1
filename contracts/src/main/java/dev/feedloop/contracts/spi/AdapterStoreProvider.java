package dev.feedloop.contracts.spi;

/** Makes {@link AdapterStore}s; list implementations in {@code META-INF/services/dev.feedloop.contracts.spi.AdapterStoreProvider}. */
public interface AdapterStoreProvider extends PluginProvider<AdapterStore> {}
