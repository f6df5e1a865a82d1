package dev.feedloop.sglang;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/** Reading and checking the {@code plugins.<name>.*} keys the drivers in this module share. Stateless. */
final class Settings {
    private Settings() {}

    /**
     * Fails on keys the plugin does not know, so a typo ({@code max_lora_rank}) stops startup instead of being
     * ignored.
     *
     * @throws PluginException naming the unknown keys and the known ones
     */
    static void onlyKnownKeys(PluginContext ctx, Set<String> known) {
        Set<String> unknown = new TreeSet<>(ctx.config().keySet());
        unknown.removeAll(known);
        if (!unknown.isEmpty()) {
            throw new PluginException("plugin '" + ctx.pluginName() + "' does not know the settings "
                    + unknown.stream().map(k -> key(ctx, k)).toList() + "; it reads " + new TreeSet<>(known));
        }
    }

    /**
     * The required {@code url}: an absolute http(s) URL without query or fragment.
     *
     * @throws PluginException naming {@code plugins.<name>.url}
     */
    static URI url(PluginContext ctx) {
        String raw = ctx.require("url").strip();
        try {
            URI uri = new URI(raw);
            String scheme = uri.getScheme();
            if (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new PluginException(key(ctx, "url") + " = '" + raw + "': must be an http(s) base URL such as "
                + "http://127.0.0.1:8001");
    }

    /**
     * A positive duration.
     *
     * @throws PluginException naming the key if it is malformed, negative or zero
     */
    static Duration positiveDuration(PluginContext ctx, String name, Duration defaultValue) {
        Duration d = ctx.getDuration(name, defaultValue);
        if (d.isZero()) {
            throw new PluginException(key(ctx, name) + " = '" + ctx.config().get(name) + "': must be longer than 0");
        }
        return d;
    }

    /** The optional {@code api-key}; blank means none. */
    static String apiKey(PluginContext ctx) {
        String key = ctx.get("api-key", null);
        return key == null || key.isBlank() ? null : key.strip();
    }

    /** {@code plugins.<name>.<key>}, as the sidecar's config names it. */
    static String key(PluginContext ctx, String name) {
        return "plugins." + ctx.pluginName() + "." + name;
    }
}
