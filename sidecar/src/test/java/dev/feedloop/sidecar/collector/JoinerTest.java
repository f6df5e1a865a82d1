package dev.feedloop.sidecar.collector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.contracts.event.UnpairedExample;
import dev.feedloop.contracts.schema.Violation;
import dev.feedloop.sidecar.telemetry.Metrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The join window, out-of-order arrival, orphans, duplicates and offset holds, on a fake clock and without Kafka. */
class JoinerTest {
    private static final Duration WINDOW = Duration.ofMinutes(10);
    private static final TopicPartition INF = new TopicPartition("inference", 0);
    private static final TopicPartition FB = new TopicPartition("feedback", 0);

    private final ManualClock clock = new ManualClock(Fixtures.T0.plusSeconds(60));
    private final Metrics metrics = Metrics.create();
    private final OffsetLedger ledger = new OffsetLedger();
    private final List<Event> published = new ArrayList<>();
    private final List<DeadLetter> deadLetters = new ArrayList<>();
    private final Map<TopicPartition, long[]> nextOffset = Map.of(INF, new long[1], FB, new long[1]);
    private boolean rejectTrainingData;
    private Joiner joiner = joiner(100, Optional.empty());

    private Joiner joiner(long maxEntries, Optional<String> tenant) {
        Joiner.Sink sink = new Joiner.Sink() {
            @Override
            public void publish(List<Event> events, String traceparent) {
                if (rejectTrainingData) {
                    throw new EventValidationException(EventType.PREFERENCE_PAIR, EventValidationException.Problem.SCHEMA_VIOLATION,
                            List.of(new Violation("/alias", "does not match the pattern")));
                }
                published.addAll(events);
            }

            @Override
            public void deadLetter(DeadLetter deadLetter) {
                deadLetters.add(deadLetter);
            }
        };
        return new Joiner(new Joiner.Settings(WINDOW, maxEntries, tenant, "fallback"), clock, Joiner.ticker(clock),
                new CollectorMetrics(metrics.registry()), ledger, sink);
    }

    private long inference(InferenceRecord r) {
        long offset = nextOffset.get(INF)[0]++;
        joiner.onInference(r, new Origin(INF, offset, r.inferenceId(), EventCodec.encodeEvent(r), Map.of(), Optional.empty()));
        ledger.handled(INF, offset);
        return offset;
    }

    private long feedback(Feedback f) {
        long offset = nextOffset.get(FB)[0]++;
        joiner.onFeedback(f, new Origin(FB, offset, f.inferenceId(), EventCodec.encodeEvent(f), Map.of("ce_type",
                EventType.FEEDBACK.cloudEventType()), Optional.empty()));
        ledger.handled(FB, offset);
        return offset;
    }

    private void after(Duration d) {
        clock.advance(d);
        joiner.expire();
    }

    private double count(String name, String... tags) {
        return metrics.count("feedloop.collector." + name, tags);
    }

    private Long committable(TopicPartition tp) {
        OffsetAndMetadata o = ledger.committable().get(tp);
        return o == null ? null : o.offset();
    }

    @Test
    void feedbackAfterItsRecordJoinsAtOnce() {
        inference(Fixtures.record("inf-1", "four"));
        feedback(Fixtures.thumbsUp("fb-1", "inf-1"));
        assertThat(published).singleElement().isInstanceOfSatisfying(UnpairedExample.class,
                e -> assertThat(e.exampleId()).isEqualTo("fb-1:0"));
        assertThat(joiner.pending()).isZero();
        assertThat(count("joined")).isEqualTo(1);
        assertThat(count("examples")).isEqualTo(1);
    }

