package dev.feedloop.sidecar.plugin;

import dev.feedloop.contracts.spi.AdapterStoreProvider;
import dev.feedloop.contracts.spi.JudgeProvider;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.PluginProvider;
import dev.feedloop.contracts.spi.PluginRegistry;
import dev.feedloop.contracts.spi.RedactorProvider;
import dev.feedloop.contracts.spi.ServingBackendProvider;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every plugin on the classpath, for all four SPIs, and the resolution of {@code plugins.enabled}
 * against them. Loading fails on a broken or duplicate provider; resolving fails on a name no SPI
 * has, listing what is available per kind.
 */
public final class PluginCatalog {
    private final PluginRegistry<ServingBackendProvider> servingBackends;
    private final PluginRegistry<JudgeProvider> judges;
    private final PluginRegistry<AdapterStoreProvider> adapterStores;
    private final PluginRegistry<RedactorProvider> redactors;

    private PluginCatalog(ClassLoader cl) {
        servingBackends = PluginRegistry.load(ServingBackendProvider.class, cl);
        judges = PluginRegistry.load(JudgeProvider.class, cl);
        adapterStores = PluginRegistry.load(AdapterStoreProvider.class, cl);
        redactors = PluginRegistry.load(RedactorProvider.class, cl);
    }

    /**
     * Discovers the plugins visible to a class loader.
     *
     * @throws PluginException if a provider cannot be loaded or two share a name
     */
    public static PluginCatalog load(ClassLoader cl) {
        return new PluginCatalog(cl);
    }

    private List<PluginRegistry<? extends PluginProvider<?>>> registries() {
        return List.of(servingBackends, judges, adapterStores, redactors);
    }

    /** Available names per kind, e.g. {@code {judge=[openai-judge], redactor=[]...}}. */
    public Map<String, List<String>> available() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (PluginRegistry<? extends PluginProvider<?>> r : registries()) {
            out.put(r.kind(), r.names());
        }
        return out;
    }

    /**
     * Resolves an allow-list to the kind of each plugin.
     *
     * @return plugin name → kind, in allow-list order
     * @throws PluginException naming an unknown or repeated plugin, with what is available
     */
    public Map<String, String> resolve(List<String> enabled) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : enabled) {
            List<String> kinds = new ArrayList<>();
            for (PluginRegistry<? extends PluginProvider<?>> r : registries()) {
                if (r.find(name).isPresent()) {
                    kinds.add(r.kind());
                }
            }
            if (kinds.isEmpty()) {
                throw new PluginException("plugins.enabled names unknown plugin '" + name + "'; available: " + available());
            }
            if (out.put(name, String.join("+", kinds)) != null) {
                throw new PluginException("plugins.enabled names plugin '" + name + "' twice");
            }
        }
        return out;
    }

    /** The serving-backend providers. */
    public PluginRegistry<ServingBackendProvider> servingBackends() {
        return servingBackends;
    }

    /** The judge providers. */
    public PluginRegistry<JudgeProvider> judges() {
        return judges;
    }

    /** The adapter-store providers. */
    public PluginRegistry<AdapterStoreProvider> adapterStores() {
        return adapterStores;
    }

    /** The redactor providers. */
    public PluginRegistry<RedactorProvider> redactors() {
        return redactors;
    }
}
