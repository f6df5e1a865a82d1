package dev.feedloop.sidecar.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.codec.Json;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.embedded.SampleEvents;
import dev.feedloop.sidecar.testing.Kcat;
import dev.feedloop.sidecar.testing.WithKafka;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;

/** An independent client (kcat / librdkafka) reads what Feedloop writes, and Feedloop reads what kcat writes. */
@WithKafka
class KcatIT {

    private static FeedloopConfig.TopicsConfig topics(KafkaClients clients) {
        String p = "kcat-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        FeedloopConfig.TopicsConfig d = ConfigLoader.defaults().topics();
        FeedloopConfig.TopicsConfig t = new FeedloopConfig.TopicsConfig(p + d.inference(), p + d.feedback(), p + d.preferences(),
                p + d.adapters(), p + d.deadLetter(), 3, -1, true);
        try (Admin admin = clients.admin()) {
            TopicSetup.ensure(admin, t);
        }
        return t;
    }

    @Test
    void kcatListsTheBrokerAndTopics(EmbeddedKafka kafka) throws Exception {
        Kcat.require();
        KafkaClients clients = new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
        FeedloopConfig.TopicsConfig t = topics(clients);
        Kcat.Result r = Kcat.run(null, "-L", "-b", kafka.bootstrapServers());
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("1 brokers:", "broker 1 at " + kafka.bootstrapServers(),
                "topic \"" + t.adapters() + "\" with 1 partitions", "topic \"" + t.inference() + "\" with 3 partitions");
    }

    @Test
    void eventsWrittenByFeedloopAreReadByKcatAndValidate(EmbeddedKafka kafka) throws Exception {
        Kcat.require();
        KafkaClients clients = new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
        FeedloopConfig.TopicsConfig t = topics(clients);
        List<Event> sent = SampleEvents.oneOfEach(7, Instant.parse("2026-11-25T06:42:21.5Z"));
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            for (Event e : sent) {
                producer.send(EventRecords.toRecord(t.topicFor(e.type()), e, "/feedloop/it", null)).get();
            }
        }
        List<Event> readBack = new ArrayList<>();
        for (String topic : t.all()) {
            int expected = (int) sent.stream().filter(e -> t.topicFor(e.type()).equals(topic)).count();
            Kcat.Result r = Kcat.run(null, "-C", "-b", kafka.bootstrapServers(), "-t", topic, "-o", "beginning", "-e",
                    "-q", "-f", "%k\t%h\t%s\n");
            assertThat(r.exitCode()).as(r.stderr()).isZero();
            List<String> lines = r.stdout().lines().filter(l -> !l.isBlank()).toList();
            assertThat(lines).as(topic).hasSize(expected);
            for (String line : lines) {
                String[] parts = line.split("\t", 3);
                String headers = parts[1];
                String json = parts[2];
                EventType type = EventType.fromCloudEventType(header(headers, "ce_type")).orElseThrow();
                // validate the bytes kcat saw against the schema, independently of any record binding
                assertThat(EventCodec.of(type).validate(Json.mapper().readTree(json))).isEmpty();
                Event e = EventCodec.of(type).decode(json);
                assertThat(parts[0]).isEqualTo(e.messageKey());
                assertThat(header(headers, "ce_id")).isEqualTo(e.eventId());
                readBack.add(e);
            }
        }
        assertThat(readBack).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void recordsWrittenByKcatAreReadByFeedloop(EmbeddedKafka kafka) throws Exception {
        Kcat.require();
        KafkaClients clients = new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
        FeedloopConfig.TopicsConfig t = topics(clients);
        String good = "{\"schema_version\":1,\"feedback_id\":\"fb-k1\",\"inference_id\":\"inf-k1\",\"tenant\":\"default\","
                + "\"time\":\"2026-11-25T06:00:00Z\",\"kind\":\"EDIT\",\"edited_text\":\"better\"}";
        String bad = "{\"schema_version\":1,\"feedback_id\":\"fb-k2\",\"inference_id\":\"inf-k1\",\"tenant\":\"default\","
                + "\"time\":\"2026-11-25T06:00:00Z\",\"kind\":\"EDIT\"}";
        Kcat.Result r = Kcat.run(good + "\n" + bad + "\n", "-P", "-b", kafka.bootstrapServers(), "-t", t.feedback(),
                "-k", "inf-k1", "-H", "ce_type=dev.feedloop.feedback.v1", "-H", "ce_specversion=1.0");
        assertThat(r.exitCode()).as(r.stderr()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = EventRecordsIT.consumeAll(clients, List.of(t.feedback()), 2);
        records.sort((a, b) -> Long.compare(a.offset(), b.offset()));
        EventRecords.Decoded first = EventRecords.decode(records.get(0), t.typesOn(t.feedback()), Clock.systemUTC());
        EventRecords.Decoded second = EventRecords.decode(records.get(1), t.typesOn(t.feedback()), Clock.systemUTC());
        assertThat(first).isInstanceOfSatisfying(EventRecords.Ok.class, ok -> {
            Feedback f = (Feedback) ok.event();
            assertThat(f.kind()).isEqualTo(Feedback.Kind.EDIT);
            assertThat(f.editedText()).isEqualTo("better");
        });
        assertThat(second).isInstanceOfSatisfying(EventRecords.Dead.class,
                d -> assertThat(d.deadLetter().detail()).isEqualTo("invalid feedback: /edited_text: is required (because kind is EDIT)"));
    }

    private static String header(String kcatHeaders, String name) {
        for (String kv : kcatHeaders.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(name)) {
                return kv.substring(eq + 1);
            }
        }
        throw new AssertionError("no header " + name + " in " + kcatHeaders);
    }
}
