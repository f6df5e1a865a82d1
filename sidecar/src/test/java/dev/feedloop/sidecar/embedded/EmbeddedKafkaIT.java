package dev.feedloop.sidecar.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.event.Event;
import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker's lifecycle: a fresh directory is formatted; a restart keeps every record. */
class EmbeddedKafkaIT {
    @TempDir
    Path dir;

    @Test
    void restartOnTheSameDataDirectoryKeepsRecords() throws Exception {
        FeedloopConfig config = ConfigLoader.defaults();
        Instant t = Instant.parse("2026-11-25T06:42:21.123456789Z");
        List<Event> sent = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            sent.add(SampleEvents.inference(i, t));
        }
        String clusterId;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir))) {
            assertThat(dir.resolve("meta.properties")).exists();
            clusterId = clusterId(dir);
            KafkaClients clients = new KafkaClients(config.kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
            try (Admin admin = clients.admin()) {
                TopicSetup.ensure(admin, config.topics());
            }
            try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
                for (Event e : sent) {
                    producer.send(EventRecords.toRecord(config.topics().inference(), e, "/it", null)).get();
                }
            }
        }
        // A second start on the same directory: same cluster, same records (on whatever port is free now).
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir))) {
            assertThat(clusterId(dir)).isEqualTo(clusterId);
            KafkaClients clients = new KafkaClients(config.kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
            try (Admin admin = clients.admin()) {
                TopicSetup.Result r = TopicSetup.ensure(admin, config.topics());
                assertThat(r.created()).isEmpty();
                assertThat(r.existing()).hasSize(5);
            }
            List<Event> got = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("restart-it")) {
                consumer.subscribe(List.of(config.topics().inference()));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (got.size() < sent.size() && System.nanoTime() < deadline) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                        EventRecords.Decoded d = EventRecords.decode(r, config.topics().typesOn(r.topic()), Clock.systemUTC());
                        assertThat(d).isInstanceOf(EventRecords.Ok.class);
                        got.add(((EventRecords.Ok) d).event());
                    }
                }
            }
            assertThat(got).containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    @Test
    void portInUseIsAClearError() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir.resolve("a")))) {
            EmbeddedKafka.Settings clash = new EmbeddedKafka.Settings("127.0.0.1", kafka.port(), 0, dir.resolve("b"), Map.of());
            assertThatThrownBy(() -> EmbeddedKafka.start(clash))
                    .isInstanceOf(EmbeddedKafkaException.class)
                    .hasMessage("broker.port 127.0.0.1:" + kafka.port() + " is already in use (another broker running?)");
        }
    }

    @Test
    void aDataDirectoryInUseIsRefusedWithoutTouchingIt() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir))) {
            String portFile = Files.readString(dir.resolve("feedloop-controller.port"));
            assertThatThrownBy(() -> EmbeddedKafka.start(new EmbeddedKafka.Settings("127.0.0.1", 0, 0, dir, Map.of())))
                    .isInstanceOf(EmbeddedKafkaException.class)
                    .hasMessage("Kafka data directory " + dir.toAbsolutePath().normalize() + " is in use by another running broker");
            assertThat(Files.readString(dir.resolve("feedloop-controller.port"))).isEqualTo(portFile);
            KafkaClients clients = new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
            try (Admin admin = clients.admin()) {
                assertThat(admin.describeCluster().nodes().get()).hasSize(1); // the first broker still serves
            }
        }
    }

    private static String clusterId(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve("meta.properties")).stream()
                .filter(l -> l.startsWith("cluster.id=")).findFirst().orElseThrow();
    }
}