    @Test
    void feedbackBeforeItsRecordWaitsAndJoinsWhenTheRecordArrives() {
        feedback(Fixtures.choice("fb-1", "inf-1", 1));
        after(WINDOW.minusSeconds(1));
        assertThat(published).isEmpty();
        assertThat(joiner.pending()).isEqualTo(1);
        inference(Fixtures.record("inf-1", "four", "4"));
        assertThat(published).singleElement().isInstanceOfSatisfying(PreferencePair.class, p -> {
            assertThat(p.pairId()).isEqualTo("fb-1:0");
            assertThat(p.chosen().text()).isEqualTo("4");
        });
        assertThat(joiner.pending()).isZero();
        after(Duration.ofMinutes(1));
        assertThat(deadLetters).isEmpty();
        assertThat(count("orphans")).isZero();
        assertThat(count("pairs")).isEqualTo(1);
    }

    @Test
    void regenerateWaitsUntilBothRecordsArrived() {
        inference(Fixtures.record("inf-old", "five"));
        after(Duration.ofMinutes(5));
        feedback(Fixtures.regenerate("fb-1", "inf-old", "inf-new"));
        assertThat(joiner.pending()).isEqualTo(1);
        // the old record leaves the cache while the feedback waits: the feedback keeps what it captured
        after(Duration.ofMinutes(6));
        assertThat(joiner.cached()).isZero();
        assertThat(joiner.pending()).isEqualTo(1);
        inference(Fixtures.record("inf-new", "four"));
        assertThat(published).singleElement().isInstanceOfSatisfying(PreferencePair.class, p -> {
            assertThat(p.source()).isEqualTo(PreferencePair.Source.REGENERATE);
            assertThat(p.chosen().inferenceId()).isEqualTo("inf-new");
            assertThat(p.rejected().inferenceId()).isEqualTo("inf-old");
        });
        assertThat(joiner.pending()).isZero();
    }

    @Test
    void regenerateWhoseRecordsArriveAfterItJoinsOnTheSecond() {
        feedback(Fixtures.regenerate("fb-1", "inf-old", "inf-new"));
        inference(Fixtures.record("inf-new", "four"));
        assertThat(published).isEmpty();
        inference(Fixtures.record("inf-old", "five"));
        assertThat(published).hasSize(1);
        assertThat(count("joined")).isEqualTo(1);
    }

