package dev.feedloop.sidecar.collector;

import dev.feedloop.contracts.event.DeadLetter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The collector's counters: Micrometer counters {@code feedloop.collector.*} for the management
 * port, and plain totals of this collector instance for {@link Collector.Progress}. Every counter is
 * registered up front, so a scrape shows zeros rather than missing series.
 *
 * <p>Increments happen on the collector thread only; the Micrometer side is thread-safe for scrapes.
 */
final class CollectorMetrics {
    static final String PREFIX = "feedloop.collector.";

    private final Counter inferenceRecords;
    private final Counter feedback;
    private final Counter joined;
    private final Counter pairs;
    private final Counter examples;
    private final Counter orphans;
    private final Counter duplicates;
    private final Counter late;
    private final Map<IgnoreReason, Counter> ignored = new EnumMap<>(IgnoreReason.class);
    private final Map<DeadLetter.Reason, Counter> deadLetters = new EnumMap<>(DeadLetter.Reason.class);

    private long inferenceRecordsTotal;
    private long feedbackTotal;
    private long joinedTotal;
    private long pairsTotal;
    private long examplesTotal;
    private long orphansTotal;
    private long duplicatesTotal;
    private long lateTotal;
    private long ignoredTotal;
    private long deadLettersTotal;

    CollectorMetrics(MeterRegistry registry) {
        inferenceRecords = counter(registry, "inference_records", "Inference records consumed (valid ones)");
        feedback = counter(registry, "feedback", "Feedback consumed (valid ones, duplicates included)");
        joined = counter(registry, "joined", "Feedback joined to its inference record(s)");
        pairs = counter(registry, "pairs", "Preference pairs published");
        examples = counter(registry, "examples", "Unpaired (KTO) examples published");
        orphans = counter(registry, "orphans", "Feedback whose inference record did not arrive within the join window");
        duplicates = counter(registry, "duplicates", "Feedback with a feedback id seen before, skipped");
        late = counter(registry, "late", "Feedback for an inference record that had already left the join cache");
        for (IgnoreReason r : IgnoreReason.values()) {
            ignored.put(r, Counter.builder(PREFIX + "ignored").description("Records or joined feedback that give no training data")
                    .tag("reason", r.tag()).register(registry));
        }
        for (DeadLetter.Reason r : DeadLetter.Reason.values()) {
            deadLetters.put(r, Counter.builder(PREFIX + "dead_letters").description("Records sent to the dead-letter topic")
                    .tag("reason", r.name()).register(registry));
        }
    }

    private static Counter counter(MeterRegistry registry, String name, String description) {
        return Counter.builder(PREFIX + name).description(description).register(registry);
    }

    void inferenceRecord() {
        inferenceRecords.increment();
        inferenceRecordsTotal++;
    }

    void feedback() {
        feedback.increment();
        feedbackTotal++;
    }

    void joined() {
        joined.increment();
        joinedTotal++;
    }

    void pairs(int n) {
        pairs.increment(n);
        pairsTotal += n;
    }

    void examples(int n) {
        examples.increment(n);
        examplesTotal += n;
    }

    void orphan() {
        orphans.increment();
        orphansTotal++;
    }

    void duplicate() {
        duplicates.increment();
        duplicatesTotal++;
    }

    void late() {
        late.increment();
        lateTotal++;
    }

    void ignored(IgnoreReason reason) {
        ignored.get(reason).increment();
        ignoredTotal++;
    }

    void deadLetter(DeadLetter.Reason reason) {
        deadLetters.get(reason).increment();
        deadLettersTotal++;
    }

    long inferenceRecordsTotal() {
        return inferenceRecordsTotal;
    }

    long feedbackTotal() {
        return feedbackTotal;
    }

    long joinedTotal() {
        return joinedTotal;
    }

    long pairsTotal() {
        return pairsTotal;
    }

    long examplesTotal() {
        return examplesTotal;
    }

    long orphansTotal() {
        return orphansTotal;
    }

    long duplicatesTotal() {
        return duplicatesTotal;
    }

    long lateTotal() {
        return lateTotal;
    }

    long ignoredTotal() {
        return ignoredTotal;
    }

    long deadLettersTotal() {
        return deadLettersTotal;
    }
}
