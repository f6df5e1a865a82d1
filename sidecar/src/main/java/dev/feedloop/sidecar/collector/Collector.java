package dev.feedloop.sidecar.collector;

import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.sidecar.config.FeedloopConfig.TopicsConfig;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.telemetry.Metrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer's collector: joins feedback to its inference record and turns user signals into
 * training data on the preferences topic (rules: {@code TrainingData}).
 *
 * <p><b>Thread.</b> One dedicated thread owns a {@link KafkaConsumer} subscribed to the inference and
 * feedback topics in one consumer group, and an idempotent producer. Both topics are keyed by
 * inference id, so a record and its feedback share a partition number; the consumer uses range
 * assignment (unless the operator configured another) so that one collector owns both. A REGENERATE
 * names a second inference that may live on another partition: with several collectors in the group
 * it can then only be joined by chance, and otherwise becomes an orphan.
 *
 * <p><b>Join.</b> Inference records are cached for the join window; feedback that arrives before its
 * record waits up to the window; feedback whose record never arrives is an orphan, counted and
 * dead-lettered ({@code ORPHAN_FEEDBACK}). Duplicate feedback ids are counted and skipped. Caches are
 * bounded by {@code maxEntries}; beyond that the oldest write leaves first (waiting feedback that
 * leaves is an orphan too). Invalid records are dead-lettered with the reason from
 * {@link EventRecords#decode}, and the consumer goes on. Nothing is dropped without a count.
 *
 * <p><b>Delivery.</b> At least once. Each poll's output is flushed and every send acknowledged before
 * offsets are committed; offsets never pass a record whose content lives only in memory (a cached
 * inference record, waiting feedback), so a restarted collector reads those again and rebuilds its
 * state. A restart therefore re-reads up to one window of inference records and may publish training
 * events again, with the same ids (they derive from the feedback id), for downstream deduplication.
 * If Kafka does not acknowledge a send, the collector stops without committing and reports the
 * failure ({@link #failure()}); a new instance carries on from the last commit.
 */
public final class Collector implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Collector.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern ALIAS = Pattern.compile("^[a-z0-9][a-z0-9._-]{0,62}$");
    private static final EventCodec<InferenceRecord> INFERENCE = EventCodec.of(InferenceRecord.class);
    private static final byte[] INFERENCE_CE_TYPE =
            EventType.INFERENCE_RECORD.cloudEventType().getBytes(StandardCharsets.UTF_8);

    /** Default consumer group. */
    public static final String DEFAULT_GROUP_ID = "feedloop-collector";
    /** Default join window. */
    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(10);
    /** Default bound on cached records (and, separately, waiting feedback and remembered feedback ids). */
    public static final long DEFAULT_MAX_ENTRIES = 100_000;
    /** Default longest wait for records in one poll; expiry is checked at least this often. */
    public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofMillis(200);

    /**
     * Collector settings.
     *
     * @param topics topic names (inference, feedback, preferences and dead-letter topics are used)
     * @param groupId consumer group
     * @param window join window: how long records are kept and feedback waits
     * @param maxEntries bound on cached records, and separately on waiting feedback and seen ids
     * @param tenant if present, only this tenant's records and feedback are used, others counted as ignored
     * @param aliasFallback alias of training data from records without one (the client named a model)
     * @param clock time of dead letters and of the join caches (inject a fake one in tests)
     * @param pollTimeout longest wait in one poll
     */
    public record Settings(TopicsConfig topics, String groupId, Duration window, long maxEntries, Optional<String> tenant,
            String aliasFallback, Clock clock, Duration pollTimeout) {
        /** @throws IllegalArgumentException naming the setting that is out of range */
        public Settings {
            Objects.requireNonNull(topics, "topics");
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(clock, "clock");
            if (groupId == null || groupId.isBlank()) {
                throw new IllegalArgumentException("groupId must not be blank");
            }
            if (window == null || window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("window must be positive, got " + window);
            }
            if (maxEntries < 1) {
                throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
            }
            if (aliasFallback == null || !ALIAS.matcher(aliasFallback).matches()) {
                throw new IllegalArgumentException("aliasFallback '" + aliasFallback + "' is not an alias "
                        + "(lower-case letters, digits and ._-, starting with a letter or digit, at most 63 characters)");
            }
            if (pollTimeout == null || pollTimeout.isNegative() || pollTimeout.isZero()) {
                throw new IllegalArgumentException("pollTimeout must be positive, got " + pollTimeout);
            }
        }

        /** The defaults: group {@value Collector#DEFAULT_GROUP_ID}, a 10-minute window, 100 000 entries, all tenants, UTC. */
        public static Settings defaults(TopicsConfig topics, String aliasFallback) {
            return new Settings(topics, DEFAULT_GROUP_ID, DEFAULT_WINDOW, DEFAULT_MAX_ENTRIES, Optional.empty(), aliasFallback,
                    Clock.systemUTC(), DEFAULT_POLL_TIMEOUT);
        }

        public Settings withGroupId(String value) {
            return new Settings(topics, value, window, maxEntries, tenant, aliasFallback, clock, pollTimeout);
        }

        public Settings withWindow(Duration value) {
            return new Settings(topics, groupId, value, maxEntries, tenant, aliasFallback, clock, pollTimeout);
        }

        public Settings withMaxEntries(long value) {
            return new Settings(topics, groupId, window, value, tenant, aliasFallback, clock, pollTimeout);
        }

        public Settings withTenant(String value) {
            return new Settings(topics, groupId, window, maxEntries, Optional.of(value), aliasFallback, clock, pollTimeout);
        }

        public Settings withClock(Clock value) {
            return new Settings(topics, groupId, window, maxEntries, tenant, aliasFallback, value, pollTimeout);
        }

        public Settings withPollTimeout(Duration value) {
            return new Settings(topics, groupId, window, maxEntries, tenant, aliasFallback, clock, value);
        }
    }

    /**
     * What this collector instance has done, as of the end of its last poll loop iteration: every
     * event counted here had been acknowledged by Kafka and the offsets committed.
     *
     * @param inferenceRecords valid inference records read
     * @param feedback valid feedback read (duplicates included)
     * @param joined feedback joined to its record(s)
     * @param pairs preference pairs published
     * @param examples unpaired examples published
     * @param orphans feedback dead-lettered because its record did not arrive in time
     * @param duplicates feedback skipped as a duplicate
     * @param late feedback for a record that had already left the join cache
     * @param ignored records and joined feedback that gave no training data, for any reason
     * @param deadLetters dead letters published (orphans included)
     * @param pending feedback waiting for its record(s)
     * @param cached inference records in the join cache
     * @param commits offset commits
     * @param running whether the poll loop is running
     */
    public record Progress(long inferenceRecords, long feedback, long joined, long pairs, long examples, long orphans,
            long duplicates, long late, long ignored, long deadLetters, long pending, long cached, long commits,
            boolean running) {}

    private final Settings settings;
    private final List<EventType> inferenceTypes;
    private final List<EventType> feedbackTypes;
    private final String source;
    private final CollectorMetrics metrics;
    private final OffsetLedger ledger = new OffsetLedger();
    private final Joiner joiner;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<Future<RecordMetadata>> unacknowledged = new ArrayList<>();
    private final MeterRegistry registry;
    private final List<Gauge> gauges;
    private final Thread thread;
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private volatile Progress progress;
    private volatile Throwable failure;
    private long commits;

    /**
     * Creates the collector and its Kafka clients; {@link #start()} starts consuming.
     *
     * @param settings settings
     * @param clients Kafka client factory
     * @param metrics the registry that gets the {@code feedloop.collector.*} meters
     */
    public Collector(Settings settings, KafkaClients clients, Metrics metrics) {
        this.settings = settings;
        this.inferenceTypes = List.copyOf(settings.topics().typesOn(settings.topics().inference()));
        this.feedbackTypes = List.copyOf(settings.topics().typesOn(settings.topics().feedback()));
        this.source = "/feedloop/collector/" + settings.groupId();
        this.registry = metrics.registry();
        this.metrics = new CollectorMetrics(registry);
        this.joiner = new Joiner(new Joiner.Settings(settings.window(), settings.maxEntries(), settings.tenant(),
                settings.aliasFallback()), settings.clock(), Joiner.ticker(settings.clock()), this.metrics, ledger, new KafkaSink());
        Map<String, Object> props = clients.consumerProps(settings.groupId());
        props.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, RangeAssignor.class.getName());
        // each poll ends in a flush and a synchronous commit; large polls amortise that round trip
        props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        this.consumer = new KafkaConsumer<>(props);
        try {
            this.producer = clients.producer();
        } catch (RuntimeException e) {
            consumer.close(CloseOptions.timeout(Duration.ZERO));
            throw e;
        }
        this.gauges = List.of(
                Gauge.builder(CollectorMetrics.PREFIX + "pending", joiner, j -> j.pending())
                        .description("Feedback waiting for its inference record(s)").register(registry),
                Gauge.builder(CollectorMetrics.PREFIX + "cached", joiner, j -> j.cached())
                        .description("Inference records in the join cache").register(registry));
        this.thread = new Thread(this::run, "feedloop-collector-" + settings.groupId());
        this.thread.setDaemon(true);
        this.progress = snapshot(false);
    }

    /** Starts the poll loop on the collector's thread. */
    public Collector start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException(closed.get() ? "collector is closed" : "collector already started");
        }
        running.set(true);
        progress = snapshot(true);
        thread.start();
        return this;
    }

    /** The latest progress (see {@link Progress}). Thread-safe. */
    public Progress progress() {
        return progress;
    }

    /**
     * Waits until the progress satisfies {@code condition}, checking it after every poll loop iteration
     * (no sleeping).
     *
     * @return true if it did; false on timeout, or once the loop has stopped and it does not
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitProgress(Predicate<Progress> condition, Duration timeout) throws InterruptedException {
        long nanos = timeout.toNanos();
        lock.lock();
        try {
            while (!condition.test(progress)) {
                if (!progress.running() || nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Why the poll loop stopped on its own, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Stops the loop, commits what is durable, closes the clients and removes the gauges. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        running.set(false);
        if (started.get()) {
            consumer.wakeup();
            try {
                thread.join(CLOSE_TIMEOUT.toMillis() * 2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            closeClients();
        }
        gauges.forEach(registry::remove);
    }

    private void run() {
        try {
            consumer.subscribe(List.of(settings.topics().inference(), settings.topics().feedback()), new Rebalance());
            while (running.get()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(settings.pollTimeout())) {
                    handle(r);
                }
                joiner.expire();
                flushAndCommit();
                publish(snapshot(true));
            }
        } catch (WakeupException e) {
            // close() asked the loop to stop
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("collector {} stopped; offsets stay at the last commit", settings.groupId(), e);
        }
        if (failure == null) {
            finalCommit();
        }
        running.set(false);
        closeClients();
        publish(snapshot(false));
    }

    /** Commits what is durable on the way out; a wakeup from close() may still be pending, so try twice. */
    private void finalCommit() {
        for (int attempt = 1; attempt <= 2; attempt++) {
            try {
                flushAndCommit();
                return;
            } catch (WakeupException e) {
                // the wakeup was meant for the poll; it is consumed now
            } catch (RuntimeException e) {
                LOG.warn("collector {}: final commit failed ({}); the next instance re-reads from the last commit",
                        settings.groupId(), e.toString());
                return;
            }
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        TopicPartition tp = new TopicPartition(r.topic(), r.partition());
        try {
            EventCodec.Valid<InferenceRecord> valid = validInferenceRecord(r);
            if (valid != null) {
                joiner.onInference(valid, tp, r.offset());
            } else {
                decodeAndHandle(r, tp);
            }
        } catch (PublishFailedException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.warn("record {}@{} could not be handled; dead-lettered", tp, r.offset(), e);
            deadLetter(origin(r, tp, Optional.empty()).deadLetter(UUID.randomUUID().toString(), settings.clock().instant(), DeadLetter.Reason.PROCESSING_ERROR,
                    "the collector failed on this record: " + e));
        }
        ledger.handled(tp, r.offset());
    }

    /** The general path: decodes any record, joins what is valid, dead-letters the rest with the reason. */
    private void decodeAndHandle(ConsumerRecord<byte[], byte[]> r, TopicPartition tp) {
        EventRecords.Decoded decoded = EventRecords.decode(r, typesOn(r.topic()), settings.clock());
        if (decoded instanceof EventRecords.Ok ok) {
            Origin origin = origin(r, tp, ok.traceparent());
            Event event = ok.event();
            if (event instanceof InferenceRecord record) {
                joiner.onInference(record, origin);
            } else if (event instanceof Feedback feedback) {
                joiner.onFeedback(feedback, origin);
            } else {
                deadLetter(origin.deadLetter(UUID.randomUUID().toString(), settings.clock().instant(),
                        DeadLetter.Reason.UNEXPECTED_EVENT_TYPE, "the collector reads inference records and feedback, not "
                                + event.type().cloudEventType() + " (on " + r.topic() + ")"));
            }
        } else if (decoded instanceof EventRecords.Dead dead) {
            deadLetter(dead.deadLetter());
        } else {
            metrics.ignored(IgnoreReason.TOMBSTONE);
        }
    }

    /**
     * A record that {@link EventRecords#decode} would decode as an inference record, checked but not
     * bound; null for any other record, which then takes the general path (and an invalid one is
     * dead-lettered there, with the reason).
     */
    private EventCodec.Valid<InferenceRecord> validInferenceRecord(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null || !r.topic().equals(settings.topics().inference())) {
            return null;
        }
        Header ceType = r.headers().lastHeader(CloudEventHeaders.TYPE);
        boolean inference = ceType == null ? inferenceTypes.equals(List.of(EventType.INFERENCE_RECORD))
                : Arrays.equals(ceType.value(), INFERENCE_CE_TYPE) && inferenceTypes.contains(EventType.INFERENCE_RECORD);
        if (!inference) {
            return null;
        }
        try {
            return INFERENCE.check(r.value());
        } catch (EventValidationException e) {
            return null;
        }
    }

    private List<EventType> typesOn(String topic) {
        return topic.equals(settings.topics().inference()) ? inferenceTypes
                : topic.equals(settings.topics().feedback()) ? feedbackTypes : settings.topics().typesOn(topic);
    }

    private static Origin origin(ConsumerRecord<byte[], byte[]> r, TopicPartition tp, Optional<String> traceparent) {
        return new Origin(tp, r.offset(), r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8), r.value(),
                EventRecords.headers(r.headers()), traceparent);
    }

    private void deadLetter(DeadLetter deadLetter) {
        send(EventRecords.toRecord(settings.topics().deadLetter(), deadLetter, source, null));
        metrics.deadLetter(deadLetter.reason());
    }

    private void send(ProducerRecord<byte[], byte[]> record) {
        try {
            unacknowledged.add(producer.send(record));
        } catch (RuntimeException e) {
            throw new PublishFailedException("cannot send to " + record.topic() + ": " + e, e);
        }
    }

    /** Waits until Kafka acknowledged everything sent, then commits the offsets that became durable. */
    private void flushAndCommit() {
        if (!unacknowledged.isEmpty()) {
            producer.flush();
            for (Future<RecordMetadata> f : unacknowledged) {
                try {
                    f.get(); // complete once flush() returned
                } catch (ExecutionException e) {
                    throw new PublishFailedException("Kafka did not acknowledge a record: " + e.getCause(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PublishFailedException("interrupted while waiting for Kafka's acknowledgement", e);
                }
            }
            unacknowledged.clear();
        }
        Map<TopicPartition, OffsetAndMetadata> offsets = ledger.committable();
        if (!offsets.isEmpty()) {
            try {
                consumer.commitSync(offsets);
            } catch (RebalanceInProgressException e) {
                LOG.debug("collector {}: commit deferred until the rebalance completes", settings.groupId());
                return; // the revocation callback or the next iteration commits
            }
            ledger.committed(offsets);
            commits++;
        }
    }

    private Progress snapshot(boolean isRunning) {
        return new Progress(metrics.inferenceRecordsTotal(), metrics.feedbackTotal(), metrics.joinedTotal(), metrics.pairsTotal(),
                metrics.examplesTotal(), metrics.orphansTotal(), metrics.duplicatesTotal(), metrics.lateTotal(),
                metrics.ignoredTotal(), metrics.deadLettersTotal(), joiner.pending(), joiner.cached(), commits, isRunning);
    }

    private void publish(Progress p) {
        lock.lock();
        try {
            progress = p;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void closeClients() {
        try {
            consumer.close(CloseOptions.timeout(CLOSE_TIMEOUT));
        } catch (RuntimeException e) {
            LOG.warn("collector {}: closing the consumer failed: {}", settings.groupId(), e.toString());
        }
        producer.close(CLOSE_TIMEOUT);
    }

    /** Publishes the join's output with the collector's producer. */
    private final class KafkaSink implements Joiner.Sink {
        @Override
        public void publish(List<Event> events, String traceparent) {
            List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
            for (Event e : events) {
                records.add(EventRecords.toRecord(settings.topics().preferences(), e, source, traceparent)); // validates
            }
            records.forEach(Collector.this::send);
        }

        @Override
        public void deadLetter(DeadLetter deadLetter) {
            send(EventRecords.toRecord(settings.topics().deadLetter(), deadLetter, source, null));
        }
    }

    /** Commits before partitions move to another collector, and forgets what was read from them. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            if (failure == null) {
                flushAndCommit();
            }
            joiner.drop(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            joiner.drop(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.info("collector {} reads {}", settings.groupId(), partitions);
        }
    }

    /** Kafka did not take or acknowledge a record: the loop stops without committing. */
    private static final class PublishFailedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PublishFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
