package dev.feedloop.sidecar.embedded;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * The demo as far as the foundation goes: a real broker (embedded unless {@code
 * kafka.bootstrap.servers} is set), Feedloop's topics, every event type published with the project's
 * codec and CloudEvents headers, consumed back and validated, and malformed records dead-lettered with
 * their reason.
 */
public final class FoundationDemo {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONSUME_TIMEOUT = Duration.ofSeconds(90);
    private static final String SOURCE = "/feedloop/demo";

    private FoundationDemo() {}

    /** What the demo did. */
    public record Report(ObjectNode json, boolean ok, String problem) {
        /** The report as one line of JSON. */
        public String toJson() {
            return json.toString();
        }
    }

    /**
     * Runs the demo.
     *
     * @param config the configuration (topics; bootstrap servers if an external broker should be used)
     * @param dataDir broker data directory, or null for a temporary one
     * @param n how many events of each kind
     * @param progress where progress lines go
     */
    public static Report run(FeedloopConfig config, Path dataDir, int n, PrintWriter progress) throws IOException {
        return run(config, dataDir, n, true, progress);
    }

    /**
     * Runs the demo.
     *
     * @param config the configuration (topics; bootstrap servers if an external broker should be used)
     * @param dataDir broker data directory, or null for a temporary one
     * @param n how many events of each kind
     * @param loop whether to run the loop stage too (serve, tap, feedback API, collector; see {@link LoopDemo})
     * @param progress where progress lines go
     */
    public static Report run(FeedloopConfig config, Path dataDir, int n, boolean loop, PrintWriter progress) throws IOException {
        Instant t0 = Instant.now();
        Path tmp = null;
        EmbeddedKafka broker = null;
        try {
            FeedloopConfig.KafkaConfig kafkaConfig = config.kafka();
            if (kafkaConfig.bootstrapServers().isEmpty()) {
                Path dir = dataDir;
                if (dir == null) {
                    tmp = Files.createTempDirectory("feedloop-demo-kafka");
                    dir = tmp;
                }
                progress.println("demo: starting the embedded Kafka broker (data " + dir + ") ...");
                progress.flush();
                broker = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir));
                kafkaConfig = kafkaConfig.withBootstrapServers(broker.bootstrapServers());
            }
            KafkaClients clients = new KafkaClients(kafkaConfig, "feedloop-demo");
            progress.println("demo: Kafka at " + clients.bootstrapServers());
            FeedloopConfig.TopicsConfig topics = config.topics();
            try (Admin admin = clients.admin()) {
                TopicSetup.Result r = TopicSetup.ensure(admin, topics);
                progress.println("demo: topics created " + r.created() + ", existing " + r.existing());
            }
            Report report = exchange(clients, topics, n, progress, t0, broker != null);
            if (!loop || !report.ok()) {
                return report;
            }
            LoopDemo.Result stage;
            try {
                stage = LoopDemo.run(config, clients.bootstrapServers(), progress);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            report.json().set("loop", stage.json());
            report.json().put("elapsed_ms", Duration.between(t0, Instant.now()).toMillis());
            report.json().put("ok", stage.problem() == null);
            return new Report(report.json(), stage.problem() == null, stage.problem());
        } finally {
            if (broker != null) {
                broker.close();
            }
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
    }