    @Test
    void feedbackWhoseRecordNeverArrivesIsDeadLetteredAsAnOrphanAfterTheWindow() {
        Feedback f = Fixtures.thumbsDown("fb-9", "inf-unknown");
        long offset = feedback(f);
        after(WINDOW.minusMillis(1));
        assertThat(deadLetters).isEmpty();
        assertThat(count("orphans")).isZero();
        after(Duration.ofMillis(1));
        assertThat(deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.Reason.ORPHAN_FEEDBACK);
            assertThat(d.deadLetterId()).isEqualTo("orphan:fb-9");
            assertThat(d.detail()).isEqualTo("no inference record inf-unknown arrived within the join window of PT10M");
            assertThat(d.sourceTopic()).isEqualTo("feedback");
            assertThat(d.sourcePartition()).isZero();
            assertThat(d.sourceOffset()).isEqualTo(offset);
            assertThat(d.key()).isEqualTo("inf-unknown");
            assertThat(Base64.getDecoder().decode(d.payloadBase64())).isEqualTo(EventCodec.encodeEvent(f));
            assertThat(d.headers()).containsEntry("ce_type", "dev.feedloop.feedback.v1");
            assertThat(d.time()).isEqualTo(clock.instant());
        });
        EventCodec.encodeEvent(deadLetters.get(0)); // valid against its schema
        assertThat(count("orphans")).isEqualTo(1);
        assertThat(count("dead_letters", "reason", "ORPHAN_FEEDBACK")).isEqualTo(1);
        assertThat(joiner.pending()).isZero();
        // the record arriving after all is cached for later feedback, and joins nothing
        inference(Fixtures.record("inf-unknown", "late"));
        assertThat(published).isEmpty();
        assertThat(joiner.cached()).isEqualTo(1);
    }

    @Test
    void duplicateFeedbackIsCountedAndSkippedWhetherJoinedOrWaiting() {
        feedback(Fixtures.thumbsUp("fb-1", "inf-1"));
        feedback(Fixtures.thumbsUp("fb-1", "inf-1")); // while waiting
        inference(Fixtures.record("inf-1", "four"));
        feedback(Fixtures.thumbsUp("fb-1", "inf-1")); // after the join
        assertThat(published).hasSize(1);
        assertThat(count("duplicates")).isEqualTo(2);
        assertThat(count("feedback")).isEqualTo(3);
        assertThat(count("joined")).isEqualTo(1);
    }

    @Test
    void feedbackForARecordThatExpiredIsLateAndBecomesAnOrphan() {
        inference(Fixtures.record("inf-1", "four"));
        after(WINDOW);
        assertThat(joiner.cached()).isZero();
        feedback(Fixtures.thumbsUp("fb-1", "inf-1"));
        assertThat(count("late")).isEqualTo(1);
        assertThat(joiner.pending()).isEqualTo(1);
        after(WINDOW);
        assertThat(deadLetters).singleElement().satisfies(d -> assertThat(d.detail()).isEqualTo(
                "no inference record inf-1 arrived within the join window of PT10M "
                        + "(the record had already left the join cache when the feedback arrived)"));
        assertThat(count("orphans")).isEqualTo(1);
    }

    @Test
    void feedbackForARecordEvictedBySizeIsLateAndBecomesAnOrphan() {
        joiner = joiner(2, Optional.empty());
        for (int i = 0; i < 3; i++) {
            inference(Fixtures.record("inf-" + i, "answer " + i));
        }
        joiner.expire();
        assertThat(joiner.cached()).isEqualTo(2);
        for (int i = 0; i < 3; i++) {
            feedback(Fixtures.thumbsUp("fb-" + i, "inf-" + i));
        }
        assertThat(published).hasSize(2);
        assertThat(count("late")).isEqualTo(1);
        assertThat(joiner.pending()).isEqualTo(1);
        after(WINDOW);
        assertThat(count("orphans")).isEqualTo(1);
        assertThat(deadLetters).singleElement().satisfies(d -> assertThat(d.detail()).isEqualTo(
                "no inference record inf-0 arrived within the join window of PT10M"
                        + " (the record had already left the join cache when the feedback arrived)"));
    }

    @Test
    void aFullWindowKeepsTheNewestRecordsSoFeedbackForRecentAnswersStillJoins() {
        joiner = joiner(100, Optional.empty());
        for (int i = 0; i < 1_000; i++) {
            inference(Fixtures.record("inf-" + i, "answer " + i));
        }
        joiner.expire();
        assertThat(joiner.cached()).isEqualTo(100);
        for (int i = 900; i < 1_000; i++) {
            feedback(Fixtures.thumbsUp("fb-" + i, "inf-" + i));
        }
        assertThat(published).hasSize(100);
        assertThat(count("late")).isZero();
        feedback(Fixtures.thumbsUp("fb-old", "inf-899"));
        assertThat(count("late")).isEqualTo(1);
    }

    @Test
    void waitingFeedbackBeyondMaxEntriesIsEvictedAsAnOrphan() {
        joiner = joiner(2, Optional.empty());
        for (int i = 0; i < 3; i++) {
            feedback(Fixtures.thumbsUp("fb-" + i, "inf-" + i));
        }
        joiner.expire();
        assertThat(joiner.pending()).isEqualTo(2);
        assertThat(deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.Reason.ORPHAN_FEEDBACK);
            assertThat(d.detail()).isEqualTo("feedback for inference inf-0 was evicted before the record arrived: "
                    + "more than 2 feedback records were waiting (max entries)");
        });
        assertThat(count("orphans")).isEqualTo(1);
    }

    @Test
    void offsetsAreNotCommittablePastWhatLivesOnlyInMemory() {
        long r0 = inference(Fixtures.record("inf-0", "zero"));
        inference(Fixtures.record("inf-1", "one"));
        assertThat(committable(INF)).as("the cached records are held").isEqualTo(r0);
        long f0 = feedback(Fixtures.thumbsUp("fb-0", "inf-0"));
        long f1 = feedback(Fixtures.thumbsUp("fb-1", "inf-9"));
        feedback(Fixtures.thumbsUp("fb-2", "inf-1"));
        assertThat(f0).isZero();
        assertThat(committable(FB)).as("joined feedback is not held; waiting feedback is").isEqualTo(f1);
        after(WINDOW);
        assertThat(committable(INF)).as("expired records are released").isEqualTo(2L);
        assertThat(committable(FB)).as("orphans are released once dead-lettered").isEqualTo(3L);
        assertThat(deadLetters).hasSize(1);
        ledger.committed(ledger.committable());
        assertThat(ledger.committable()).isEmpty();
    }

    @Test
    void waitingFeedbackHoldsTheRecordsItCaptured() {
        long old = inference(Fixtures.record("inf-old", "five"));
        after(Duration.ofMinutes(5));
        feedback(Fixtures.regenerate("fb-1", "inf-old", "inf-new"));
        after(Duration.ofMinutes(6)); // inf-old expires from the cache; the feedback still waits
        assertThat(joiner.cached()).isZero();
        assertThat(joiner.pending()).isEqualTo(1);
        assertThat(ledger.holds(INF)).isEqualTo(1);
        assertThat(committable(INF)).isEqualTo(old);
    }

    @Test
    void recordsAndFeedbackOfOtherTenantsAreIgnoredWhenTheCollectorHasOne() {
        joiner = joiner(100, Optional.of("acme"));
        inference(Fixtures.record("inf-1", "four"));
        feedback(Fixtures.thumbsUp("fb-1", "inf-1"));
        assertThat(joiner.cached()).isZero();
        assertThat(joiner.pending()).isZero();
        assertThat(count("ignored", "reason", "other_tenant")).isEqualTo(2);
        assertThat(published).isEmpty();
    }

    @Test
    void joinedFeedbackWithoutTrainingDataIsCountedByReason() {
        inference(Fixtures.record("inf-1", "four"));
        feedback(Fixtures.rating("fb-1", "inf-1", 3));
        feedback(Fixtures.choice("fb-2", "inf-1", 4));
        assertThat(published).isEmpty();
        assertThat(count("joined")).isEqualTo(2);
        assertThat(count("ignored", "reason", "rating_neutral")).isEqualTo(1);
        assertThat(count("ignored", "reason", "too_few_choices")).isEqualTo(1);
    }

    @Test
    void trainingDataThatBreaksItsSchemaIsDeadLetteredAsAProcessingError() {
        rejectTrainingData = true;
        inference(Fixtures.record("inf-1", "four", "4"));
        Feedback f = Fixtures.choice("fb-1", "inf-1", 0);
        feedback(f);
        assertThat(deadLetters).singleElement().satisfies(d -> {
            assertThat(d.reason()).isEqualTo(DeadLetter.Reason.PROCESSING_ERROR);
            assertThat(d.deadLetterId()).isEqualTo("error:fb-1");
            assertThat(d.detail()).isEqualTo("the training data derived from this feedback is invalid: "
                    + "invalid preference-pair: /alias: does not match the pattern");
            assertThat(new String(Base64.getDecoder().decode(d.payloadBase64()), StandardCharsets.UTF_8)).contains("\"fb-1\"");
        });
        assertThat(count("dead_letters", "reason", "PROCESSING_ERROR")).isEqualTo(1);
        assertThat(count("pairs")).isZero();
    }

    @Test
    void droppedPartitionsAreForgottenWithoutOrphans() {
        inference(Fixtures.record("inf-1", "four"));
        feedback(Fixtures.thumbsUp("fb-1", "inf-9"));
        joiner.drop(List.of(INF, FB));
        assertThat(joiner.cached()).isZero();
        assertThat(joiner.pending()).isZero();
        after(WINDOW.multipliedBy(2));
        assertThat(deadLetters).isEmpty();
        assertThat(ledger.committable()).isEmpty();
        assertThat(ledger.holds(INF) + ledger.holds(FB)).isZero();
    }
}
