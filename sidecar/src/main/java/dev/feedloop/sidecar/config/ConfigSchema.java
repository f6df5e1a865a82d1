package dev.feedloop.sidecar.config;

import dev.feedloop.contracts.event.Topics;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
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

    static final Setting<Integer> TAP_PORT = new Setting<>("tap.port", SettingType.port(true), 8000,
            "Port of the tap's OpenAI-compatible proxy and feedback API (0: any free port).", false);
    static final Setting<URI> TAP_UPSTREAM = new Setting<>("tap.upstream", SettingType.httpUrl(),
            URI.create("http://127.0.0.1:8001"), "The serving engine the tap forwards to (same pod).", false);
    private static final Pattern ALIAS = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern NAME_OR_EMPTY = Pattern.compile("|[A-Za-z0-9][A-Za-z0-9._:/-]{0,254}");

    static final Setting<String> TAP_ALIAS = new Setting<>("tap.alias", SettingType.string("a lower-case alias", ALIAS), "assistant",
            "Public model name the tap routes: requests for it go to the promoted adapter, the canary share to the candidate.",
            false);
    static final Setting<String> TAP_BASE_MODEL = new Setting<>("tap.base-model",
            SettingType.string("the engine's model name, or empty", NAME_OR_EMPTY), "",
            "The engine's name for the base model (its --served-model-name); empty turns alias routing off.", false);
    static final Setting<String> TAP_TENANT = new Setting<>("tap.tenant", SettingType.string("a lower-case tenant name", ALIAS),
            "default", "Tenant recorded in captured events.", false);
    static final Setting<Long> TAP_MAX_BODY = new Setting<>("tap.max-body-bytes", SettingType.bytes(1024, 1L << 30), 8L << 20,
            "Largest request body the proxy accepts (413 above).", false);
    static final Setting<Integer> TAP_POOL = new Setting<>("tap.upstream-connections", SettingType.integer(1, 10_000), 128,
            "Keep-alive connections to the serving engine.", false);
    static final Setting<Double> CAPTURE_SAMPLE = new Setting<>("capture.sample-rate", SettingType.fraction(), 1.0,
            "Share of completed requests captured into Kafka.", false);
    static final Setting<Long> CAPTURE_MAX_BODY = new Setting<>("capture.max-body-bytes", SettingType.bytes(1024, 1L << 30), 4L << 20,
            "An exchange whose request and response together are larger than this is served but not captured (counted as too_large).", false);
    static final Setting<Integer> CAPTURE_QUEUE_RECORDS = new Setting<>("capture.queue-records", SettingType.integer(1, 10_000_000),
            10_000, "Captured requests waiting for Kafka; beyond this they are dropped and counted.", false);
    static final Setting<Long> CAPTURE_QUEUE_BYTES = new Setting<>("capture.queue-bytes", SettingType.bytes(1024, 1L << 34), 64L << 20,
            "Bytes of captured requests waiting for Kafka; beyond this they are dropped and counted.", false);
    static final Setting<List<String>> CAPTURE_EXCLUDE = new Setting<>("capture.exclude-routes",
            SettingType.list("paths such as /v1/completions", Pattern.compile("/[A-Za-z0-9._/-]*")), List.of(),
            "Routes that are proxied but never captured.", false);
    static final Setting<Integer> CAPTURE_THREADS = new Setting<>("capture.threads", SettingType.integer(1, 64), 1,
            "Threads that parse, redact and publish captured exchanges (off the request path).", false);
    static final Setting<String> CAPTURE_REDACTOR = new Setting<>("capture.redactor",
            SettingType.string("a redactor plugin name, or none", Pattern.compile("none|" + PLUGIN_NAME.pattern())), "default",
            "Redactor applied to prompts, responses and feedback text before anything leaves the pod.", false);
    static final Setting<String> FEEDBACK_TOKEN = new Setting<>("feedback.token", SettingType.anyString(), "",
            "Bearer token required by POST /v1/feedback (empty: feedback.token-file, else no authentication).", true);
    static final Setting<String> FEEDBACK_TOKEN_FILE = new Setting<>("feedback.token-file",
            SettingType.string("a file path, or empty", Pattern.compile("(?s).*")), "",
            "File holding the feedback bearer token (a mounted Kubernetes secret).", false);
    static final Setting<Long> FEEDBACK_MAX_BODY = new Setting<>("feedback.max-body-bytes", SettingType.bytes(1024, 1L << 30), 1L << 20,
            "Largest POST /v1/feedback body (413 above).", false);
    static final Setting<Integer> FEEDBACK_MAX_BATCH = new Setting<>("feedback.max-batch", SettingType.integer(1, 100_000), 1000,
            "Most feedback events in one POST /v1/feedback.", false);
    static final Setting<Duration> FEEDBACK_DEDUPE = new Setting<>("feedback.dedupe-window", SettingType.duration(), Duration.ofHours(24),
            "How long a feedback_id is remembered: a repeat inside the window is answered as a duplicate and not published again.", false);
    static final Setting<Integer> FEEDBACK_DEDUPE_MAX = new Setting<>("feedback.dedupe-max-ids", SettingType.integer(1, 50_000_000), 200_000,
            "Most feedback ids the tap remembers for deduplication (about 200 bytes of heap each); beyond it the oldest is forgotten first.",
            false);
    static final Setting<String> SWAP_BACKEND = new Setting<>("swap.backend",
            SettingType.string("a serving-backend plugin name, or empty", Pattern.compile("|" + PLUGIN_NAME.pattern())), "",
            "Serving-backend plugin the tap's swap agent drives (empty: no hot-swap; the alias goes to the base model).", false);
    static final Setting<String> SWAP_STORE = new Setting<>("swap.store",
            SettingType.string("an adapter-store plugin name", PLUGIN_NAME), "local", "Adapter-store plugin that fetches versions.", false);
    static final Setting<Path> SWAP_CACHE = new Setting<>("swap.cache-dir", SettingType.path(), Path.of(".feedloop/adapters"),
            "Where the tap keeps fetched, verified adapter versions.", false);
    static final Setting<Double> SWAP_CANARY = new Setting<>("swap.canary-share", SettingType.fraction(), 0.1,
            "Share of the alias's requests routed to a candidate version.", false);
    static final Setting<Integer> SWAP_MAX_RANK = new Setting<>("swap.max-lora-rank", SettingType.integer(1, 4096), 64,
            "Largest adapter rank the serving stack accepts; larger versions are refused.", false);
    static final Setting<Duration> SWAP_DRAIN = new Setting<>("swap.drain-timeout", SettingType.duration(), Duration.ofSeconds(60),
            "How long retiring a version waits for its in-flight requests.", false);
    static final Setting<Duration> COLLECTOR_WINDOW = new Setting<>("collector.window", SettingType.duration(), Duration.ofMinutes(10),
            "How long feedback waits for its inference record (and records wait for feedback).", false);
    static final Setting<Integer> COLLECTOR_MAX = new Setting<>("collector.max-entries", SettingType.integer(1, 100_000_000), 100_000,
            "Inference records and waiting feedback held for the join.", false);
    static final Setting<String> KSERVE_TOPIC = new Setting<>("kserve.topic",
            SettingType.string("a Kafka topic name, or empty", Pattern.compile("|[A-Za-z0-9._-]{1,249}")), "",
            "Topic of KServe payload-logger CloudEvents the trainer turns into inference records (empty: off).", false);

    static final Setting<Integer> MANAGEMENT_PORT = new Setting<>("management.port", SettingType.port(true), 9464,
            "Port for /metrics (Prometheus), /health/live and /health/ready (0: any free port).", false);
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
            BROKER_HOST, BROKER_PORT, BROKER_CONTROLLER_PORT, BROKER_DATA_DIR, PLUGINS_ENABLED,
            TAP_ALIAS, TAP_BASE_MODEL, TAP_TENANT, TAP_MAX_BODY, TAP_POOL,
            CAPTURE_SAMPLE, CAPTURE_MAX_BODY, CAPTURE_QUEUE_RECORDS, CAPTURE_QUEUE_BYTES, CAPTURE_EXCLUDE, CAPTURE_REDACTOR, CAPTURE_THREADS,
            FEEDBACK_TOKEN, FEEDBACK_TOKEN_FILE, FEEDBACK_MAX_BODY, FEEDBACK_MAX_BATCH, FEEDBACK_DEDUPE, FEEDBACK_DEDUPE_MAX,
            SWAP_BACKEND, SWAP_STORE, SWAP_CACHE, SWAP_CANARY, SWAP_MAX_RANK, SWAP_DRAIN,
            COLLECTOR_WINDOW, COLLECTOR_MAX, KSERVE_TOPIC);

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