    private static Report exchange(KafkaClients clients, FeedloopConfig.TopicsConfig topics, int n, PrintWriter progress,
            Instant t0, boolean embedded) {
        Instant start = Instant.now();
        Map<EventType, Integer> produced = new EnumMap<>(EventType.class);
        Map<String, Integer> perTopic = new HashMap<>();
        int releases = Math.min(n, 5);
        String runId = UUID.randomUUID().toString().substring(0, 8);
        try (KafkaProducer<byte[], byte[]> producer = clients.producer()) {
            for (int i = 0; i < n; i++) {
                List<Event> events = new ArrayList<>(List.of(SampleEvents.inference(i, start), SampleEvents.feedback(i, start),
                        SampleEvents.pair(i, start), SampleEvents.unpaired(i, start)));
                if (i < releases) {
                    events.add(SampleEvents.release(i + 1, start));
                }
                for (Event e : events) {
                    String topic = topics.topicFor(e.type());
                    producer.send(EventRecords.toRecord(topic, e, SOURCE, traceparent(i)));
                    produced.merge(e.type(), 1, Integer::sum);
                    perTopic.merge(topic, 1, Integer::sum);
                }
            }
            // Two records a careless producer might write: broken JSON, and feedback with a rating of 9.
            producer.send(badRecord(topics.feedback(), "{\"kind\": \"THUMBS_UP\"".getBytes(StandardCharsets.UTF_8)));
            producer.send(badRecord(topics.feedback(), ("{\"schema_version\":1,\"feedback_id\":\"fb-bad-" + runId
                    + "\",\"inference_id\":\"inf-0\",\"tenant\":\"default\",\"time\":\"" + start
                    + "\",\"kind\":\"RATING\",\"rating\":9}").getBytes(StandardCharsets.UTF_8)));
            perTopic.merge(topics.feedback(), 2, Integer::sum);
            producer.flush();
            long publishMs = Duration.between(start, Instant.now()).toMillis();
            progress.println("demo: published " + perTopic.values().stream().mapToInt(Integer::intValue).sum()
                    + " records (" + produced + " plus 2 malformed) in " + publishMs + " ms");
            progress.flush();
            Instant consumeStart = Instant.now();

            Map<EventType, Integer> consumed = new EnumMap<>(EventType.class);
            List<DeadLetter> published = new ArrayList<>();
            List<String> inputTopics = List.of(topics.inference(), topics.feedback(), topics.preferences(), topics.adapters());
            Map<String, Integer> seen = new HashMap<>();
            try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("feedloop-demo-" + runId)) {
                assignAll(consumer, inputTopics);
                pollUntil(consumer, CONSUME_TIMEOUT, record -> {
                    seen.merge(record.topic(), 1, Integer::sum);
                    EventRecords.Decoded d = EventRecords.decode(record, topics.typesOn(record.topic()), Clock.systemUTC());
                    if (d instanceof EventRecords.Ok ok) {
                        consumed.merge(ok.event().type(), 1, Integer::sum);
                    } else if (d instanceof EventRecords.Dead dead) {
                        producer.send(EventRecords.toRecord(topics.deadLetter(), dead.deadLetter(), SOURCE, null));
                        published.add(dead.deadLetter());
                    }
                }, () -> inputTopics.stream().allMatch(t -> seen.getOrDefault(t, 0) >= perTopic.getOrDefault(t, 0)));
            }
            producer.flush();

            List<DeadLetter> deadLetters = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("feedloop-demo-dlq-" + runId)) {
                assignAll(consumer, List.of(topics.deadLetter()));
                pollUntil(consumer, CONSUME_TIMEOUT, record -> {
                    EventRecords.Decoded d = EventRecords.decode(record, List.of(EventType.DEAD_LETTER), Clock.systemUTC());
                    if (d instanceof EventRecords.Ok ok && published.stream().anyMatch(p -> p.eventId().equals(ok.event().eventId()))) {
                        deadLetters.add((DeadLetter) ok.event());
                    }
                }, () -> deadLetters.size() >= published.size());
            }
            long consumeMs = Duration.between(consumeStart, Instant.now()).toMillis();
            progress.println("demo: consumed and validated them, dead-lettered " + deadLetters.size() + ", in " + consumeMs + " ms");
            progress.flush();
            return report(clients, embedded, topics, produced, consumed, deadLetters, perTopic, publishMs, consumeMs, t0);
        }
    }

    private static Report report(KafkaClients clients, boolean embedded, FeedloopConfig.TopicsConfig topics,
            Map<EventType, Integer> produced, Map<EventType, Integer> consumed, List<DeadLetter> deadLetters,
            Map<String, Integer> perTopic, long publishMs, long consumeMs, Instant t0) {
        ObjectNode root = JSON.createObjectNode();
        root.put("demo", "foundation");
        root.put("kafka", clients.bootstrapServers());
        root.put("embedded_broker", embedded);
        ArrayNode t = root.putArray("topics");
        topics.all().forEach(t::add);
        ObjectNode p = root.putObject("produced");
        produced.forEach((k, v) -> p.put(k.slug(), v));
        ObjectNode c = root.putObject("consumed_valid");
        consumed.forEach((k, v) -> c.put(k.slug(), v));
        ArrayNode dl = root.putArray("dead_letters");
        deadLetters.sort(Comparator.comparing(DeadLetter::detail));
        for (DeadLetter d : deadLetters) {
            ObjectNode o = dl.addObject();
            o.put("source_topic", d.sourceTopic());
            o.put("offset", d.sourceOffset());
            o.put("reason", d.reason().name());
            o.put("detail", d.detail());
        }
        int records = perTopic.values().stream().mapToInt(Integer::intValue).sum();
        root.put("records_round_tripped", records);
        root.put("publish_ms", publishMs);
        root.put("consume_ms", consumeMs);
        root.put("elapsed_ms", Duration.between(t0, Instant.now()).toMillis());
        String problem = null;
        if (!produced.equals(consumed)) {
            problem = "consumed " + consumed + " but produced " + produced;
        } else if (deadLetters.size() != 2) {
            problem = "expected 2 dead letters, got " + deadLetters.size();
        }
        root.put("ok", problem == null);
        return new Report(root, problem == null, problem);
    }

    private static void pollUntil(KafkaConsumer<byte[], byte[]> consumer, Duration timeout,
            Consumer<ConsumerRecord<byte[], byte[]>> handler, BooleanSupplier done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for records");
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                handler.accept(r);
            }
        }
    }

    /** Reads whole topics from the beginning without a consumer group (no rebalance wait). */
    private static void assignAll(KafkaConsumer<byte[], byte[]> consumer, List<String> topics) {
        List<TopicPartition> partitions = new ArrayList<>();
        for (String t : topics) {
            consumer.partitionsFor(t).forEach(p -> partitions.add(new TopicPartition(t, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    private static ProducerRecord<byte[], byte[]> badRecord(String topic, byte[] value) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(CloudEventHeaders.TYPE, EventType.FEEDBACK.cloudEventType().getBytes(StandardCharsets.UTF_8));
        headers.add(CloudEventHeaders.SOURCE, "/some/careless/producer".getBytes(StandardCharsets.UTF_8));
        return new ProducerRecord<>(topic, null, "inf-0".getBytes(StandardCharsets.UTF_8), value, headers);
    }

    private static String traceparent(int i) {
        return String.format("00-%032x-%016x-01", 0x4bf92f35L * 1_000_003L + i + 1, 0x00f067aaL + i + 1);
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
