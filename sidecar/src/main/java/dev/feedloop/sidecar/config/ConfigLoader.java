package dev.feedloop.sidecar.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Builds {@link FeedloopConfig} from, in increasing precedence: the defaults in {@link ConfigSchema},
 * one YAML file, {@code FEEDLOOP_*} environment variables, and {@code --set key=value} overrides.
 *
 * <p>Every problem stops loading with one {@link ConfigException} whose message names the key, the
 * offending value, where it came from, and what is allowed. Unknown keys are errors (with a
 * suggestion), so a typo never silently falls back to a default.
 *
 * <p>YAML may nest ({@code tap: {port: 8000}}) or use dotted keys ({@code tap.port: 8000}); both mean
 * {@code tap.port}. Environment variables map by upper-casing and replacing {@code .} and {@code -}
 * with {@code _}: {@code FEEDLOOP_TAP_PORT} → {@code tap.port}; {@code FEEDLOOP_KAFKA_SASL_MECHANISM}
 * → {@code kafka.sasl.mechanism}; {@code FEEDLOOP_PLUGINS_OPENAI_JUDGE_API_KEY} → {@code
 * plugins.openai-judge.api-key} when {@code openai-judge} is an enabled plugin.
 */
public final class ConfigLoader {
    private static final YAMLMapper YAML = new YAMLMapper();

    private ConfigLoader() {}

    /** A raw value and where it came from. */
    private record Raw(Object value, String source) {}

