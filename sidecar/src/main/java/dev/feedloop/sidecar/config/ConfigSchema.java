package dev.feedloop.sidecar.config;

import dev.feedloop.contracts.event.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Every config key Feedloop knows, with type, default and description. The README's config table is
 * generated from this list ({@code ./feedloop docs config-table}) and a test keeps them equal.
 *
 * <p>Two prefixes pass through unchecked by this table but checked elsewhere: {@code kafka.*} (Kafka
 * client settings, validated against the Kafka client's own definitions) and {@code plugins.<name>.*}
 * (handed to that plugin, which validates it when created).
 */
public final class ConfigSchema {
    /** Prefix of environment overrides. */
    public static final String ENV_PREFIX = "FEEDLOOP_";
    /** Environment variables with the prefix that are not config keys. */
    public static final Set<String> RESERVED_ENV = Set.of("FEEDLOOP_CONFIG", "FEEDLOOP_JAVA_OPTS", "FEEDLOOP_LOG_LEVEL");

    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]-]{1,253}");
    static final Pattern PLUGIN_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

    static final Setting<Integer> TAP_PORT = new Setting<>("tap.port", SettingType.port(false), 8000,
            "Port of the tap's OpenAI-compatible proxy and feedback API.", false);
    static final Setting<URI> TAP_UPSTREAM = new Setting<>("tap.upstream", SettingType.httpUrl(),
            URI.create("http://127.0.0.1:8001"), "The serving engine the tap forwards to (same pod).", false);
    static final Setting<Integer> MANAGEMENT_PORT = new Setting<>("management.port", SettingType.port(false), 9464,
            "Port for /metrics (Prometheus), /health/live and /health/ready.", false);
    static final Setting<String> KAFKA_BOOTSTRAP = new Setting<>("kafka.bootstrap.servers",
            SettingType.string("host:port[,host:port...] or empty", Pattern.compile("|[^,\\s]+:\\d+(,[^,\\s]+:\\d+)*")), "",
            "Kafka bootstrap servers. Empty: `demo` and `all` start the embedded broker; `tap` and `trainer` refuse to start.",
            false);
    static final Setting<String> TOPIC_INFERENCE = topic("topics.inference", Topics.INFERENCE, "Inference records.");
    static final Setting<String> TOPIC_FEEDBACK = topic("topics.feedback", Topics.FEEDBACK, "User feedback.");
    static final Setting<String> TOPIC_PREFERENCES = topic("topics.preferences", Topics.PREFERENCES,
            "Preference pairs and unpaired examples.");
    static final Setting<String> TOPIC_ADAPTERS = topic("topics.adapters", Topics.ADAPTERS,
            "Adapter releases (created compacted).");
    static final Setting<String> TOPIC_DEAD_LETTER = topic("topics.deadletter", Topics.DEAD_LETTER,
            "Records that could not be handled, with the reason.");
    static final Setting<Integer> TOPICS_PARTITIONS = new Setting<>("topics.partitions", SettingType.integer(1, 10_000), 3,
            "Partitions for topics Feedloop creates (the adapters topic always gets 1, to keep versions in order).", false);
    static final Setting<Integer> TOPICS_REPLICATION = new Setting<>("topics.replication-factor",
            SettingType.integer(-1, Short.MAX_VALUE), -1, "Replication factor for topics Feedloop creates; -1 = the broker's default.",
            false);
    static final Setting<Boolean> TOPICS_CREATE = new Setting<>("topics.create", SettingType.bool(), true,
            "Create missing topics at startup (needs the CreateTopics ACL).", false);
    static final Setting<String> BROKER_HOST = new Setting<>("broker.host", SettingType.string("a host name or IP address", HOST),
            "127.0.0.1", "Address the embedded broker listens on and advertises.", false);
    static final Setting<Integer> BROKER_PORT = new Setting<>("broker.port", SettingType.port(true), 9092,
            "Port of the embedded broker; 0 = any free port.", false);
    static final Setting<Integer> BROKER_CONTROLLER_PORT = new Setting<>("broker.controller-port", SettingType.port(true), 0,
            "KRaft controller port of the embedded broker; 0 = any free port.", false);
    static final Setting<Path> BROKER_DATA_DIR = new Setting<>("broker.data-dir", SettingType.path(), Path.of(".feedloop/kafka"),
            "Log directory of the embedded broker; data survives restarts.", false);
    static final Setting<List<String>> PLUGINS_ENABLED = new Setting<>("plugins.enabled",
            SettingType.list("plugin names", PLUGIN_NAME), List.of(),
            "Plugins to load, by name; an unknown name stops startup with the list of available ones.", false);

    static final List<Setting<?>> ALL = List.of(
            TAP_PORT, TAP_UPSTREAM, MANAGEMENT_PORT, KAFKA_BOOTSTRAP,
            TOPIC_INFERENCE, TOPIC_FEEDBACK, TOPIC_PREFERENCES, TOPIC_ADAPTERS, TOPIC_DEAD_LETTER,
            TOPICS_PARTITIONS, TOPICS_REPLICATION, TOPICS_CREATE,
            BROKER_HOST, BROKER_PORT, BROKER_CONTROLLER_PORT, BROKER_DATA_DIR, PLUGINS_ENABLED);

    private static final Map<String, Setting<?>> BY_KEY = new LinkedHashMap<>();

    static {
        for (Setting<?> s : ALL) {
            BY_KEY.put(s.key(), s);
        }
    }

    private ConfigSchema() {}

    private static Setting<String> topic(String key, String def, String what) {
        return new Setting<>(key, SettingType.string("a Kafka topic name ([A-Za-z0-9._-], at most 249)", TOPIC), def,
                "Topic: " + what, false);
    }

    static Optional<Setting<?>> find(String key) {
        return Optional.ofNullable(BY_KEY.get(key));
    }

    /** Known keys, in documentation order. */
    static List<String> keys() {
        return List.copyOf(BY_KEY.keySet());
    }

    /** A passthrough key: {@code kafka.*} other than the bootstrap setting, or {@code plugins.<name>.<key>}. */
    static boolean isPassthrough(String key) {
        return (key.startsWith("kafka.") && !BY_KEY.containsKey(key)) || pluginOf(key).isPresent();
    }

    /** The plugin a {@code plugins.<name>.<key>} setting belongs to. */
    static Optional<String> pluginOf(String key) {
        if (!key.startsWith("plugins.") || key.equals(PLUGINS_ENABLED.key())) {
            return Optional.empty();
        }
        String rest = key.substring("plugins.".length());
        int dot = rest.indexOf('.');
        if (dot <= 0 || dot == rest.length() - 1) {
            return Optional.empty();
        }
        String name = rest.substring(0, dot);
        return PLUGIN_NAME.matcher(name).matches() ? Optional.of(name) : Optional.empty();
    }

    /** Whether a key's value is hidden when config is printed. */
    static boolean isSecret(String key) {
        Setting<?> s = BY_KEY.get(key);
        if (s != null) {
            return s.secret();
        }
        return SECRET_KEY.matcher(key).find();
    }

    private static final Pattern SECRET_KEY =
            Pattern.compile("(?i)(password|secret|token|jaas|credential|api[._-]?key|private|keystore\\.key)");

    /** The README's config table, in Markdown. */
    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| key | environment | default | allowed | meaning |\n");
        sb.append("|---|---|---|---|---|\n");
        for (Setting<?> s : ALL) {
            sb.append("| `").append(s.key()).append("` | `").append(s.envName()).append("` | ")
                    .append(s.renderedDefault().isEmpty() ? "(empty)" : "`" + s.renderedDefault() + "`").append(" | ")
                    .append(s.type().allowed()).append(" | ").append(s.description()).append(" |\n");
        }
        sb.append("| `kafka.<setting>` | `FEEDLOOP_KAFKA_<SETTING>` | | any Kafka client setting (`kafka.producer.*`, "
                + "`kafka.consumer.*`, `kafka.admin.*` for one client) | Passed to the Kafka clients: TLS, SASL, tuning. |\n");
        sb.append("| `plugins.<name>.<key>` | `FEEDLOOP_PLUGINS_<NAME>_<KEY>` | | as the plugin documents | "
                + "Settings of one plugin. |\n");
        return sb.toString();
    }
}
