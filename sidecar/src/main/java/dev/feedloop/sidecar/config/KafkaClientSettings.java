package dev.feedloop.sidecar.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Checks {@code kafka.*} passthrough settings against the Kafka clients' own definitions. */
final class KafkaClientSettings {
    private static final Set<String> PRODUCER = ProducerConfig.configNames();
    private static final Set<String> CONSUMER = ConsumerConfig.configNames();
    private static final Set<String> ADMIN = AdminClientConfig.configNames();

    private KafkaClientSettings() {}

    /** Known names for a scope: "" (every client), "producer", "consumer" or "admin". */
    static Set<String> names(String scope) {
        return switch (scope) {
            case "producer" -> PRODUCER;
            case "consumer" -> CONSUMER;
            case "admin" -> ADMIN;
            default -> {
                Set<String> all = new TreeSet<>(PRODUCER);
                all.addAll(CONSUMER);
                all.addAll(ADMIN);
                yield all;
            }
        };
    }

    /**
     * Validates values by building each client's config the way the client would.
     *
     * @return null if valid, else the Kafka client's complaint
     */
    static String validate(Map<String, String> common, Map<String, String> producer, Map<String, String> consumer,
            Map<String, String> admin) {
        try {
            Map<String, Object> p = new HashMap<>(filter(common, PRODUCER));
            p.putAll(producer);
            p.putIfAbsent(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
            p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            new ProducerConfig(p);
            Map<String, Object> c = new HashMap<>(filter(common, CONSUMER));
            c.putAll(consumer);
            c.putIfAbsent(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
            new ConsumerConfig(c);
            Map<String, Object> a = new HashMap<>(filter(common, ADMIN));
            a.putAll(admin);
            a.putIfAbsent(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092");
            new AdminClientConfig(a);
            return null;
        } catch (org.apache.kafka.common.config.ConfigException e) {
            return e.getMessage();
        }
    }

    /** The common settings that one client understands (each client rejects no unknown key, but warns). */
    static Map<String, String> filter(Map<String, String> common, Set<String> names) {
        Map<String, String> out = new HashMap<>();
        common.forEach((k, v) -> {
            if (names.contains(k)) {
                out.put(k, v);
            }
        });
        return out;
    }
}
