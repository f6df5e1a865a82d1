package dev.feedloop.contracts.spi;

/** Makes {@link Judge}s; list implementations in {@code META-INF/services/dev.feedloop.contracts.spi.JudgeProvider}. */
public interface JudgeProvider extends PluginProvider<Judge> {}
