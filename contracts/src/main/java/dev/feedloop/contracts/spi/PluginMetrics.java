package dev.feedloop.contracts.spi;

/**
 * The sidecar's metrics, as a plugin sees them. Names are {@code feedloop_<plugin>_<measure>} with a
 * unit suffix ({@code _total}, {@code _seconds}, {@code _bytes}); tags are alternating key, value
 * pairs from a small closed set (never request data). Implementations are thread-safe and never block.
 */
public interface PluginMetrics {
    /** Metrics that go nowhere, for tests and tools. */
    PluginMetrics NOOP = new PluginMetrics() {
        @Override
        public void count(String name, long delta, String... tags) {}

        @Override
        public void record(String name, double value, String... tags) {}
    };

    /** Adds {@code delta} to a counter. */
    void count(String name, long delta, String... tags);

    /** Records one observation (a latency in seconds, a size in bytes) into a distribution. */
    void record(String name, double value, String... tags);
}