    /**
     * Loads and validates configuration.
     *
     * @param file the YAML file, or null for none
     * @param env the environment (normally {@link System#getenv()})
     * @param overrides {@code key=value} overrides from the command line, in order
     * @return the parsed configuration and a printable view of it
     * @throws ConfigException on the first problem found
     */
    public static LoadedConfig load(Path file, Map<String, String> env, List<String> overrides) {
        Map<String, Raw> raw = new LinkedHashMap<>();
        if (file != null) {
            readYaml(file, raw);
        }
        Map<String, Raw> sets = new LinkedHashMap<>();
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set '" + o + "': expected key=value");
            }
            sets.put(o.substring(0, eq).trim(), new Raw(o.substring(eq + 1), "--set"));
        }
        readEnv(env, raw, sets);
        raw.putAll(sets);
        return build(raw);
    }

    /** The configuration with nothing set: every default. */
    public static FeedloopConfig defaults() {
        return build(new LinkedHashMap<>()).config();
    }

    private static void readYaml(Path file, Map<String, Raw> raw) {
        String source = file.toString();
        JsonNode root;
        try {
            root = YAML.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + source + " does not exist");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new ConfigException("config file " + source + " is not valid YAML" + where + ": "
                    + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new ConfigException("config file " + source + " cannot be read: " + e.getMessage(), e);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return; // empty file: all defaults
        }
        if (!root.isObject()) {
            throw new ConfigException("config file " + source + " must be a YAML mapping of keys to values, not "
                    + (root.isArray() ? "a list" : "a single value"));
        }
        flatten("", root, source, raw);
    }

    private static void flatten(String prefix, JsonNode node, String source, Map<String, Raw> raw) {
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            JsonNode v = e.getValue();
            if (v.isObject()) {
                flatten(key, v, source, raw);
            } else if (v.isArray()) {
                List<String> items = new ArrayList<>();
                for (JsonNode item : v) {
                    if (item.isContainerNode()) {
                        throw new ConfigException(key + " (from " + source + "): list items must be plain values");
                    }
                    items.add(item.asText());
                }
                raw.put(key, new Raw(items, source));
            } else if (v.isNull()) {
                raw.remove(key); // "key:" with no value means "use the default"
            } else {
                raw.put(key, new Raw(v.asText(), source));
            }
        }
    }

    private static void readEnv(Map<String, String> env, Map<String, Raw> raw, Map<String, Raw> sets) {
        Map<String, String> ours = new TreeMap<>();
        env.forEach((k, v) -> {
            if (k.startsWith(ConfigSchema.ENV_PREFIX) && !ConfigSchema.RESERVED_ENV.contains(k)) {
                ours.put(k, v);
            }
        });
        // plugins.enabled decides how FEEDLOOP_PLUGINS_<NAME>_<KEY> splits, so settle it first.
        List<String> plugins = new ArrayList<>();
        String enabledEnv = ConfigSchema.PLUGINS_ENABLED.envName();
        String enabledKey = ConfigSchema.PLUGINS_ENABLED.key();
        Object enabled = sets.containsKey(enabledKey) ? sets.get(enabledKey).value()
                : ours.containsKey(enabledEnv) ? ours.get(enabledEnv)
                : raw.containsKey(enabledKey) ? raw.get(enabledKey).value() : null;
        if (enabled != null) {
            try {
                plugins.addAll(ConfigSchema.PLUGINS_ENABLED.type().parse(enabled));
            } catch (IllegalArgumentException ignored) {
                // reported with the key and value when plugins.enabled itself is parsed
            }
        }
        for (Map.Entry<String, String> e : ours.entrySet()) {
            String key = keyForEnv(e.getKey(), plugins).orElseThrow(() -> new ConfigException(
                    "environment variable " + e.getKey() + " does not name a config key" + suggestEnv(e.getKey())
                            + " (reserved, not config: " + String.join(", ", new TreeSet<>(ConfigSchema.RESERVED_ENV)) + ")"));
            raw.put(key, new Raw(e.getValue(), e.getKey()));
        }
    }

    /** The config key an environment variable overrides. */
    static Optional<String> keyForEnv(String var, List<String> pluginNames) {
        for (String key : ConfigSchema.keys()) {
            if (Setting.envName(key).equals(var)) {
                return Optional.of(key);
            }
        }
        String rest = var.substring(ConfigSchema.ENV_PREFIX.length());
        if (rest.startsWith("KAFKA_") && rest.length() > "KAFKA_".length()) {
            return Optional.of("kafka." + rest.substring("KAFKA_".length()).toLowerCase(Locale.ROOT).replace('_', '.'));
        }
        for (String plugin : pluginNames) {
            String p = "PLUGINS_" + plugin.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
            if (rest.startsWith(p) && rest.length() > p.length()) {
                return Optional.of("plugins." + plugin + "." + rest.substring(p.length()).toLowerCase(Locale.ROOT).replace('_', '-'));
            }
        }
        return Optional.empty();
    }

    private static LoadedConfig build(Map<String, Raw> raw) {
        // 1. every key must be known or a passthrough
        for (Map.Entry<String, Raw> e : raw.entrySet()) {
            String key = e.getKey();
            if (ConfigSchema.find(key).isEmpty() && !ConfigSchema.isPassthrough(key)) {
                throw new ConfigException("unknown config key '" + key + "' (from " + e.getValue().source() + ")"
                        + suggestKey(key));
            }
        }
        // 2. parse every known key
        Map<String, Object> values = new LinkedHashMap<>();
        List<LoadedConfig.Entry> entries = new ArrayList<>();
        for (Setting<?> s : ConfigSchema.ALL) {
            Raw r = raw.get(s.key());
            Object v = r == null ? s.defaultValue() : parse(s, r);
            values.put(s.key(), v);
            entries.add(new LoadedConfig.Entry(s.key(), renderValue(s, v), r == null ? "default" : r.source(), s.secret()));
        }
        // 3. passthrough keys
        Map<String, String> common = new TreeMap<>();
        Map<String, String> producer = new TreeMap<>();
        Map<String, String> consumer = new TreeMap<>();
        Map<String, String> admin = new TreeMap<>();
        Map<String, Map<String, String>> pluginSettings = new TreeMap<>();
        for (Map.Entry<String, Raw> e : raw.entrySet()) {
            String key = e.getKey();
            if (!ConfigSchema.isPassthrough(key)) {
                continue;
            }
            Raw r = e.getValue();
            String value;
            try {
                value = SettingType.scalar(r.value());
            } catch (IllegalArgumentException ex) {
                value = String.join(",", asStrings(r.value()));
            }
            entries.add(new LoadedConfig.Entry(key, value, r.source(), ConfigSchema.isSecret(key)));
            Optional<String> plugin = ConfigSchema.pluginOf(key);
            if (plugin.isPresent()) {
                pluginSettings.computeIfAbsent(plugin.get(), p -> new TreeMap<>())
                        .put(key.substring(("plugins." + plugin.get() + ".").length()), value);
                continue;
            }
            String kafkaKey = key.substring("kafka.".length());
            String scope = "";
            Map<String, String> target = common;
            for (String s : List.of("producer", "consumer", "admin")) {
                if (kafkaKey.startsWith(s + ".")) {
                    scope = s;
                    kafkaKey = kafkaKey.substring(s.length() + 1);
                    target = s.equals("producer") ? producer : s.equals("consumer") ? consumer : admin;
                }
            }
            if (!KafkaClientSettings.names(scope).contains(kafkaKey)) {
                throw new ConfigException("unknown Kafka " + (scope.isEmpty() ? "client" : scope) + " setting '" + key
                        + "' (from " + r.source() + ")" + suggest(kafkaKey, KafkaClientSettings.names(scope), key.substring(0, key.length() - kafkaKey.length())));
            }
            target.put(kafkaKey, value);
        }
        String kafkaProblem = KafkaClientSettings.validate(common, producer, consumer, admin);
        if (kafkaProblem != null) {
            throw new ConfigException("invalid Kafka client setting: " + kafkaProblem);
        }
        entries.sort(Comparator.comparing(LoadedConfig.Entry::key));

        String bootstrap = (String) values.get(ConfigSchema.KAFKA_BOOTSTRAP.key());
        FeedloopConfig config = new FeedloopConfig(
                new FeedloopConfig.TapConfig((Integer) values.get("tap.port"), (URI) values.get("tap.upstream"),
                        (String) values.get("tap.alias"), (String) values.get("tap.base-model"), (String) values.get("tap.tenant"),
                        (Long) values.get("tap.max-body-bytes"), (Integer) values.get("tap.upstream-connections")),
                new FeedloopConfig.ManagementConfig((Integer) values.get("management.port")),
                new FeedloopConfig.KafkaConfig(bootstrap.isEmpty() ? Optional.empty() : Optional.of(bootstrap),
                        common, producer, consumer, admin),
                new FeedloopConfig.TopicsConfig(
                        (String) values.get("topics.inference"),
                        (String) values.get("topics.feedback"),
                        (String) values.get("topics.preferences"),
                        (String) values.get("topics.adapters"),
                        (String) values.get("topics.deadletter"),
                        (Integer) values.get("topics.partitions"),
                        (Integer) values.get("topics.replication-factor"),
                        (Boolean) values.get("topics.create")),
                new FeedloopConfig.BrokerConfig(
                        (String) values.get("broker.host"),
                        (Integer) values.get("broker.port"),
                        (Integer) values.get("broker.controller-port"),
                        (Path) values.get("broker.data-dir")),
                new FeedloopConfig.PluginsConfig(castList(values.get("plugins.enabled")), pluginSettings),
                new FeedloopConfig.CaptureConfig((Double) values.get("capture.sample-rate"), (Long) values.get("capture.max-body-bytes"),
                        (Integer) values.get("capture.queue-records"), (Long) values.get("capture.queue-bytes"),
                        castList(values.get("capture.exclude-routes")), (String) values.get("capture.redactor"),
                        (Integer) values.get("capture.threads")),
                new FeedloopConfig.FeedbackConfig((String) values.get("feedback.token"), (String) values.get("feedback.token-file"),
                        (Long) values.get("feedback.max-body-bytes"), (Integer) values.get("feedback.max-batch"),
                        (Duration) values.get("feedback.dedupe-window"), (Integer) values.get("feedback.dedupe-max-ids")),
                new FeedloopConfig.SwapConfig((String) values.get("swap.backend"), (String) values.get("swap.store"),
                        (Path) values.get("swap.cache-dir"), (Double) values.get("swap.canary-share"),
                        (Integer) values.get("swap.max-lora-rank"), (Duration) values.get("swap.drain-timeout")),
                new FeedloopConfig.CollectorConfig((Duration) values.get("collector.window"), (Integer) values.get("collector.max-entries")),
                new FeedloopConfig.KServeConfig((String) values.get("kserve.topic")));
        if (new HashSet<>(config.topics().all()).size() != config.topics().all().size()) {
            throw new ConfigException("topics.* must name five different topics, got " + config.topics().all());
        }
        return new LoadedConfig(config, entries);
    }

    private static <T> Object parse(Setting<T> s, Raw r) {
        try {
            return s.type().parse(r.value());
        } catch (IllegalArgumentException e) {
            String shown = r.value() instanceof List<?> l ? l.toString() : "'" + r.value() + "'";
            if (s.secret()) {
                shown = "[redacted]";
            }
            throw new ConfigException(s.key() + " = " + shown + " (from " + r.source() + "): must be " + s.type().allowed());
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> String renderValue(Setting<T> s, Object v) {
        return v == null ? "" : s.type().render((T) v);
    }

    @SuppressWarnings("unchecked")
    private static List<String> castList(Object o) {
        return (List<String>) o;
    }

    private static List<String> asStrings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) {
            l.forEach(x -> out.add(String.valueOf(x)));
        } else {
            out.add(String.valueOf(o));
        }
        return out;
    }

    private static String suggestKey(String key) {
        return suggest(key, ConfigSchema.keys(), "");
    }

    private static String suggestEnv(String var) {
        List<String> names = new ArrayList<>();
        ConfigSchema.keys().forEach(k -> names.add(Setting.envName(k)));
        return suggest(var, names, "");
    }

    private static String suggest(String wrong, Iterable<String> candidates, String prefix) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(wrong, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return best != null && bestDistance <= Math.max(2, wrong.length() / 4) ? "; did you mean '" + prefix + best + "'?" : "";
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
