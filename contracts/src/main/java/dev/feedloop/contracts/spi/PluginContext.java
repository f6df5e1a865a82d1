package dev.feedloop.contracts.spi;

import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * What a plugin gets from the sidecar when it is created.
 *
 * @param pluginName the plugin's name
 * @param config the {@code plugins.<name>.*} config keys with that prefix removed (for example
 *     {@code url}, {@code timeout}), as strings
 * @param clock the sidecar's clock; use it instead of {@code System.currentTimeMillis} so tests can
 *     control time
 * @param blockingExecutor a bounded pool for short blocking work (file I/O); never the event loop
 * @param metrics the sidecar's metrics
 */
public record PluginContext(
        String pluginName, Map<String, String> config, Clock clock, Executor blockingExecutor, PluginMetrics metrics) {

    public PluginContext {
        Objects.requireNonNull(pluginName, "pluginName");
        config = Map.copyOf(config);
        Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(blockingExecutor, "blockingExecutor");
        Objects.requireNonNull(metrics, "metrics");
    }

    /** A context with the given config, the system clock, a caller-runs executor and no metrics. */
    public static PluginContext of(String pluginName, Map<String, String> config) {
        return new PluginContext(pluginName, config, Clock.systemUTC(), Runnable::run, PluginMetrics.NOOP);
    }

    /**
     * A required string setting.
     *
     * @throws PluginException naming {@code plugins.<name>.<key>} if it is missing or blank
     */
    public String require(String key) {
        String v = config.get(key);
        if (v == null || v.isBlank()) {
            throw new PluginException(fullKey(key) + " is required by plugin '" + pluginName + "'");
        }
        return v;
    }

    /** An optional string setting. */
    public String get(String key, String defaultValue) {
        String v = config.get(key);
        return v == null ? defaultValue : v;
    }

    /**
     * An optional integer setting within [min, max].
     *
     * @throws PluginException naming the key, the value and the allowed range
     */
    public int getInt(String key, int defaultValue, int min, int max) {
        String v = config.get(key);
        if (v == null) {
            return defaultValue;
        }
        try {
            int i = Integer.parseInt(v.trim());
            if (i >= min && i <= max) {
                return i;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new PluginException(fullKey(key) + " = '" + v + "': must be an integer from " + min + " to " + max);
    }

    /**
     * An optional duration setting, as {@code 250ms}, {@code 30s}, {@code 5m}, {@code 1h} or ISO-8601
     * ({@code PT30S}).
     *
     * @throws PluginException naming the key and the value
     */
    public Duration getDuration(String key, Duration defaultValue) {
        String v = config.get(key);
        if (v == null) {
            return defaultValue;
        }
        Duration d = parseDuration(v.trim());
        if (d == null || d.isNegative()) {
            throw new PluginException(fullKey(key) + " = '" + v + "': must be a duration such as 250ms, 30s, 5m or PT30S");
        }
        return d;
    }

    /** Parses {@code 250ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d} or ISO-8601; null if neither. */
    public static Duration parseDuration(String s) {
        try {
            if (s.startsWith("P") || s.startsWith("p")) {
                return Duration.parse(s);
            }
            if (s.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2).trim()));
            }
            if (!s.isEmpty()) {
                long n;
                switch (s.charAt(s.length() - 1)) {
                    case 's' -> n = 1;
                    case 'm' -> n = 60;
                    case 'h' -> n = 3600;
                    case 'd' -> n = 86400;
                    default -> {
                        return Duration.parse(s);
                    }
                }
                return Duration.ofSeconds(Math.multiplyExact(Long.parseLong(s.substring(0, s.length() - 1).trim()), n));
            }
        } catch (NumberFormatException | ArithmeticException | DateTimeParseException e) {
            return null;
        }
        return null;
    }

    private String fullKey(String key) {
        return "plugins." + pluginName + "." + key;
    }
}
