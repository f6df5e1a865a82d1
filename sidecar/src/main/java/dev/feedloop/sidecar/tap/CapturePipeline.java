package dev.feedloop.sidecar.tap;

import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.sidecar.capture.CaptureException;
import dev.feedloop.sidecar.kafka.EventRecords;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves captured exchanges from the proxy to Kafka without ever making a client wait.
 *
 * <p>The proxy {@link #offer}s a finished exchange after the response has been sent; the offer never
 * blocks: when the queue is full (by count or by bytes) the exchange is dropped and counted. Dedicated
 * capture threads ({@code capture.threads}) build the {@link InferenceRecord} (parse, redact, validate) and hands it to an
 * idempotent producer; a send that fails (Kafka down beyond the producer's delivery timeout, or its
 * buffer full beyond {@code max.block.ms}) is dropped and counted too. Nothing is lost silently:
 * every exchange ends in exactly one of the counters {@code published}, {@code dropped{reason}}.
 *
 * @param <T> the captured exchange
 */
public final class CapturePipeline<T> implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CapturePipeline.class);

    /** A queued exchange and its size in bytes. */
    private record Item<T>(T exchange, long bytes) {}

    private final BlockingQueue<Item<T>> queue;
    private final long maxBytes;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger depth = new java.util.concurrent.atomic.AtomicInteger();
    private final Function<T, InferenceRecord> assemble;
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String source;
    private final MeterRegistry registry;
    private final Counter offered;
    private final Counter published;
    private final Map<String, Counter> dropped = new ConcurrentHashMap<>();
    private final Map<String, Counter> redactions = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param assemble turns an exchange into a (redacted) record; may throw to reject it
     * @param source CloudEvents source of this tap
     */
    public CapturePipeline(int maxRecords, long maxBytes, Function<T, InferenceRecord> assemble, Producer<byte[], byte[]> producer,
            String topic, String source, MeterRegistry registry) {
        this(maxRecords, maxBytes, assemble, producer, topic, source, registry, 1);
    }

    /**
     * @param assemble turns an exchange into a (redacted) record; may throw to reject it; must be thread-safe
     * @param source CloudEvents source of this tap
     * @param workers capture threads (records are independent, so their order does not matter)
     */
    public CapturePipeline(int maxRecords, long maxBytes, Function<T, InferenceRecord> assemble, Producer<byte[], byte[]> producer,
            String topic, String source, MeterRegistry registry, int workers) {
        this.queue = new ArrayBlockingQueue<>(maxRecords);
        this.maxBytes = maxBytes;
        this.assemble = assemble;
        this.producer = producer;
        this.topic = topic;
        this.source = source;
        this.registry = registry;
        this.offered = Counter.builder("feedloop.tap.captured").description("exchanges offered to the capture queue").register(registry);
        this.published = Counter.builder("feedloop.tap.published").description("inference records acknowledged by Kafka")
                .register(registry);
        Gauge.builder("feedloop.tap.queue.records", this, CapturePipeline::queued).register(registry);
        for (String reason : new String[] {"queue_full", "kafka", "too_large", "sampled_out", "excluded_route", "client_aborted",
            "upstream_failed"}) {
            dropCounter(reason); // present at 0 from the start, so alerts and dashboards see them
        }
        Gauge.builder("feedloop.tap.queue.bytes", queuedBytes, AtomicLong::get).baseUnit("bytes").register(registry);
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::run, "feedloop-tap-capture-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    /**
     * Queues an exchange without blocking.
     *
     * @return false if it was dropped because the queue is full
     */
    public boolean offer(T exchange, long bytes) {
        offered.increment();
        if (queuedBytes.addAndGet(bytes) > maxBytes) {
            queuedBytes.addAndGet(-bytes);
            drop("queue_full");
            return false;
        }
        if (!queue.offer(new Item<>(exchange, bytes))) {
            queuedBytes.addAndGet(-bytes);
            drop("queue_full");
            return false;
        }
        depth.incrementAndGet();
        return true;
    }

    /** Counts a drop (also used by the proxy for exchanges it does not capture). */
    public void drop(String reason) {
        dropCounter(reason).increment();
    }

    private Counter dropCounter(String reason) {
        return dropped.computeIfAbsent(reason, r -> Counter.builder("feedloop.tap.dropped").tag("reason", r)
                .description("captured exchanges not published, by reason").register(registry));
    }

    private void countRedactions(InferenceRecord record) {
        if (record.redactions() == null || record.redactions().isEmpty()) {
            return;
        }
        record.redactions().forEach((type, n) -> redactions.computeIfAbsent(type, t -> Counter.builder("feedloop.tap.redactions")
                .tag("type", t).description("spans replaced by the redactor in captured records, by placeholder type")
                .register(registry)).increment(n));
    }

    private void run() {
        while (running.get() || !queue.isEmpty()) {
            Item<T> item;
            try {
                item = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (item == null) {
                continue;
            }
            queuedBytes.addAndGet(-item.bytes());
            depth.decrementAndGet();
            ProducerRecord<byte[], byte[]> out;
            try {
                InferenceRecord record = assemble.apply(item.exchange());
                countRedactions(record);
                out = EventRecords.toRecord(topic, record, source, record.traceparent());
            } catch (CaptureException e) {
                LOG.debug("capture rejected an exchange: {}", e.getMessage());
                drop(e.reason().name().toLowerCase(Locale.ROOT));
                continue;
            } catch (EventValidationException e) {
                LOG.warn("captured record breaks its schema: {}", e.getMessage());
                drop("invalid_record");
                continue;
            } catch (RuntimeException e) {
                LOG.warn("capture failed on an exchange", e);
                drop("capture_error");
                continue;
            }
            try {
                producer.send(out, (meta, error) -> {
                    if (error == null) {
                        published.increment();
                    } else {
                        drop("kafka");
                    }
                });
            } catch (RuntimeException e) {
                // buffer full for longer than max.block.ms, or the producer is closed
                drop("kafka");
            }
        }
    }

    /** Exchanges waiting (a lock-free read). */
    public int queued() {
        return Math.max(0, depth.get());
    }

    /** Stops after the queue is drained into the producer (bounded wait); the owner closes the producer. */
    @Override
    public void close() {
        running.set(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            t.interrupt();
        }
    }
}
