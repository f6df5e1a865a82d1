package dev.feedloop.contracts.spi;

/** Makes {@link Redactor}s; list implementations in {@code META-INF/services/dev.feedloop.contracts.spi.RedactorProvider}. */
public interface RedactorProvider extends PluginProvider<Redactor> {}
