package dev.feedloop.sidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.sidecar.collector.Collector;
import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import dev.feedloop.sidecar.swap.RoutingTable;
import dev.feedloop.sidecar.tap.CapturePipeline;
import dev.feedloop.sidecar.tap.TapExchange;
import dev.feedloop.sidecar.tap.TapRecords;
import dev.feedloop.sidecar.tap.TapRuntime;
import dev.feedloop.sidecar.telemetry.Metrics;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * {@code feedloop bench ingest}: events/s through the tap's capture path and the collector, on a real
 * (embedded) broker: finished exchanges (a chat request and the engine's JSON answer, with some
 * personal data to redact) are offered to the tap's {@link CapturePipeline} exactly as the proxy
 * offers them — parsed, redacted, validated, encoded, produced by the idempotent capture producer —
 * while feedback for a share of them is produced to the feedback topic; the clock stops when the
 * {@link Collector} has read, joined and committed every inference record and every feedback event.
 * The proxy's HTTP work is not part of this path ({@code bench tap} measures it).
 */
public final class IngestBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private IngestBench() {}

    /** Runs the benchmark and returns one JSON object. */
    public static String run(int events, int warmup, double feedbackShare, int captureThreads, String redactorName, PrintWriter progress)
            throws Exception {
        Path dir = Files.createTempDirectory("feedloop-bench-ingest");
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir.resolve("kafka")))) {
            FeedloopConfig config = ConfigLoader.load(null, Map.of(), java.util.List.of("kafka.bootstrap.servers=" + kafka.bootstrapServers()))
                    .config();
            KafkaClients clients = new KafkaClients(config.kafka(), "bench-ingest");
            try (Admin admin = clients.admin()) {
                TopicSetup.ensure(admin, config.topics());
            }
            Metrics metrics = Metrics.create();
            Redactor redactor = redactorName.equals("none") ? null : PluginCatalog.load(IngestBench.class.getClassLoader()).redactors()
                    .get(redactorName).create(PluginContext.of(redactorName, Map.of()));
            Exchanges source = new Exchanges();
            int feedbackEvery = feedbackShare <= 0 ? Integer.MAX_VALUE : (int) Math.max(1, Math.round(1 / feedbackShare));
            int feedbackCount = (int) feedbackIn(warmup, warmup + events, feedbackEvery);
            progress.println("bench ingest: " + events + " exchanges, " + feedbackCount + " feedback events, partitions "
                    + config.topics().partitions() + ", capture threads " + captureThreads);
            progress.flush();

            try (KafkaProducer<byte[], byte[]> captureProducer = clients.producer("capture", TapRuntime.CAPTURE_PRODUCER);
                    KafkaProducer<byte[], byte[]> feedbackProducer = clients.producer("feedback", Map.of());
                    CapturePipeline<TapExchange> pipeline = new CapturePipeline<>(config.capture().queueRecords(),
                            config.capture().queueBytes(), TapRecords.assembler("default").apply(redactor), captureProducer,
                            config.topics().inference(), "/feedloop/bench", metrics.registry(), captureThreads);
                    Collector collector = new Collector(Collector.Settings.defaults(config.topics(), "assistant"), clients, metrics)) {
                collector.start();
                Instant now = Instant.now();
                Offer offer = new Offer(pipeline, feedbackProducer, config.topics().feedback(), source, feedbackEvery,
                        config.capture().queueRecords(), captureThreads, now);
                if (warmup > 0) {
                    progress.println("bench ingest: warm-up, " + warmup + " exchanges (not measured) ...");
                    progress.flush();
                    long t = System.nanoTime();
                    offer.range(0, warmup);
                    if (!collector.awaitProgress(p -> p.inferenceRecords() >= warmup && p.feedback() >= feedbackIn(0, warmup, feedbackEvery),
                            Duration.ofMinutes(10))) {
                        throw new IllegalStateException("the collector did not catch up with the warm-up in 10 minutes: " + collector.progress());
                    }
                    progress.println("bench ingest: warm-up took " + Math.round((System.nanoTime() - t) / 1e7) / 100.0 + " s");
                    progress.flush();
                }
                double publishedBefore = metrics.count("feedloop.tap.published");
                long joinedBefore = collector.progress().joined();
                long examplesBefore = collector.progress().examples();
                long deadLettersBefore = collector.progress().deadLetters();
                Map<Long, Long> cpuBefore = threadCpu();
                long processBefore = processCpuNanos();
                long gcBefore = gcMillis();
                long t0 = System.nanoTime();
                offer.range(warmup, warmup + events);
                double offeredS = (System.nanoTime() - t0) / 1e9;
                progress.println("bench ingest: offered in " + Math.round(offeredS * 100) / 100.0 + " s; waiting for the collector ...");
                progress.flush();
                long expectRecords = (long) warmup + events;
                long expectFeedback = feedbackIn(0, warmup + events, feedbackEvery);
                double[] publishedAt = {-1};
                boolean done = collector.awaitProgress(p -> {
                    if (publishedAt[0] < 0 && metrics.count("feedloop.tap.published") - publishedBefore >= events) {
                        publishedAt[0] = (System.nanoTime() - t0) / 1e9;
                    }
                    return p.inferenceRecords() >= expectRecords && p.feedback() >= expectFeedback;
                }, Duration.ofMinutes(10));
                double elapsed = (System.nanoTime() - t0) / 1e9;
                Collector.Progress p = collector.progress();
                if (!done) {
                    throw new IllegalStateException("the collector did not catch up in 10 minutes: " + p);
                }
                ObjectNode o = JSON.createObjectNode();
                o.put("bench", "ingest");
                o.put("path", "capture (parse, redact, validate, encode, idempotent produce) -> Kafka -> collector (decode, join, commit)");
                o.put("warmup_exchanges", warmup);
                o.put("inference_records", events);
                o.put("feedback_events", feedbackCount);
                o.put("partitions", config.topics().partitions());
                o.put("capture_threads", captureThreads);
                o.put("redactor", redactorName);
                o.put("exchange_bytes_avg", source.averageBytes());
                o.put("seconds", Math.round(elapsed * 1000) / 1000.0);
                o.put("events_per_s", Math.round((events + feedbackCount) / elapsed));
                o.put("inference_records_per_s", Math.round(events / elapsed));
                o.put("capture_published_per_s", publishedAt[0] > 0 ? Math.round(events / publishedAt[0]) : -1);
                o.put("captured_dropped", metrics.count("feedloop.tap.dropped", "reason", "queue_full")
                        + metrics.count("feedloop.tap.dropped", "reason", "kafka"));
                o.put("joined", p.joined() - joinedBefore);
                o.put("examples", p.examples() - examplesBefore);
                o.put("dead_letters", p.deadLetters() - deadLettersBefore);
                o.put("machine_cpus", Runtime.getRuntime().availableProcessors());
                o.put("jvm_gc", String.join(",", java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
                        .map(java.lang.management.GarbageCollectorMXBean::getName).toList()));
                ObjectNode cpu = o.putObject("cpu_s");
                Map<String, Long> groups = cpuByThread(cpu, cpuBefore);
                double processCpu = (processCpuNanos() - processBefore) / 1e9;
                cpu.put("process", Math.round(processCpu * 100) / 100.0);
                // JVM threads (JIT compilers, GC workers) are not Java threads, and threads that ended are gone
                double named = groups.values().stream().mapToLong(Long::longValue).sum() / 1e9;
                cpu.put("jit_gc_and_ended_threads", Math.round(Math.max(0, processCpu - named) * 100) / 100.0);
                o.put("gc_pause_s", Math.round((gcMillis() - gcBefore) / 10.0) / 100.0);
                // what one core of each stage sustains, for sizing pods where the stages do not share two cores
                ObjectNode perCore = o.putObject("events_per_cpu_s");
                perCore.put("capture", Math.round(events / (groups.getOrDefault("capture", 1L) / 1e9)));
                perCore.put("collector", Math.round((events + feedbackCount) / (groups.getOrDefault("collector", 1L) / 1e9)));
                o.put("cpu_utilisation", Math.round(processCpu / elapsed / Runtime.getRuntime().availableProcessors() * 100) / 100.0);
                return o.toString();
            }
        } finally {
            ServeBench.deleteTree(dir);
        }
    }

    /** Feedback events for exchanges {@code [from, to)}: one for every {@code every}-th exchange. */
    private static long feedbackIn(long from, long to, int every) {
        if (every == Integer.MAX_VALUE) {
            return 0;
        }
        return ceilDiv(to, every) - ceilDiv(from, every);
    }

    private static long ceilDiv(long a, int b) {
        return (a + b - 1) / b;
    }

    /** Offers exchanges to the capture pipeline as the proxy would, and feedback for every {@code feedbackEvery}-th. */
    private record Offer(CapturePipeline<TapExchange> pipeline, KafkaProducer<byte[], byte[]> feedbackProducer, String feedbackTopic,
            Exchanges source, int feedbackEvery, int capacity, int captureThreads, Instant now) {
        void range(int from, int to) {
            for (int i = from; i < to; i++) {
                TapExchange ex = source.next(i, now);
                while (pipeline.queued() >= capacity - captureThreads) {
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000); // let the capture threads catch up
                }
                if (!pipeline.offer(ex, ex.bytes())) {
                    throw new IllegalStateException("the capture queue refused an exchange");
                }
                if (feedbackEvery != Integer.MAX_VALUE && i % feedbackEvery == 0) {
                    Feedback f = new Feedback(Event.SCHEMA_VERSION, "f-" + ex.inferenceId(), ex.inferenceId(), "default", now,
                            Feedback.Kind.THUMBS_UP, null, null, null, null, null, null);
                    feedbackProducer.send(EventRecords.toRecord(feedbackTopic, f, "/feedloop/bench", null));
                }
            }
        }
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static Map<Long, Long> threadCpu() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new java.util.HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            out.put(id, mx.getThreadCpuTime(id));
        }
        return out;
    }

    /** CPU seconds spent during the run, grouped: capture threads, collector, producers, broker and the rest. */
    private static Map<String, Long> cpuByThread(ObjectNode into, Map<Long, Long> before) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        Map<String, Long> groups = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long now = mx.getThreadCpuTime(info.getThreadId());
            if (now < 0) {
                continue;
            }
            long spent = now - before.getOrDefault(info.getThreadId(), 0L);
            String name = info.getThreadName();
            String group = name.startsWith("feedloop-tap-capture") ? "capture"
                    : name.startsWith("feedloop-collector") ? "collector"
                    : name.startsWith("kafka-producer-network-thread") ? "producer_io"
                    : name.equals("main") ? "feeder" : "broker_and_other";
            groups.merge(group, spent, Long::sum);
        }
        groups.forEach((k, v) -> into.put(k, Math.round(v / 1e7) / 100.0));
        return groups;
    }

    private static long gcMillis() {
        long ms = 0;
        for (java.lang.management.GarbageCollectorMXBean gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
            ms += Math.max(0, gc.getCollectionTime());
        }
        return ms;
    }

    /** Realistic finished exchanges: a chat request with some personal data and the engine's JSON answer. */
    private static final class Exchanges {
        private static final String[] QUESTIONS = {
            "How do I reset my password? My email is jordan.miles@example.com.",
            "Summarize the attached meeting notes in three bullet points.",
            "My card 4111 1111 1111 1111 was charged twice, can you help?",
            "Write a haiku about autumn leaves in the city.",
            "Call me back at +44 20 7946 0958 about the delivery.",
            "Translate 'good morning, how are you?' into Spanish and French.",
            "Explain the difference between a mutex and a semaphore.",
            "The server 10.20.30.40 keeps timing out, what should I check?"};
        private final byte[][] requests = new byte[QUESTIONS.length][];
        private final byte[][] responses = new byte[QUESTIONS.length][];
        private long bytes;
        private long count;

        Exchanges() {
            for (int q = 0; q < QUESTIONS.length; q++) {
                ObjectNode req = JSON.createObjectNode().put("model", "assistant-v3");
                req.putArray("messages").add(JSON.createObjectNode().put("role", "system").put("content", "You are a helpful assistant."))
                        .add(JSON.createObjectNode().put("role", "user").put("content", QUESTIONS[q]));
                req.put("max_tokens", 128).put("temperature", 0.7);
                requests[q] = req.toString().getBytes(StandardCharsets.UTF_8);
                ObjectNode resp = JSON.createObjectNode().put("id", "chatcmpl-" + UUID.randomUUID()).put("object", "chat.completion")
                        .put("created", 1764050400L).put("model", "assistant-v3");
                ObjectNode choice = resp.putArray("choices").addObject().put("index", 0);
                choice.putObject("message").put("role", "assistant").put("content", ("Here is a careful answer to your question, "
                        + "step by step, with the details you asked for. ").repeat(4)).putNull("tool_calls");
                choice.putNull("logprobs").put("finish_reason", "stop").putNull("stop_reason");
                resp.putObject("usage").put("prompt_tokens", 41).put("total_tokens", 161).put("completion_tokens", 120);
                responses[q] = resp.toString().getBytes(StandardCharsets.UTF_8);
            }
        }

        TapExchange next(int i, Instant now) {
            int q = i % QUESTIONS.length;
            TapExchange ex = new TapExchange(UUID.randomUUID().toString(), "/v1/chat/completions", requests[q], responses[q], 200,
                    now, now.plusMillis(850), null, "assistant", new RoutingTable.Decision("assistant-v3", "assistant-v3", 3,
                            InferenceRecord.Route.PROMOTED), null);
            bytes += requests[q].length + responses[q].length;
            count++;
            return ex;
        }

        long averageBytes() {
            return count == 0 ? 0 : bytes / count;
        }
    }
}
