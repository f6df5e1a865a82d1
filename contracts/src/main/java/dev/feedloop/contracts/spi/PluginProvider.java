package dev.feedloop.contracts.spi;

/**
 * Finds and makes one kind of plugin. Providers are listed in {@code META-INF/services/<SPI provider
 * interface>} and discovered by {@link java.util.ServiceLoader}.
 *
 * <p>A provider must have a public no-argument constructor and be cheap to construct: the registry
 * instantiates every provider on the classpath to learn its name, enabled or not.
 *
 * @param <T> the plugin type
 */
public interface PluginProvider<T extends Plugin> {
    /**
     * The plugin's name: lower-case letters, digits and hyphens, starting with a letter or digit
     * (for example {@code vllm}, {@code openai-judge}). It is the name used in {@code plugins.enabled}
     * and the config prefix {@code plugins.<name>.*}. Two providers of one SPI may not share a name.
     */
    String name();

    /**
     * Creates a plugin instance. Validates {@link PluginContext#config()} eagerly and throws
     * {@link PluginException} naming the bad key, so a misconfiguration stops startup instead of
     * failing the first request. Called once per sidecar start, on the main thread; may block briefly.
     *
     * @param context the plugin's configuration and the sidecar services it may use
     * @return a new instance
     * @throws PluginException if the configuration is invalid
     */
    T create(PluginContext context);
}
