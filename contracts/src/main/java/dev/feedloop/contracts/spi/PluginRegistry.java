package dev.feedloop.contracts.spi;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The providers of one SPI found on the classpath, by name.
 *
 * <p>Unlike a registry that logs and carries on, this one fails loudly: a provider that cannot be
 * instantiated, a provider with an invalid name, and two providers with the same name each fail
 * {@link #load} with a {@link PluginException}; asking for an unknown name fails with the list of
 * available names. Immutable and thread-safe once loaded.
 *
 * <pre>{@code
 * PluginRegistry<JudgeProvider> judges = PluginRegistry.load(JudgeProvider.class, classLoader);
 * List<JudgeProvider> enabled = judges.enabled(List.of("openai-judge"));
 * }</pre>
 *
 * @param <P> the provider interface
 */
public final class PluginRegistry<P extends PluginProvider<?>> {
    private static final Pattern NAME = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private final Class<P> spi;
    private final Map<String, P> byName;

    private PluginRegistry(Class<P> spi, Map<String, P> byName) {
        this.spi = spi;
        this.byName = byName;
    }

    /**
     * Discovers every provider of {@code spi} with {@link ServiceLoader}.
     *
     * @throws PluginException if a listed provider cannot be loaded, has an invalid name, or shares
     *     its name with another
     */
    public static <P extends PluginProvider<?>> PluginRegistry<P> load(Class<P> spi, ClassLoader classLoader) {
        List<P> found = new ArrayList<>();
        Iterator<P> it = ServiceLoader.load(spi, classLoader).iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                found.add(it.next());
            } catch (ServiceConfigurationError e) {
                throw new PluginException("cannot load a " + kind(spi) + " plugin listed in META-INF/services/"
                        + spi.getName() + ": " + e.getMessage(), e);
            }
        }
        return of(spi, found);
    }

    /**
     * A registry over explicit providers (tools and tests).
     *
     * @throws PluginException on an invalid or duplicate name
     */
    public static <P extends PluginProvider<?>> PluginRegistry<P> of(Class<P> spi, List<P> providers) {
        Map<String, P> byName = new TreeMap<>();
        for (P p : providers) {
            String name = p.name();
            if (name == null || !NAME.matcher(name).matches()) {
                throw new PluginException(kind(spi) + " plugin " + p.getClass().getName() + " has invalid name '" + name
                        + "': use lower-case letters, digits and '-'");
            }
            P previous = byName.putIfAbsent(name, p);
            if (previous != null) {
                throw new PluginException("two " + kind(spi) + " plugins are named '" + name + "': "
                        + previous.getClass().getName() + " and " + p.getClass().getName()
                        + "; remove one jar from the classpath");
            }
        }
        return new PluginRegistry<>(spi, byName);
    }

    /** The SPI's kind in messages, e.g. {@code judge} for {@code JudgeProvider}. */
    public String kind() {
        return kind(spi);
    }

    /** Every available plugin name, sorted. */
    public List<String> names() {
        return List.copyOf(byName.keySet());
    }

    /** The provider with this name, if any. */
    public Optional<P> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    /**
     * The provider with this name.
     *
     * @throws PluginException {@code unknown judge plugin 'x'; available: [a, b]}
     */
    public P get(String name) {
        P p = byName.get(name);
        if (p == null) {
            throw new PluginException("unknown " + kind() + " plugin '" + name + "'; available: " + names());
        }
        return p;
    }

    /**
     * The providers named in an allow-list, in its order.
     *
     * @throws PluginException if a name is unknown (listing what is available) or repeated
     */
    public List<P> enabled(List<String> allowList) {
        Set<String> seen = new LinkedHashSet<>();
        List<P> out = new ArrayList<>();
        for (String name : allowList) {
            if (!seen.add(name)) {
                throw new PluginException(kind() + " plugin '" + name + "' is enabled twice");
            }
            out.add(get(name));
        }
        return out;
    }

    private static String kind(Class<?> spi) {
        String s = spi.getSimpleName().replaceFirst("Provider$", "");
        return s.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
