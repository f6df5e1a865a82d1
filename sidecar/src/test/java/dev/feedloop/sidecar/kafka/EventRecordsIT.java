package dev.feedloop.sidecar.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.embedded.SampleEvents;
import dev.feedloop.sidecar.testing.WithKafka;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/** Every event type through the real broker: produced with the project's serializer, consumed, equal. */
@WithKafka
class EventRecordsIT {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T07:00:00Z"), ZoneOffset.UTC);

    /** Topics unique to one test, so tests sharing the broker never see each other's records. */
    private static FeedloopConfig.TopicsConfig freshTopics() {
        String p = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        FeedloopConfig.TopicsConfig d = ConfigLoader.defaults().topics();
        return new FeedloopConfig.TopicsConfig(p + d.inference(), p + d.feedback(), p + d.preferences(), p + d.adapters(),
                p + d.deadLetter(), 2, -1, true);
    }

    private static FeedloopConfig.TopicsConfig createTopics(KafkaClients clients) {
        FeedloopConfig.TopicsConfig topics = freshTopics();
        try (Admin admin = clients.admin()) {
            TopicSetup.ensure(admin, topics);
        }
        return topics;
    }

    private static KafkaClients clients(EmbeddedKafka kafka) {
        return new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
    }

    @Test
    void everyEventTypeRoundTripsThroughTheBroker(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        FeedloopConfig.TopicsConfig topics = createTopics(clients);
        Instant t = Instant.parse("2026-11-25T06:42:21.123456789Z");
        List<Event> sent = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            sent.addAll(SampleEvents.oneOfEach(i, t));
        }
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            for (Event e : sent) {
                producer.send(EventRecords.toRecord(topics.topicFor(e.type()), e, "/feedloop/it", traceparent)).get();
            }
        }
        List<Event> received = new ArrayList<>();
        List<ConsumerRecord<byte[], byte[]>> records = consumeAll(clients, topics.all(), sent.size());
        for (ConsumerRecord<byte[], byte[]> r : records) {
            EventRecords.Decoded d = EventRecords.decode(r, topics.typesOn(r.topic()), CLOCK);
            assertThat(d).as("record at %s-%d@%d", r.topic(), r.partition(), r.offset()).isInstanceOf(EventRecords.Ok.class);
            EventRecords.Ok ok = (EventRecords.Ok) d;
            received.add(ok.event());
            assertThat(ok.traceparent()).contains(traceparent);
            Map<String, String> h = EventRecords.headers(r.headers());
            assertThat(h).containsEntry(CloudEventHeaders.SPECVERSION, "1.0")
                    .containsEntry(CloudEventHeaders.ID, ok.event().eventId())
                    .containsEntry(CloudEventHeaders.TYPE, ok.event().type().cloudEventType())
                    .containsEntry(CloudEventHeaders.DATASCHEMA, ok.event().type().schemaId())
                    .containsEntry(CloudEventHeaders.CONTENT_TYPE, "application/json")
                    .containsEntry(CloudEventHeaders.SOURCE, "/feedloop/it");
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(ok.event().messageKey());
            assertThat(r.topic()).isEqualTo(topics.topicFor(ok.event().type()));
        }
        assertThat(received).containsExactlyInAnyOrderElementsOf(sent);
    }

    @Test
    void recordsWithTheSameKeyShareAPartition(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        FeedloopConfig.TopicsConfig topics = createTopics(clients);
        Instant t = Instant.parse("2026-11-25T06:42:21Z");
        Map<String, Integer> partitionOfKey = new HashMap<>();
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            for (int i = 0; i < 30; i++) {
                // the inference record and its feedback share inference_id as key, so they co-partition
                int p1 = producer.send(EventRecords.toRecord(topics.inference(), SampleEvents.inference(i, t), "/it", null)).get().partition();
                int p2 = producer.send(EventRecords.toRecord(topics.feedback(), SampleEvents.feedback(i, t), "/it", null)).get().partition();
                assertThat(p2).isEqualTo(p1);
                partitionOfKey.put("inf-" + i, p1);
            }
        }
        assertThat(partitionOfKey.values()).as("keys spread over both partitions").contains(0, 1);
    }

    @Test
    void topicLayoutIsAsDocumented(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        FeedloopConfig.TopicsConfig topics = freshTopics();
        try (Admin admin = clients.admin()) {
            TopicSetup.Result r = TopicSetup.ensure(admin, topics);
            assertThat(r.created()).containsExactlyInAnyOrderElementsOf(topics.all());
            Map<String, TopicDescription> d = admin.describeTopics(topics.all()).allTopicNames().get();
            assertThat(d.get(topics.adapters()).partitions()).hasSize(1);
            assertThat(d.get(topics.inference()).partitions()).hasSize(2);
            ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topics.adapters());
            Config c = admin.describeConfigs(List.of(res)).all().get().get(res);
            assertThat(c.get("cleanup.policy").value()).isEqualTo("compact");
            // a second ensure is a no-op
            assertThat(TopicSetup.ensure(admin, topics).created()).isEmpty();
        }
    }

    @Test
    void nonCompactedAdaptersTopicStopsStartup(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        FeedloopConfig.TopicsConfig topics = freshTopics();
        try (Admin admin = clients.admin()) {
            admin.createTopics(List.of(new NewTopic(topics.adapters(), 1, (short) 1))).all().get();
            assertThatThrownBy(() -> TopicSetup.ensure(admin, topics))
                    .isInstanceOf(TopicSetupException.class)
                    .hasMessage("topic " + topics.adapters() + " must have cleanup.policy=compact (it has delete): "
                            + "adapter versions would be deleted by retention");
        }
    }

    @Test
    void malformedRecordsBecomeDeadLettersWithTheReason(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        FeedloopConfig.TopicsConfig topics = createTopics(clients);
        byte[] broken = "{\"kind\": ".getBytes(StandardCharsets.UTF_8);
        byte[] invalid = ("{\"schema_version\":1,\"feedback_id\":\"f1\",\"inference_id\":\"i1\",\"tenant\":\"default\","
                + "\"time\":\"2026-11-25T06:00:00Z\",\"kind\":\"CHOICE\"}").getBytes(StandardCharsets.UTF_8);
        byte[] valid = ("{\"schema_version\":1,\"feedback_id\":\"f2\",\"inference_id\":\"i1\",\"tenant\":\"default\","
                + "\"time\":\"2026-11-25T06:00:00Z\",\"kind\":\"THUMBS_UP\"}").getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            producer.send(new ProducerRecord<>(topics.feedback(), 0, "i1".getBytes(StandardCharsets.UTF_8), broken)).get();
            producer.send(new ProducerRecord<>(topics.feedback(), 0, "i1".getBytes(StandardCharsets.UTF_8), invalid)).get();
            RecordHeaders wrongType = new RecordHeaders();
            wrongType.add(CloudEventHeaders.TYPE, EventType.ADAPTER_RELEASE.cloudEventType().getBytes(StandardCharsets.UTF_8));
            producer.send(new ProducerRecord<>(topics.feedback(), 0, "i1".getBytes(StandardCharsets.UTF_8), valid, wrongType)).get();
            // no ce_type header: a third-party producer; decoded as the topic's event type
            producer.send(new ProducerRecord<>(topics.feedback(), 0, "i1".getBytes(StandardCharsets.UTF_8), valid)).get();
        }
        List<EventRecords.Decoded> decoded = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumeAll(clients, List.of(topics.feedback()), 4)) {
            decoded.add(EventRecords.decode(r, topics.typesOn(r.topic()), CLOCK));
        }
        assertThat(decoded).hasSize(4);
        DeadLetter malformed = ((EventRecords.Dead) decoded.get(0)).deadLetter();
        assertThat(malformed.reason()).isEqualTo(DeadLetter.Reason.MALFORMED_JSON);
        assertThat(malformed.sourceTopic()).isEqualTo(topics.feedback());
        assertThat(malformed.sourceOffset()).isZero();
        assertThat(malformed.key()).isEqualTo("i1");
        assertThat(Base64.getDecoder().decode(malformed.payloadBase64())).isEqualTo(broken);
        assertThat(malformed.time()).isEqualTo(CLOCK.instant());
        DeadLetter schema = ((EventRecords.Dead) decoded.get(1)).deadLetter();
        assertThat(schema.reason()).isEqualTo(DeadLetter.Reason.SCHEMA_VIOLATION);
        assertThat(schema.detail()).isEqualTo("invalid feedback: /choice_index: is required (because kind is CHOICE)");
        assertThat(schema.violations()).extracting(v -> v.path()).containsExactly("/choice_index");
        DeadLetter wrong = ((EventRecords.Dead) decoded.get(2)).deadLetter();
        assertThat(wrong.reason()).isEqualTo(DeadLetter.Reason.UNEXPECTED_EVENT_TYPE);
        assertThat(wrong.detail()).contains("dev.feedloop.adapter-release.v1");
        assertThat(decoded.get(3)).isInstanceOf(EventRecords.Ok.class);

        // The dead letters themselves are valid events and go through the dead-letter topic.
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            for (int i = 0; i < 3; i++) {
                producer.send(EventRecords.toRecord(topics.deadLetter(), ((EventRecords.Dead) decoded.get(i)).deadLetter(), "/it", null)).get();
            }
        }
        List<Event> dlq = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : consumeAll(clients, List.of(topics.deadLetter()), 3)) {
            dlq.add(((EventRecords.Ok) EventRecords.decode(r, List.of(EventType.DEAD_LETTER), CLOCK)).event());
        }
        assertThat(dlq).containsExactly(malformed, schema, wrong);
    }

    @Test
    void tombstonesAreSkippedAndHeaderlessRecordsAreTypedByTheirContent(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        FeedloopConfig.TopicsConfig topics = createTopics(clients);
        Instant t = Instant.parse("2026-11-25T06:42:21Z");
        byte[] example = EventCodec.encodeEvent(SampleEvents.unpaired(1, t));
        byte[] pair = EventCodec.encodeEvent(SampleEvents.pair(2, t));
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            // no ce_type: a third-party producer writing both kinds to the preferences topic
            producer.send(new ProducerRecord<>(topics.preferences(), 0, null, example)).get();
            producer.send(new ProducerRecord<>(topics.preferences(), 0, null, pair)).get();
            producer.send(new ProducerRecord<>(topics.adapters(), 0, "assistant-v1".getBytes(StandardCharsets.UTF_8), null)).get();
        }
        List<ConsumerRecord<byte[], byte[]>> prefs = consumeAll(clients, List.of(topics.preferences()), 2);
        assertThat(EventRecords.decode(prefs.get(0), topics.typesOn(topics.preferences()), CLOCK))
                .isInstanceOfSatisfying(EventRecords.Ok.class, ok -> assertThat(ok.event()).isEqualTo(SampleEvents.unpaired(1, t)));
        assertThat(EventRecords.decode(prefs.get(1), topics.typesOn(topics.preferences()), CLOCK))
                .isInstanceOfSatisfying(EventRecords.Ok.class, ok -> assertThat(ok.event()).isEqualTo(SampleEvents.pair(2, t)));
        List<ConsumerRecord<byte[], byte[]>> adapters = consumeAll(clients, List.of(topics.adapters()), 1);
        assertThat(EventRecords.decode(adapters.get(0), topics.typesOn(topics.adapters()), CLOCK))
                .isEqualTo(new EventRecords.Tombstone("assistant-v1"));
    }

    static List<ConsumerRecord<byte[], byte[]>> consumeAll(KafkaClients clients, List<String> topics, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("it-" + UUID.randomUUID())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : topics) {
                consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        assertThat(out).hasSize(expected);
        return out;
    }
}
