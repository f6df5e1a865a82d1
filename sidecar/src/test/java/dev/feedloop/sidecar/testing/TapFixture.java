package dev.feedloop.sidecar.testing;

import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import dev.feedloop.sidecar.tap.TapRecords;
import dev.feedloop.sidecar.tap.TapRuntime;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** A tap started from config exactly as {@code feedloop tap} starts it, on fresh topics of a real broker. */
public final class TapFixture implements AutoCloseable {
    private final TapRuntime tap;
    private final FeedloopConfig config;
    private final KafkaClients clients;

    private TapFixture(TapRuntime tap, FeedloopConfig config, KafkaClients clients) {
        this.tap = tap;
        this.config = config;
        this.clients = clients;
    }

    /**
     * Starts a tap in front of {@code upstream} on topics unique to this call.
     *
     * @param overrides extra {@code key=value} settings, applied last
     */
    public static TapFixture start(String bootstrap, String upstream, String... overrides) {
        String prefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        List<String> sets = new ArrayList<>(List.of("kafka.bootstrap.servers=" + bootstrap, "tap.upstream=" + upstream, "tap.port=0",
                "management.port=0", "topics.partitions=2", "topics.inference=" + prefix + "inference",
                "topics.feedback=" + prefix + "feedback", "topics.preferences=" + prefix + "preferences",
                "topics.adapters=" + prefix + "adapters", "topics.deadletter=" + prefix + "deadletter"));
        sets.addAll(List.of(overrides));
        FeedloopConfig config = ConfigLoader.load(null, Map.of(), sets).config();
        KafkaClients clients = new KafkaClients(config.kafka(), "it");
        try (Admin admin = clients.admin()) {
            TopicSetup.ensure(admin, config.topics());
        }
        TapRuntime tap = TapRuntime.start(config, PluginCatalog.load(TapFixture.class.getClassLoader()), Clock.systemUTC(),
                TapRecords.assembler(config.tap().tenant()));
        return new TapFixture(tap, config, clients);
    }

    public TapRuntime tap() {
        return tap;
    }

    public FeedloopConfig config() {
        return config;
    }

    /** The tap's base URL. */
    public String url() {
        return tap.baseUrl();
    }

    /** A counter's value in the tap's registry (0 when absent). */
    public double count(String name, String... tags) {
        return tap.metrics().count(name, tags);
    }

    /** Reads a topic from the beginning until {@code expected} records arrived or the timeout passed. */
    public List<ConsumerRecord<byte[], byte[]>> read(String topic, int expected, Duration timeout) {
        return readUntil(topic, records -> records.size() >= expected, timeout);
    }

    /** Reads a topic from the beginning until {@code done} holds for what arrived, or the timeout passed. */
    public List<ConsumerRecord<byte[], byte[]>> readUntil(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
            Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("it-" + UUID.randomUUID())) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(out) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(100)).forEach(out::add);
            }
            // anything beyond the expected count that is already there
            consumer.poll(Duration.ofMillis(300)).forEach(out::add);
        }
        return out;
    }

    @Override
    public void close() {
        tap.close();
    }
}
