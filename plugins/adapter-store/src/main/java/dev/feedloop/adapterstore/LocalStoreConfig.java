package dev.feedloop.adapterstore;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings of one {@link LocalAdapterStore}, parsed and validated once from {@code plugins.<name>.*}.
 *
 * @param root where versions are published, absolute and normalized; null on a store that only fetches
 * @param publicUrl the http(s) URL under which {@code root} is served, ending in {@code /}; null to publish
 *     {@code file:} URIs
 * @param cache where fetched versions are kept, absolute and normalized; null to fetch straight into the target
 * @param timeout connect, response-header and body-idle timeout of HTTP fetches; positive
 * @param maxBytes the largest total size of a release that fetch accepts; positive
 */
record LocalStoreConfig(Path root, URI publicUrl, Path cache, Duration timeout, long maxBytes) {
    static final String ROOT = "root";
    static final String PUBLIC_URL = "public-url";
    static final String CACHE = "cache";
    static final String TIMEOUT = "timeout";
    static final String MAX_BYTES = "max-bytes";
    static final Set<String> KEYS = Set.of(ROOT, PUBLIC_URL, CACHE, TIMEOUT, MAX_BYTES);

    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final long DEFAULT_MAX_BYTES = 2L << 30;

    private static final Pattern BYTE_COUNT = Pattern.compile("(\\d{1,19})\\s*(B|KiB|MiB|GiB|TiB)?");

    /**
     * Reads and checks every setting; creates no directory.
     *
     * @throws PluginException naming {@code plugins.<name>.<key>} for an unknown key or a bad value
     */
    static LocalStoreConfig from(PluginContext ctx) {
        for (String key : ctx.config().keySet()) {
            if (!KEYS.contains(key)) {
                throw new PluginException(fullKey(ctx, key) + " is not a setting of plugin '" + ctx.pluginName()
                        + "'; known settings: " + new TreeSet<>(KEYS));
            }
        }
        Path root = directory(ctx, ROOT);
        URI publicUrl = publicUrl(ctx);
        if (publicUrl != null && root == null) {
            throw new PluginException(fullKey(ctx, PUBLIC_URL) + " is set but " + fullKey(ctx, ROOT)
                    + " is not: the public URL is where the trainer serves the root");
        }
        Path cache = directory(ctx, CACHE);
        if (cache != null && root != null && (cache.startsWith(root) || root.startsWith(cache))) {
            throw new PluginException(fullKey(ctx, CACHE) + " = '" + cache + "' and " + fullKey(ctx, ROOT) + " = '"
                    + root + "' must not contain one another");
        }
        Duration timeout = ctx.getDuration(TIMEOUT, DEFAULT_TIMEOUT);
        if (timeout.isZero()) {
            throw new PluginException(fullKey(ctx, TIMEOUT) + " = '" + ctx.config().get(TIMEOUT)
                    + "': must be longer than zero");
        }
        long maxBytes = byteCount(ctx, MAX_BYTES, DEFAULT_MAX_BYTES);
        return new LocalStoreConfig(root, publicUrl, cache, timeout, maxBytes);
    }

    /** {@code plugins.<name>.<key>}, as error messages name a setting. */
    static String fullKey(PluginContext ctx, String key) {
        return fullKey(ctx.pluginName(), key);
    }

    /** {@code plugins.<pluginName>.<key>}. */
    static String fullKey(String pluginName, String key) {
        return "plugins." + pluginName + "." + key;
    }

    /** An optional directory path; blank counts as unset. Made absolute and normalized. */
    private static Path directory(PluginContext ctx, String key) {
        String v = ctx.get(key, "");
        if (v.isBlank()) {
            return null;
        }
        try {
            return Path.of(v.trim()).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new PluginException(fullKey(ctx, key) + " = '" + v + "': not a valid path: " + e.getMessage(), e);
        }
    }

    /** An optional absolute http(s) URL without query or fragment, given a trailing {@code /}. */
    private static URI publicUrl(PluginContext ctx) {
        String v = ctx.get(PUBLIC_URL, "");
        if (v.isBlank()) {
            return null;
        }
        String bad = fullKey(ctx, PUBLIC_URL) + " = '" + v + "': ";
        URI uri;
        try {
            uri = new URI(v.trim());
        } catch (URISyntaxException e) {
            throw new PluginException(bad + "not a valid URL: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new PluginException(bad + "must be an absolute http:// or https:// URL such as "
                    + "http://trainer:8090/adapters/");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new PluginException(bad + "must not have a query or a fragment");
        }
        String s = uri.toString();
        return s.endsWith("/") ? uri : URI.create(s + "/");
    }

    /** An optional positive byte count: digits with an optional unit B, KiB, MiB, GiB or TiB. */
    private static long byteCount(PluginContext ctx, String key, long defaultValue) {
        String v = ctx.config().get(key);
        if (v == null) {
            return defaultValue;
        }
        Matcher m = BYTE_COUNT.matcher(v.trim());
        if (m.matches()) {
            try {
                long n = Long.parseLong(m.group(1));
                int shift = m.group(2) == null ? 0 : switch (m.group(2)) {
                    case "KiB" -> 10;
                    case "MiB" -> 20;
                    case "GiB" -> 30;
                    case "TiB" -> 40;
                    default -> 0;
                };
                long bytes = Math.multiplyExact(n, 1L << shift);
                if (bytes > 0) {
                    return bytes;
                }
            } catch (NumberFormatException | ArithmeticException e) {
                // too large: fall through to the error below
            }
        }
        throw new PluginException(fullKey(ctx, key) + " = '" + v + "': must be a positive byte count such as "
                + "2147483648, 512MiB or 2GiB");
    }
}
