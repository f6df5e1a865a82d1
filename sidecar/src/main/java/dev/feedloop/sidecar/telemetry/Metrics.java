package dev.feedloop.sidecar.telemetry;

import dev.feedloop.contracts.spi.PluginMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/**
 * The sidecar's metrics: one Micrometer registry rendered as Prometheus text on the management port.
 * Meter names are dotted ({@code feedloop.tap.dropped}) and come out as {@code feedloop_tap_dropped_total};
 * timers as {@code _seconds}. Tags come from small closed sets, never from request data. Thread-safe.
 */
public final class Metrics {
    private final PrometheusMeterRegistry registry;

    private Metrics(PrometheusMeterRegistry registry) {
        this.registry = registry;
    }

    /** A new, empty registry. */
    public static Metrics create() {
        return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /** The registry, for instrumenting components. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter in the Prometheus text exposition format. */
    public String scrape() {
        return registry.scrape();
    }

    /** A counter's current value (0 if it does not exist), for tests and reports. */
    public double count(String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    /** Metrics as a plugin sees them, prefixed {@code feedloop.<plugin>.}. */
    public PluginMetrics forPlugin(String plugin) {
        String prefix = "feedloop." + plugin + ".";
        return new PluginMetrics() {
            @Override
            public void count(String name, long delta, String... tags) {
                Counter.builder(prefix + strip(name)).tags(tags).register(registry).increment(delta);
            }

            @Override
            public void record(String name, double value, String... tags) {
                DistributionSummary.builder(prefix + strip(name)).tags(tags).register(registry).record(value);
            }
        };
    }

    /** Plugins may name meters {@code feedloop_local_fetch_total}; keep only the measure part. */
    private static String strip(String name) {
        String n = name.replace('_', '.');
        n = n.replaceFirst("^feedloop\\.[a-z0-9-]+\\.", "");
        return n.endsWith(".total") ? n.substring(0, n.length() - ".total".length()) : n;
    }
}
