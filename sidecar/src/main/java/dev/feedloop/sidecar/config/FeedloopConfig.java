package dev.feedloop.sidecar.config;

import dev.feedloop.contracts.event.EventType;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration, parsed once at startup into immutable records. Build it with {@link
 * ConfigLoader}; nothing downstream sees raw strings.
 *
 * @param tap the tap role
 * @param management the management (metrics, health) server
 * @param kafka Kafka connection and client settings
 * @param topics topic names and creation settings
 * @param broker the embedded broker
 * @param plugins which plugins to load and their settings
 */
public record FeedloopConfig(
        TapConfig tap,
        ManagementConfig management,
        KafkaConfig kafka,
        TopicsConfig topics,
        BrokerConfig broker,
        PluginsConfig plugins,
        CaptureConfig capture,
        FeedbackConfig feedback,
        SwapConfig swap,
        CollectorConfig collector,
        KServeConfig kserve) {

    /**
     * @param port proxy and feedback API port
     * @param upstream the serving engine
     * @param alias the public alias the tap routes
     * @param baseModel the engine's name for the base model; empty disables alias routing
     * @param tenant tenant recorded in captured events
     * @param maxBodyBytes largest request body accepted
     * @param upstreamConnections keep-alive pool size toward the engine
     */
    public record TapConfig(int port, URI upstream, String alias, String baseModel, String tenant, long maxBodyBytes,
            int upstreamConnections) {}

    /**
     * @param sampleRate share of requests captured
     * @param maxBodyBytes larger exchanges are not captured
     * @param queueRecords capture queue length
     * @param queueBytes capture queue bytes
     * @param excludeRoutes routes never captured
     * @param redactor redactor plugin name, or {@code none}
     * @param threads capture threads
     */
    public record CaptureConfig(double sampleRate, long maxBodyBytes, int queueRecords, long queueBytes, List<String> excludeRoutes,
            String redactor, int threads) {
        public CaptureConfig {
            excludeRoutes = List.copyOf(excludeRoutes);
        }
    }

    /**
     * @param token bearer token (empty: see tokenFile)
     * @param tokenFile file holding the token, or empty
     * @param maxBodyBytes largest body
     * @param maxBatch most events per request
     * @param dedupeWindow how long a feedback id is remembered
     * @param dedupeMaxIds most feedback ids remembered (the oldest is forgotten first)
     */
    public record FeedbackConfig(String token, String tokenFile, long maxBodyBytes, int maxBatch, Duration dedupeWindow, int dedupeMaxIds) {
        @Override
        public String toString() {
            return "FeedbackConfig[token=" + (token.isEmpty() ? "" : "[redacted]") + ", tokenFile=" + tokenFile + ", maxBodyBytes="
                    + maxBodyBytes + ", maxBatch=" + maxBatch + ", dedupeWindow=" + dedupeWindow + ", dedupeMaxIds=" + dedupeMaxIds + "]";
        }
    }

    /**
     * @param backend serving-backend plugin, empty for no swap agent
     * @param store adapter-store plugin
     * @param cacheDir fetched versions
     * @param canaryShare canary share
     * @param maxLoraRank largest accepted rank
     * @param drainTimeout retirement drain wait
     */
    public record SwapConfig(String backend, String store, Path cacheDir, double canaryShare, int maxLoraRank, Duration drainTimeout) {}

    /**
     * @param window join window
     * @param maxEntries cached records and waiting feedback
     */
    public record CollectorConfig(Duration window, int maxEntries) {}

    /** @param topic KServe payload-logger topic, empty when off */
    public record KServeConfig(String topic) {}

    /** @param port metrics and health port */
    public record ManagementConfig(int port) {}

    /**
     * Kafka client settings.
     *
     * @param bootstrapServers empty when the embedded broker should be used
     * @param common {@code kafka.*} settings for every client (prefix removed)
     * @param producer {@code kafka.producer.*} settings (prefix removed)
     * @param consumer {@code kafka.consumer.*} settings
     * @param admin {@code kafka.admin.*} settings
     */
    public record KafkaConfig(
            Optional<String> bootstrapServers,
            Map<String, String> common,
            Map<String, String> producer,
            Map<String, String> consumer,
            Map<String, String> admin) {
        public KafkaConfig {
            common = Map.copyOf(common);
            producer = Map.copyOf(producer);
            consumer = Map.copyOf(consumer);
            admin = Map.copyOf(admin);
        }

        /** This config with the bootstrap servers set (for the embedded broker). */
        public KafkaConfig withBootstrapServers(String servers) {
            return new KafkaConfig(Optional.of(servers), common, producer, consumer, admin);
        }
    }

    /**
     * @param inference inference topic
     * @param feedback feedback topic
     * @param preferences preferences topic
     * @param adapters adapters topic (compacted)
     * @param deadLetter dead-letter topic
     * @param partitions partitions for created topics
     * @param replicationFactor replication factor for created topics, -1 = broker default
     * @param create whether missing topics are created at startup
     */
    public record TopicsConfig(
            String inference,
            String feedback,
            String preferences,
            String adapters,
            String deadLetter,
            int partitions,
            int replicationFactor,
            boolean create) {

        /** The default topic configuration. */
        public static TopicsConfig defaults() {
            return ConfigLoader.defaults().topics();
        }

        /** The topic an event type is published to. */
        public String topicFor(EventType type) {
            return switch (type) {
                case INFERENCE_RECORD -> inference;
                case FEEDBACK -> feedback;
                case PREFERENCE_PAIR, UNPAIRED_EXAMPLE -> preferences;
                case ADAPTER_RELEASE -> adapters;
                case DEAD_LETTER -> deadLetter;
            };
        }

        /** The event types a topic carries, the first being the one assumed when {@code ce_type} is absent. */
        public List<EventType> typesOn(String topic) {
            List<EventType> out = new ArrayList<>();
            for (EventType t : EventType.values()) {
                if (topicFor(t).equals(topic)) {
                    out.add(t);
                }
            }
            return out;
        }

        /** Every topic, in pipeline order. */
        public List<String> all() {
            return List.of(inference, feedback, preferences, adapters, deadLetter);
        }
    }

    /**
     * @param host listen and advertised address
     * @param port client port, 0 = any free port
     * @param controllerPort KRaft controller port, 0 = any free port
     * @param dataDir log directory
     */
    public record BrokerConfig(String host, int port, int controllerPort, Path dataDir) {}

    /**
     * @param enabled plugin names to load
     * @param settings {@code plugins.<name>.*} settings by plugin name (prefix removed)
     */
    public record PluginsConfig(List<String> enabled, Map<String, Map<String, String>> settings) {
        public PluginsConfig {
            enabled = List.copyOf(enabled);
            settings = Map.copyOf(settings);
        }

        /** One plugin's settings, empty if none. */
        public Map<String, String> settingsOf(String plugin) {
            return settings.getOrDefault(plugin, Map.of());
        }
    }
}
