package dev.feedloop.sidecar.kafka;

import dev.feedloop.sidecar.config.ConfigException;
import dev.feedloop.sidecar.config.FeedloopConfig.KafkaConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Builds Kafka clients from {@link KafkaConfig}: Feedloop's defaults first, then {@code kafka.*}, then
 * {@code kafka.producer.*} / {@code kafka.consumer.*} / {@code kafka.admin.*}, so operators can
 * override anything (TLS, SASL, tuning). Values are bytes; {@code EventRecords} does the JSON.
 */
public final class KafkaClients {
    private final KafkaConfig config;
    private final String clientIdPrefix;

    /**
     * @param config Kafka settings with bootstrap servers set
     * @param clientIdPrefix prefix for client ids, e.g. {@code feedloop-tap}
     * @throws ConfigException if no bootstrap servers are configured
     */
    public KafkaClients(KafkaConfig config, String clientIdPrefix) {
        if (config.bootstrapServers().isEmpty()) {
            throw new ConfigException("kafka.bootstrap.servers is empty: set it (FEEDLOOP_KAFKA_BOOTSTRAP_SERVERS) "
                    + "or use a role that starts the embedded broker (demo, all)");
        }
        this.config = config;
        this.clientIdPrefix = clientIdPrefix;
    }

    /** The bootstrap servers. */
    public String bootstrapServers() {
        return config.bootstrapServers().orElseThrow();
    }

    /** Producer settings: idempotent, acks=all, lz4, small linger; then the operator's overrides. */
    public Map<String, Object> producerProps() {
        return producerProps("producer", Map.of());
    }

    /**
     * Producer settings for one use: the defaults above, then the use's own defaults (for example a
     * short {@code max.block.ms} for a producer that must never hold up a request), then the operator's
     * overrides, which always win.
     *
     * @param use suffix of the client id, e.g. {@code capture}
     */
    public Map<String, Object> producerProps(String use, Map<String, ?> useDefaults) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientIdPrefix + "-" + use);
        p.putAll(useDefaults);
        p.putAll(common(ProducerConfig.configNames()));
        p.putAll(config.producer());
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        return p;
    }

    /** Consumer settings for a group: manual commits, read committed; then the operator's overrides. */
    public Map<String, Object> consumerProps(String groupId) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, clientIdPrefix + "-" + groupId);
        c.putAll(common(ConsumerConfig.configNames()));
        c.putAll(config.consumer());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        return c;
    }

    /** Admin settings. */
    public Map<String, Object> adminProps() {
        Map<String, Object> a = new HashMap<>();
        a.put(AdminClientConfig.CLIENT_ID_CONFIG, clientIdPrefix + "-admin");
        a.putAll(common(AdminClientConfig.configNames()));
        a.putAll(config.admin());
        a.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return a;
    }

    /** A new byte-array producer; the caller closes it. */
    public KafkaProducer<byte[], byte[]> producer() {
        return build("producer", "", () -> new KafkaProducer<>(producerProps()));
    }

    /** A new byte-array producer for one use (see {@link #producerProps(String, Map)}); the caller closes it. */
    public KafkaProducer<byte[], byte[]> producer(String use, Map<String, ?> useDefaults) {
        return build("producer", use, () -> new KafkaProducer<>(producerProps(use, useDefaults)));
    }

    /** A new byte-array consumer; the caller closes it and owns its thread. */
    public KafkaConsumer<byte[], byte[]> consumer(String groupId) {
        return build("consumer", "", () -> new KafkaConsumer<>(consumerProps(groupId)));
    }

    /** A new admin client; the caller closes it. */
    public Admin admin() {
        return build("admin", "", () -> Admin.create(adminProps()));
    }

    /**
     * Builds a Kafka client. One that refuses its settings (for example {@code delivery.timeout.ms}
     * below {@code linger.ms + request.timeout.ms} after a {@code kafka.producer.*} override) becomes one
     * clear message naming the client and the reason, instead of a stack trace.
     */
    private static <T> T build(String kind, String use, java.util.function.Supplier<T> client) {
        try {
            return client.get();
        } catch (org.apache.kafka.common.KafkaException e) {
            Throwable cause = e;
            while (cause.getCause() != null && !(cause instanceof org.apache.kafka.common.config.ConfigException)) {
                cause = cause.getCause();
            }
            if (cause instanceof org.apache.kafka.common.config.ConfigException) {
                throw new IllegalArgumentException("the Kafka " + (use.isEmpty() ? "" : use + " ") + kind
                        + " refuses its settings (check kafka.* and kafka." + kind + ".* overrides): " + cause.getMessage(), e);
            }
            throw e;
        }
    }

    private Map<String, String> common(Set<String> names) {
        Map<String, String> out = new HashMap<>();
        config.common().forEach((k, v) -> {
            if (names.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
