package dev.feedloop.sidecar.config;

import java.util.List;

/**
 * A loaded configuration plus every effective value with its source, for {@code --print-config}.
 *
 * @param config the parsed configuration
 * @param entries every effective key, sorted, including passthrough keys
 */
public record LoadedConfig(FeedloopConfig config, List<Entry> entries) {
    public LoadedConfig {
        entries = List.copyOf(entries);
    }

    /**
     * One effective value.
     *
     * @param key the config key
     * @param value the value as it would be written in YAML
     * @param source {@code default}, the config file, the environment variable or {@code --set}
     * @param secret whether it is redacted when printed
     */
    public record Entry(String key, String value, String source, boolean secret) {}

    /**
     * The effective configuration as flat YAML (loadable again with {@code --config}), secrets
     * replaced by {@code [redacted]}, each line commented with its source.
     */
    public String render() {
        StringBuilder sb = new StringBuilder("# effective Feedloop configuration; secrets are redacted\n");
        for (Entry e : entries) {
            String shown = e.secret() && !e.value().isEmpty() ? "[redacted]" : e.value();
            sb.append(e.key()).append(": ").append(quote(shown)).append("  # ").append(e.source()).append('\n');
        }
        return sb.toString();
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
