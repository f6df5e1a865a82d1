package dev.feedloop.sidecar.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.event.Completion;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.event.UnpairedExample;
import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig.TopicsConfig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import dev.feedloop.sidecar.telemetry.Metrics;
import dev.feedloop.sidecar.testing.WithKafka;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The collector against the real broker: shuffled records and feedback with duplicates, out-of-order
 * arrival, an orphan, malformed records, committed offsets, and a restart in the middle of a stream.
 */
@WithKafka
class CollectorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final String FALLBACK = "fallback-alias";
    private static final Prompt PROMPT = new Prompt(List.of(Message.of(Message.Role.SYSTEM, "Be brief."),
            Message.of(Message.Role.USER, "What is 2+2?")), null, List.of(1, 2, 3));
    private static final Instant FEEDBACK_TIME = Fixtures.T0.plusSeconds(30);

    // the records: a, c and d have alias "assistant" at policy version 3 (d: 4); b has no alias; e failed
    private static final InferenceRecord A = Fixtures.record("inf-a", "A0", "A1");
    private static final InferenceRecord B = Fixtures.record("inf-b", null, 200, Fixtures.request("What is 2+2?"),
            List.of(Fixtures.choice(0, "B0")));
    private static final InferenceRecord C = Fixtures.record("inf-c", "C0");
    private static final InferenceRecord D = Fixtures.withPolicyVersion(Fixtures.record("inf-d", "D0"), 4);
    private static final InferenceRecord E = Fixtures.record("inf-e", "assistant", 500, Fixtures.request("What is 2+2?"),
            List.of());

    private static TopicsConfig createTopics(KafkaClients clients) {
        String p = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        TopicsConfig d = ConfigLoader.defaults().topics();
        TopicsConfig topics = new TopicsConfig(p + d.inference(), p + d.feedback(), p + d.preferences(), p + d.adapters(),
                p + d.deadLetter(), 2, -1, true);
        try (Admin admin = clients.admin()) {
            TopicSetup.ensure(admin, topics);
        }
        return topics;
    }

    private static KafkaClients clients(EmbeddedKafka kafka) {
        return new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
    }

    private static Collector.Settings settings(TopicsConfig topics, String group, Clock clock) {
        return Collector.Settings.defaults(topics, FALLBACK).withGroupId(group).withClock(clock)
                .withPollTimeout(Duration.ofMillis(50));
    }

    private static ProducerRecord<byte[], byte[]> record(TopicsConfig topics, Event e) {
        return EventRecords.toRecord(topics.topicFor(e.type()), e, "/it", null);
    }

    private static Completion completion(String text, int index, String inferenceId, long version) {
        return new Completion(text, List.of(100 + index, 200 + index), List.of(-0.5 - index, -0.25), inferenceId, version);
    }

    private static PreferencePair pair(String id, String alias, Completion chosen, Completion rejected,
            PreferencePair.Source source, String feedbackId) {
        return new PreferencePair(1, id, "default", FEEDBACK_TIME, alias, PROMPT, PROMPT.hash(), chosen, rejected, source, null,
                List.of(feedbackId));
    }

    private static UnpairedExample example(String id, String alias, Completion completion, boolean desirable,
            Feedback.Kind kind, String feedbackId) {
        return new UnpairedExample(1, id, "default", FEEDBACK_TIME, alias, PROMPT, PROMPT.hash(), completion, desirable, kind,
                feedbackId);
    }

    @Test
    void joinsShuffledStreamsIntoExactlyTheExpectedTrainingData(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        TopicsConfig topics = createTopics(clients);
        Feedback late = Fixtures.thumbsDown("fb-late", "inf-unknown");
        List<Event> events = new ArrayList<>(List.of(A, B, C, D, E,
                Fixtures.choice("fb-a-choice", "inf-a", 1),
                Fixtures.thumbsUp("fb-a-up", "inf-a"),
                Fixtures.thumbsUp("fb-a-up", "inf-a"), // duplicate
                Fixtures.edit("fb-b-edit", "inf-b", "B, but better"),
                Fixtures.rating("fb-b-rate", "inf-b", 2),
                Fixtures.rating("fb-b-neutral", "inf-b", 3),
                Fixtures.regenerate("fb-c-regen", "inf-c", "inf-d"),
                Fixtures.thumbsDown("fb-e-down", "inf-e"),
                late));
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        events.forEach(e -> records.add(record(topics, e)));
        byte[] notJson = "not json".getBytes(StandardCharsets.UTF_8);
        byte[] choiceWithoutIndex = ("{\"schema_version\":1,\"feedback_id\":\"fb-bad\",\"inference_id\":\"inf-a\","
                + "\"tenant\":\"default\",\"time\":\"2026-11-25T06:00:30Z\",\"kind\":\"CHOICE\"}").getBytes(StandardCharsets.UTF_8);
        records.add(new ProducerRecord<>(topics.inference(), "inf-x".getBytes(StandardCharsets.UTF_8), notJson));
        records.add(new ProducerRecord<>(topics.feedback(), "inf-a".getBytes(StandardCharsets.UTF_8), choiceWithoutIndex));
        Collections.shuffle(records, new Random(20261125));

        ManualClock clock = new ManualClock(Fixtures.T0.plusSeconds(60));
        Metrics metrics = Metrics.create();
        String group = "it-collector-" + UUID.randomUUID();
        try (Collector collector = new Collector(settings(topics, group, clock), clients, metrics).start();
                KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            Map<TopicPartition, Long> heldFrom = new HashMap<>(); // lowest offset of a valid record per inference partition
            long lateOffset = -1;
            TopicPartition latePartition = null;
            for (ProducerRecord<byte[], byte[]> r : records) {
                RecordMetadata md = producer.send(r).get();
                TopicPartition tp = new TopicPartition(md.topic(), md.partition());
                if (r.topic().equals(topics.inference()) && r.value() != notJson) {
                    heldFrom.merge(tp, md.offset(), Math::min);
                }
                if (r.headers().lastHeader("ce_id") != null
                        && "fb-late".equals(new String(r.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8))) {
                    lateOffset = md.offset();
                    latePartition = tp;
                }
            }
            assertThat(collector.awaitProgress(p -> p.inferenceRecords() == 5 && p.feedback() == 9 && p.deadLetters() == 2
                    && p.pairs() == 3 && p.examples() == 2, TIMEOUT)).as("progress %s", collector.progress()).isTrue();
            Collector.Progress p = collector.progress();
            assertThat(p.duplicates()).isEqualTo(1);
            assertThat(p.joined()).isEqualTo(7);
            assertThat(p.ignored()).as("rating 3 and the failed inference").isEqualTo(2);
            assertThat(p.pending()).as("fb-late waits").isEqualTo(1);
            assertThat(p.orphans()).isZero();
            assertThat(p.running()).as("the consumer went on after the malformed records").isTrue();

            Map<TopicPartition, Long> ends = endOffsets(clients, List.of(topics.inference(), topics.feedback()));
            Map<TopicPartition, Long> committed = committed(clients, group);
            for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
                TopicPartition tp = end.getKey();
                if (tp.equals(latePartition)) {
                    assertThat(committed.getOrDefault(tp, 0L)).as("waiting feedback holds %s", tp).isLessThanOrEqualTo(lateOffset);
                } else if (heldFrom.containsKey(tp)) {
                    assertThat(committed.getOrDefault(tp, 0L)).as("cached records hold %s", tp)
                            .isLessThanOrEqualTo(heldFrom.get(tp));
                } else {
                    assertThat(committed.get(tp)).as("committed %s", tp).isEqualTo(end.getValue());
                }
            }

            clock.advance(Collector.DEFAULT_WINDOW.plusSeconds(1));
            assertThat(collector.awaitProgress(q -> q.orphans() == 1 && q.pending() == 0 && q.cached() == 0, TIMEOUT))
                    .as("progress %s", collector.progress()).isTrue();
            assertThat(committed(clients, group)).as("every offset is committed once nothing is held").isEqualTo(ends);
        }

        List<Event> expected = List.of(
                pair("fb-a-choice:0", "assistant", completion("A1", 1, "inf-a", 3), completion("A0", 0, "inf-a", 3),
                        PreferencePair.Source.USER_CHOICE, "fb-a-choice"),
                example("fb-a-up:0", "assistant", completion("A0", 0, "inf-a", 3), true, Feedback.Kind.THUMBS_UP, "fb-a-up"),
                pair("fb-b-edit:0", FALLBACK, new Completion("B, but better", null, null, "inf-b", 3),
                        completion("B0", 0, "inf-b", 3), PreferencePair.Source.USER_EDIT, "fb-b-edit"),
                example("fb-b-rate:0", FALLBACK, completion("B0", 0, "inf-b", 3), false, Feedback.Kind.RATING, "fb-b-rate"),
                pair("fb-c-regen:0", "assistant", completion("D0", 0, "inf-d", 4), completion("C0", 0, "inf-c", 3),
                        PreferencePair.Source.REGENERATE, "fb-c-regen"));
        List<ConsumerRecord<byte[], byte[]>> prefs = readAll(clients, topics.preferences());
        List<Event> got = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : prefs) {
            Event e = ((EventRecords.Ok) EventRecords.decode(r, topics.typesOn(r.topic()), clock)).event();
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(PROMPT.hash());
            got.add(e);
        }
        assertThat(got).containsExactlyInAnyOrderElementsOf(expected);

        Map<DeadLetter.Reason, DeadLetter> dlq = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(clients, topics.deadLetter())) {
            DeadLetter d = (DeadLetter) ((EventRecords.Ok) EventRecords.decode(r, List.of(EventType.DEAD_LETTER), clock)).event();
            assertThat(dlq.put(d.reason(), d)).as("one dead letter per reason").isNull();
        }
        assertThat(dlq.keySet()).containsExactlyInAnyOrder(DeadLetter.Reason.MALFORMED_JSON, DeadLetter.Reason.SCHEMA_VIOLATION,
                DeadLetter.Reason.ORPHAN_FEEDBACK);
        assertThat(dlq.get(DeadLetter.Reason.MALFORMED_JSON).sourceTopic()).isEqualTo(topics.inference());
        assertThat(Base64.getDecoder().decode(dlq.get(DeadLetter.Reason.MALFORMED_JSON).payloadBase64())).isEqualTo(notJson);
        assertThat(dlq.get(DeadLetter.Reason.SCHEMA_VIOLATION).detail())
                .isEqualTo("invalid feedback: /choice_index: is required (because kind is CHOICE)");
        DeadLetter orphan = dlq.get(DeadLetter.Reason.ORPHAN_FEEDBACK);
        assertThat(orphan.detail()).isEqualTo("no inference record inf-unknown arrived within the join window of PT10M");
        assertThat(orphan.sourceTopic()).isEqualTo(topics.feedback());
        assertThat(orphan.key()).isEqualTo("inf-unknown");
        assertThat(Base64.getDecoder().decode(orphan.payloadBase64())).isEqualTo(EventCodec.encodeEvent(late));

        assertThat(metrics.count("feedloop.collector.duplicates")).isEqualTo(1);
        assertThat(metrics.count("feedloop.collector.orphans")).isEqualTo(1);
        assertThat(metrics.count("feedloop.collector.ignored", "reason", "rating_neutral")).isEqualTo(1);
        assertThat(metrics.count("feedloop.collector.ignored", "reason", "non_2xx")).isEqualTo(1);
        assertThat(metrics.count("feedloop.collector.dead_letters", "reason", "MALFORMED_JSON")).isEqualTo(1);
        assertThat(metrics.count("feedloop.collector.dead_letters", "reason", "SCHEMA_VIOLATION")).isEqualTo(1);
        assertThat(metrics.count("feedloop.collector.dead_letters", "reason", "ORPHAN_FEEDBACK")).isEqualTo(1);
        assertThat(metrics.scrape()).as("gauges go with the collector").doesNotContain("feedloop_collector_pending");
    }

    @Test
    void aRestartedCollectorLosesNothing(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = clients(kafka);
        TopicsConfig topics = createTopics(clients);
        ManualClock clock = new ManualClock(Fixtures.T0.plusSeconds(60));
        String group = "it-collector-" + UUID.randomUUID();
        InferenceRecord f = Fixtures.record("inf-f", "F0");
        InferenceRecord g = Fixtures.record("inf-g", "G0");
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            // first half: the records of a-e, feedback joined at once, and feedback whose record comes later
            for (Event e : List.of(A, B, C, D, E, Fixtures.choice("fb-a-choice", "inf-a", 1),
                    Fixtures.edit("fb-b-edit", "inf-b", "B, but better"), Fixtures.thumbsUp("fb-g-up", "inf-g"))) {
                producer.send(record(topics, e)).get();
            }
            try (Collector first = new Collector(settings(topics, group, clock), clients, Metrics.create()).start()) {
                assertThat(first.awaitProgress(p -> p.inferenceRecords() == 5 && p.feedback() == 3 && p.pairs() == 2, TIMEOUT))
                        .as("progress %s", first.progress()).isTrue();
                assertThat(first.progress().pending()).isEqualTo(1);
            }
            // while no collector runs: feedback for records the first one read, and more records
            for (Event e : List.of(Fixtures.thumbsUp("fb-a-up", "inf-a"), Fixtures.rating("fb-b-rate", "inf-b", 2),
                    Fixtures.regenerate("fb-c-regen", "inf-c", "inf-d"), f, Fixtures.thumbsUp("fb-f-up", "inf-f"), g)) {
                producer.send(record(topics, e)).get();
            }
        }
        Set<String> expectedIds = Set.of("fb-a-choice:0", "fb-b-edit:0", "fb-g-up:0", "fb-a-up:0", "fb-b-rate:0",
                "fb-c-regen:0", "fb-f-up:0");
        Map<String, List<Event>> byId = new TreeMap<>();
        try (Collector second = new Collector(settings(topics, group, clock), clients, Metrics.create()).start()) {
            // 5 records cached by the first collector are read again, then f and g
            assertThat(second.awaitProgress(p -> p.inferenceRecords() >= 7 && p.pending() == 0, TIMEOUT))
                    .as("progress %s", second.progress()).isTrue();
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!byId.keySet().containsAll(expectedIds) && System.nanoTime() < deadline) {
                byId.clear();
                for (ConsumerRecord<byte[], byte[]> r : readAll(clients, topics.preferences())) {
                    Event e = ((EventRecords.Ok) EventRecords.decode(r, topics.typesOn(r.topic()), clock)).event();
                    byId.computeIfAbsent(e.eventId(), k -> new ArrayList<>()).add(e);
                }
            }
            assertThat(second.progress().inferenceRecords()).as("cached records are read again").isEqualTo(7);
            assertThat(second.progress().orphans()).isZero();
        }
        assertThat(byId.keySet()).isEqualTo(expectedIds);
        byId.forEach((id, copies) -> assertThat(Set.copyOf(copies)).as("copies of %s", id).hasSize(1));
        assertThat(byId.get("fb-g-up:0")).first().isInstanceOfSatisfying(UnpairedExample.class,
                e -> assertThat(e.completion().text()).isEqualTo("G0"));
        assertThat(readAll(clients, topics.deadLetter())).isEmpty();
    }

    private static Map<TopicPartition, Long> committed(KafkaClients clients, String group) throws Exception {
        try (Admin admin = clients.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    private static Map<TopicPartition, Long> endOffsets(KafkaClients clients, List<String> topics) {
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("it-" + UUID.randomUUID())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String t : topics) {
                consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
            }
            return consumer.endOffsets(parts);
        }
    }

    /** Everything on a topic now, from the beginning. */
    private static List<ConsumerRecord<byte[], byte[]>> readAll(KafkaClients clients, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("it-" + UUID.randomUUID())) {
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (parts.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }
}
