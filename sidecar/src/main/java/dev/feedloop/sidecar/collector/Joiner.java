package dev.feedloop.sidecar.collector;

import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.sidecar.window.WriteOrderWindow;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The join of feedback to inference records, without Kafka: records and feedback go in, training
 * events and dead letters come out through a {@link Sink}.
 *
 * <p><b>State.</b> Four {@link WriteOrderWindow}s (Caffeine caches that expire entries after write and, when
 * full, evict the oldest write first), all on one {@link Ticker} and a same-thread executor so that
 * expiry and removal notifications happen synchronously inside the calls below:
 * <ul>
 *   <li>{@code records}: inference id → record, expiring {@code window} after it was written, at most
 *       {@code maxEntries}; a record stays after a join, since more feedback may come for it. A record
 *       the collector read is kept as its validated JSON and bound only when feedback joins it;</li>
 *   <li>{@code pending}: feedback id → feedback still missing a record (it came first, or a REGENERATE
 *       waits for the new response), expiring {@code window} after it arrived; expiry or size eviction
 *       makes it an orphan: counted and dead-lettered as {@code ORPHAN_FEEDBACK};</li>
 *   <li>{@code seen}: feedback ids seen within the window, for duplicate detection;</li>
 *   <li>{@code gone}: ids of records that left {@code records} by expiry or size, so that feedback
 *       arriving for them is counted as late (it then waits, and becomes an orphan, like any other).</li>
 * </ul>
 * Time only moves in {@link #expire()}, which the collector calls on every poll.
 *
 * <p><b>Offsets.</b> Whatever lives only here holds its offset in the {@link OffsetLedger} (a cached
 * record, waiting feedback and the records that feedback already captured), so the committed offset
 * never passes state a restart would need.
 *
 * <p>Removal listeners only do bookkeeping and queue orphans; dead letters are sent after the cache
 * call returns, so that a failing sink surfaces to the caller instead of being swallowed by the cache.
 * Not thread-safe, except {@link #pending()} and {@link #cached()}.
 */
final class Joiner {
    private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);

    /** Where the join's output goes. */
    interface Sink {
        /**
         * Publishes the training events derived from one piece of feedback: all of them, or none.
         *
         * @param traceparent trace context to propagate, or null
         * @throws EventValidationException if an event breaks its schema; nothing was published then
         */
        void publish(List<Event> events, String traceparent);

        /** Publishes a dead letter. */
        void deadLetter(DeadLetter deadLetter);
    }

    /**
     * Join settings.
     *
     * @param window how long records are kept and feedback waits
     * @param maxEntries bound on cached records, and separately on waiting feedback and seen ids
     * @param tenant if present, records and feedback of other tenants are ignored
     * @param aliasFallback alias for records without one
     */
    record Settings(Duration window, long maxEntries, Optional<String> tenant, String aliasFallback) {}

    /**
     * A cached inference record: bound already (handed over as a record), or kept as its checked JSON
     * with the two fields the join needs before feedback arrives, and bound only when feedback joins it.
     * Most records never get feedback, so this saves the binding and keeps the cache small.
     */
    private record Captured(String inferenceId, String tenant, InferenceRecord bound, EventCodec.Valid<InferenceRecord> json,
            TopicPartition tp, long offset) {
        /** The record; binds the JSON again on every call, so keep the result no longer than needed. */
        InferenceRecord record() {
            return bound != null ? bound : json.bind();
        }
    }

    /** Feedback that waits for one or two inference records. */
    private static final class Waiting {
        final Feedback feedback;
        final Origin origin;
        final Map<String, Captured> have = new LinkedHashMap<>();
        final Set<String> missing = new LinkedHashSet<>();
        boolean late;

        Waiting(Feedback feedback, Origin origin) {
            this.feedback = feedback;
            this.origin = origin;
        }
    }

    private record Expired(Waiting waiting, RemovalCause cause) {}

    private final Settings settings;
    private final Clock clock;
    private final CollectorMetrics metrics;
    private final OffsetLedger ledger;
    private final Sink sink;
    private final WriteOrderWindow<String, Captured> records;
    private final WriteOrderWindow<String, Waiting> pending;
    private final WriteOrderWindow<String, Boolean> seen;
    private final WriteOrderWindow<String, Boolean> gone;
    private final Map<String, Set<String>> waitersByInference = new HashMap<>();
    private final Queue<Expired> expired = new ArrayDeque<>();

    Joiner(Settings settings, Clock clock, Ticker ticker, CollectorMetrics metrics, OffsetLedger ledger, Sink sink) {
        this.settings = settings;
        this.clock = clock;
        this.metrics = metrics;
        this.ledger = ledger;
        this.sink = sink;
        this.records = new WriteOrderWindow<>(settings.window(), settings.maxEntries(), ticker, this::recordRemoved);
        this.pending = new WriteOrderWindow<>(settings.window(), settings.maxEntries(), ticker, this::waitingRemoved);
        this.seen = new WriteOrderWindow<>(settings.window(), settings.maxEntries(), ticker, null);
        this.gone = new WriteOrderWindow<>(settings.window(), settings.maxEntries(), ticker, null);
    }

    /** A Caffeine ticker that reads {@code clock}, so that tests move cache time with a fake clock. */
    static Ticker ticker(Clock clock) {
        return () -> {
            Instant now = clock.instant();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        };
    }

    /** A valid inference record: cache it and join the feedback that waited for it. */
    void onInference(InferenceRecord record, Origin origin) {
        onInference(new Captured(record.inferenceId(), record.tenant(), record, null, origin.tp(), origin.offset()));
    }

    /**
     * A valid inference record, as JSON that {@link EventCodec#check} accepted: like {@link
     * #onInference(InferenceRecord, Origin)}, but the record is only bound if feedback joins it.
     *
     * @param record the checked JSON
     * @param tp where it was read
     * @param offset its offset there
     */
    void onInference(EventCodec.Valid<InferenceRecord> record, TopicPartition tp, long offset) {
        onInference(new Captured(record.text("inference_id"), record.text("tenant"), null, record, tp, offset));
    }

    private void onInference(Captured captured) {
        metrics.inferenceRecord();
        if (otherTenant(captured.tenant())) {
            metrics.ignored(IgnoreReason.OTHER_TENANT);
            return;
        }
        String inferenceId = captured.inferenceId();
        ledger.hold(captured.tp(), captured.offset());
        gone.remove(inferenceId);
        records.put(inferenceId, captured); // a replaced entry releases its own hold
        Set<String> waiters = waitersByInference.remove(inferenceId);
        if (waiters != null) {
            for (String feedbackId : List.copyOf(waiters)) {
                Waiting w = pending.get(feedbackId);
                if (w == null) {
                    continue; // expired a moment ago; orphaned below
                }
                ledger.hold(captured.tp(), captured.offset());
                w.have.put(inferenceId, captured);
                w.missing.remove(inferenceId);
                if (w.missing.isEmpty()) {
                    pending.remove(feedbackId);
                    join(w.feedback, w.origin, w.have);
                }
            }
        }
        drain();
    }

    /** Valid feedback: join it now if its record(s) are cached, else let it wait. */
    void onFeedback(Feedback feedback, Origin origin) {
        metrics.feedback();
        if (otherTenant(feedback.tenant())) {
            metrics.ignored(IgnoreReason.OTHER_TENANT);
            return;
        }
        String id = feedback.feedbackId();
        if (seen.contains(id) || pending.contains(id)) {
            metrics.duplicate();
            LOG.debug("duplicate feedback {} skipped", id);
            drain();
            return;
        }
        seen.put(id, Boolean.TRUE);
        Set<String> needed = new LinkedHashSet<>();
        needed.add(feedback.inferenceId());
        if (feedback.kind() == Feedback.Kind.REGENERATE) {
            needed.add(feedback.relatedInferenceId());
        }
        Waiting w = new Waiting(feedback, origin);
        for (String inferenceId : needed) {
            Captured c = records.get(inferenceId);
            if (c != null) {
                w.have.put(inferenceId, c);
            } else {
                w.missing.add(inferenceId);
            }
        }
        if (w.missing.isEmpty()) {
            join(feedback, origin, w.have);
        } else {
            w.late = w.missing.stream().anyMatch(gone::contains);
            if (w.late) {
                metrics.late();
            }
            ledger.hold(origin.tp(), origin.offset());
            w.have.values().forEach(c -> ledger.hold(c.tp(), c.offset()));
            pending.put(id, w); // may evict (or replace an expired entry for this id): index after that
            if (pending.get(id) == w) {
                for (String inferenceId : w.missing) {
                    waitersByInference.computeIfAbsent(inferenceId, k -> new HashSet<>()).add(id);
                }
            }
        }
        drain();
    }

    /** Lets time pass: expires records, orphans feedback that waited a whole window, and dead-letters it. */
    void expire() {
        records.expire();
        pending.expire();
        seen.expire();
        gone.expire();
        drain();
    }

    /**
     * Forgets everything read from {@code partitions} (after a rebalance moved them to another
     * collector, which reads them again from the committed offsets): no orphans, no dead letters.
     */
    void drop(Collection<TopicPartition> partitions) {
        Set<TopicPartition> dropped = Set.copyOf(partitions);
        pending.removeIf((id, w) -> dropped.contains(w.origin.tp()));
        records.removeIf((id, c) -> dropped.contains(c.tp()));
        ledger.forget(partitions);
        drain();
    }

    /** Feedback waiting for its record(s). Thread-safe (an estimate between {@link #expire()} calls). */
    long pending() {
        return pending.size();
    }

    /** Cached inference records. Thread-safe (an estimate between {@link #expire()} calls). */
    long cached() {
        return records.size();
    }

    private boolean otherTenant(String tenant) {
        return settings.tenant().isPresent() && !settings.tenant().get().equals(tenant);
    }

    private void join(Feedback feedback, Origin origin, Map<String, Captured> have) {
        metrics.joined();
        InferenceRecord record;
        InferenceRecord related;
        try {
            record = have.get(feedback.inferenceId()).record();
            related = feedback.kind() == Feedback.Kind.REGENERATE ? have.get(feedback.relatedInferenceId()).record() : null;
        } catch (RuntimeException e) {
            // the JSON was checked, so binding it cannot fail unless schema and record class disagree: a bug
            LOG.warn("the inference record(s) of feedback {} could not be bound, feedback dead-lettered", feedback.feedbackId(), e);
            sink.deadLetter(origin.deadLetter(TrainingData.stableId("error:", feedback.feedbackId(), ""), clock.instant(),
                    DeadLetter.Reason.PROCESSING_ERROR, "the inference record(s) of this feedback could not be read: " + e));
            metrics.deadLetter(DeadLetter.Reason.PROCESSING_ERROR);
            return;
        }
        TrainingData.Derived derived = TrainingData.derive(feedback, record, related, settings.aliasFallback());
        if (derived instanceof TrainingData.Ignored ignored) {
            metrics.ignored(ignored.reason());
            LOG.debug("feedback {} gives no training data: {}", feedback.feedbackId(), ignored.detail());
            return;
        }
        List<Event> events = ((TrainingData.Events) derived).events();
        try {
            sink.publish(events, origin.traceparent().orElse(record.traceparent()));
        } catch (EventValidationException e) {
            LOG.warn("training data of feedback {} breaks its schema, dead-lettered: {}", feedback.feedbackId(), e.getMessage());
            sink.deadLetter(origin.deadLetter(TrainingData.stableId("error:", feedback.feedbackId(), ""), clock.instant(),
                    DeadLetter.Reason.PROCESSING_ERROR, "the training data derived from this feedback is invalid: "
                            + e.getMessage()));
            metrics.deadLetter(DeadLetter.Reason.PROCESSING_ERROR);
            return;
        }
        int pairs = (int) events.stream().filter(PreferencePair.class::isInstance).count();
        metrics.pairs(pairs);
        metrics.examples(events.size() - pairs);
    }

    private void recordRemoved(String inferenceId, Captured captured, RemovalCause cause) {
        if (captured == null) {
            return;
        }
        ledger.release(captured.tp(), captured.offset());
        if (cause.wasEvicted()) {
            gone.put(inferenceId, Boolean.TRUE);
        }
    }

    private void waitingRemoved(String feedbackId, Waiting w, RemovalCause cause) {
        if (w == null) {
            return;
        }
        for (String inferenceId : w.missing) {
            Set<String> waiters = waitersByInference.get(inferenceId);
            if (waiters != null) {
                waiters.remove(feedbackId);
                if (waiters.isEmpty()) {
                    waitersByInference.remove(inferenceId);
                }
            }
        }
        if (cause.wasEvicted()) {
            expired.add(new Expired(w, cause)); // holds are released once the dead letter is handed over
        } else {
            release(w);
        }
    }

    private void release(Waiting w) {
        ledger.release(w.origin.tp(), w.origin.offset());
        w.have.values().forEach(c -> ledger.release(c.tp(), c.offset()));
    }

    private void drain() {
        Expired e;
        while ((e = expired.poll()) != null) {
            Waiting w = e.waiting();
            String missing = String.join(" and ", w.missing);
            String detail = e.cause() == RemovalCause.SIZE
                    ? "feedback for inference " + missing + " was evicted before the record arrived: more than "
                            + settings.maxEntries() + " feedback records were waiting (max entries)"
                    : "no inference record " + missing + " arrived within the join window of " + settings.window()
                            + (w.late ? " (the record had already left the join cache when the feedback arrived)" : "");
            sink.deadLetter(w.origin.deadLetter(TrainingData.stableId("orphan:", w.feedback.feedbackId(), ""), clock.instant(),
                    DeadLetter.Reason.ORPHAN_FEEDBACK, detail));
            metrics.orphan();
            metrics.deadLetter(DeadLetter.Reason.ORPHAN_FEEDBACK);
            LOG.debug("feedback {} is an orphan: {}", w.feedback.feedbackId(), detail);
            release(w);
        }
    }
}
