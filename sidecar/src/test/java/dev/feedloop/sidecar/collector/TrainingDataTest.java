package dev.feedloop.sidecar.collector;

import static dev.feedloop.sidecar.collector.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.event.Completion;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.event.UnpairedExample;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/** The derivation rules, one feedback kind at a time, with the expected events written out in full. */
class TrainingDataTest {
    private static final String FALLBACK = "fallback";
    private static final Prompt PROMPT = Prompt.chat(List.of(Message.of(Message.Role.SYSTEM, "Be brief."),
            Message.of(Message.Role.USER, "What is 2+2?")));
    private static final Prompt PROMPT_WITH_TOKENS = new Prompt(PROMPT.messages(), null, List.of(1, 2, 3));
    private static final Instant FEEDBACK_TIME = T0.plusSeconds(30);

    private static Completion completion(String text, int index, String inferenceId, long version) {
        return new Completion(text, List.of(100 + index, 200 + index), List.of(-0.5 - index, -0.25), inferenceId, version);
    }

    private static List<Event> events(TrainingData.Derived d) {
        assertThat(d).isInstanceOf(TrainingData.Events.class);
        List<Event> events = ((TrainingData.Events) d).events();
        events.forEach(EventCodec::encodeEvent); // every event is valid against its schema
        return events;
    }

    private static TrainingData.Ignored ignored(TrainingData.Derived d) {
        assertThat(d).isInstanceOf(TrainingData.Ignored.class);
        return (TrainingData.Ignored) d;
    }

    private static TrainingData.Derived derive(Feedback f, InferenceRecord r) {
        return TrainingData.derive(f, r, null, FALLBACK);
    }

    @Test
    void choicePrefersThePickedChoiceOverEachOther() {
        InferenceRecord r = Fixtures.record("inf-1", "four", "4", "IV");
        List<Event> events = events(derive(Fixtures.choice("fb-1", "inf-1", 1), r));
        assertThat(events).containsExactly(
                new PreferencePair(1, "fb-1:0", "default", FEEDBACK_TIME, "assistant", PROMPT_WITH_TOKENS, PROMPT.hash(),
                        completion("4", 1, "inf-1", 3), completion("four", 0, "inf-1", 3), PreferencePair.Source.USER_CHOICE,
                        null, List.of("fb-1")),
                new PreferencePair(1, "fb-1:2", "default", FEEDBACK_TIME, "assistant", PROMPT_WITH_TOKENS, PROMPT.hash(),
                        completion("4", 1, "inf-1", 3), completion("IV", 2, "inf-1", 3), PreferencePair.Source.USER_CHOICE,
                        null, List.of("fb-1")));
    }

    @Test
    void choiceOfAnIndexThatIsNotAChoiceIsIgnored() {
        TrainingData.Ignored i = ignored(derive(Fixtures.choice("fb-1", "inf-1", 2), Fixtures.record("inf-1", "a", "b")));
        assertThat(i.reason()).isEqualTo(IgnoreReason.CHOICE_OUT_OF_RANGE);
        assertThat(i.detail()).isEqualTo("choice_index 2 is not one of the choices [0, 1] of inference inf-1");
    }

    @Test
    void choiceAmongOneChoiceIsIgnored() {
        TrainingData.Ignored i = ignored(derive(Fixtures.choice("fb-1", "inf-1", 0), Fixtures.record("inf-1", "a")));
        assertThat(i.reason()).isEqualTo(IgnoreReason.TOO_FEW_CHOICES);
    }

    @Test
    void choicesAreMatchedByTheirIndexNotTheirPosition() {
        InferenceRecord r = Fixtures.record("inf-1", "assistant", 200, Fixtures.request("What is 2+2?"),
                List.of(Fixtures.choice(1, "second"), Fixtures.choice(0, "first")));
        List<Event> events = events(derive(Fixtures.choice("fb-1", "inf-1", 0), r));
        assertThat(events).singleElement().isInstanceOfSatisfying(PreferencePair.class, p -> {
            assertThat(p.pairId()).isEqualTo("fb-1:1");
            assertThat(p.chosen().text()).isEqualTo("first");
            assertThat(p.rejected().text()).isEqualTo("second");
        });
    }

    @Test
    void editPrefersTheEditedTextOverTheFirstChoice() {
        InferenceRecord r = Fixtures.record("inf-1", "assistant", 200, Fixtures.request("What is 2+2?"),
                List.of(Fixtures.choice(1, "second"), Fixtures.choice(0, "first")));
        List<Event> events = events(derive(Fixtures.edit("fb-1", "inf-1", "Four."), r));
        assertThat(events).containsExactly(new PreferencePair(1, "fb-1:0", "default", FEEDBACK_TIME, "assistant",
                PROMPT_WITH_TOKENS, PROMPT.hash(), new Completion("Four.", null, null, "inf-1", 3),
                completion("first", 0, "inf-1", 3), PreferencePair.Source.USER_EDIT, null, List.of("fb-1")));
    }

    @Test
    void anEditThatChangesNothingIsIgnored() {
        TrainingData.Ignored i = ignored(derive(Fixtures.edit("fb-1", "inf-1", "four"), Fixtures.record("inf-1", "four")));
        assertThat(i.reason()).isEqualTo(IgnoreReason.EDIT_UNCHANGED);
    }

    @Test
    void regeneratePrefersTheNewResponseOverTheOld() {
        InferenceRecord old = Fixtures.record("inf-old", "five");
        InferenceRecord fresh = Fixtures.withPolicyVersion(Fixtures.record("inf-new", "four", "4"), 4);
        List<Event> events = events(TrainingData.derive(Fixtures.regenerate("fb-1", "inf-old", "inf-new"), old, fresh, FALLBACK));
        assertThat(events).containsExactly(new PreferencePair(1, "fb-1:0", "default", FEEDBACK_TIME, "assistant",
                PROMPT_WITH_TOKENS, PROMPT.hash(), completion("four", 0, "inf-new", 4), completion("five", 0, "inf-old", 3),
                PreferencePair.Source.REGENERATE, null, List.of("fb-1")));
    }

    @Test
    void regenerateOfADifferentPromptIsIgnored() {
        InferenceRecord old = Fixtures.record("inf-old", "five");
        InferenceRecord fresh = Fixtures.record("inf-new", "assistant", 200, Fixtures.request("What is 3+3?"),
                List.of(Fixtures.choice(0, "six")));
        TrainingData.Ignored i = ignored(TrainingData.derive(Fixtures.regenerate("fb-1", "inf-old", "inf-new"), old, fresh,
                FALLBACK));
        assertThat(i.reason()).isEqualTo(IgnoreReason.PROMPT_MISMATCH);
    }

    @Test
    void regenerateNamingOneInferenceTwiceIsIgnored() {
        InferenceRecord r = Fixtures.record("inf-1", "five");
        TrainingData.Ignored i = ignored(TrainingData.derive(Fixtures.regenerate("fb-1", "inf-1", "inf-1"), r, r, FALLBACK));
        assertThat(i.reason()).isEqualTo(IgnoreReason.REGENERATE_SAME_INFERENCE);
    }

    @Test
    void regenerateWhoseNewResponseFailedIsIgnored() {
        InferenceRecord old = Fixtures.record("inf-old", "five");
        InferenceRecord failed = Fixtures.record("inf-new", "assistant", 503, Fixtures.request("What is 2+2?"), List.of());
        TrainingData.Ignored i = ignored(TrainingData.derive(Fixtures.regenerate("fb-1", "inf-old", "inf-new"), old, failed,
                FALLBACK));
        assertThat(i.reason()).isEqualTo(IgnoreReason.NON_2XX);
        assertThat(i.detail()).isEqualTo("inference inf-new has status 503");
    }

    @Test
    void thumbsBecomeUnpairedExamplesOfTheFirstChoice() {
        InferenceRecord r = Fixtures.record("inf-1", "four", "4");
        assertThat(events(derive(Fixtures.thumbsUp("fb-up", "inf-1"), r))).containsExactly(new UnpairedExample(1, "fb-up:0",
                "default", FEEDBACK_TIME, "assistant", PROMPT_WITH_TOKENS, PROMPT.hash(), completion("four", 0, "inf-1", 3), true,
                Feedback.Kind.THUMBS_UP, "fb-up"));
        assertThat(events(derive(Fixtures.thumbsDown("fb-down", "inf-1"), r))).containsExactly(new UnpairedExample(1,
                "fb-down:0", "default", FEEDBACK_TIME, "assistant", PROMPT_WITH_TOKENS, PROMPT.hash(),
                completion("four", 0, "inf-1", 3), false, Feedback.Kind.THUMBS_DOWN, "fb-down"));
    }

    @ParameterizedTest
    @CsvSource({"1,false", "2,false", "4,true", "5,true"})
    void ratingsOfFourAndFiveAreDesirableAndOfOneAndTwoUndesirable(int rating, boolean desirable) {
        List<Event> events = events(derive(Fixtures.rating("fb-r", "inf-1", rating), Fixtures.record("inf-1", "four")));
        assertThat(events).singleElement().isInstanceOfSatisfying(UnpairedExample.class, e -> {
            assertThat(e.desirable()).isEqualTo(desirable);
            assertThat(e.source()).isEqualTo(Feedback.Kind.RATING);
            assertThat(e.exampleId()).isEqualTo("fb-r:0");
        });
    }

    @Test
    void aRatingOfThreeIsIgnored() {
        TrainingData.Ignored i = ignored(derive(Fixtures.rating("fb-r", "inf-1", 3), Fixtures.record("inf-1", "four")));
        assertThat(i.reason()).isEqualTo(IgnoreReason.RATING_NEUTRAL);
    }

    @ParameterizedTest
    @EnumSource(Feedback.Kind.class)
    void aRecordWithANon2xxStatusGivesNoTrainingData(Feedback.Kind kind) {
        InferenceRecord r = Fixtures.record("inf-1", "assistant", 429, Fixtures.request("What is 2+2?"),
                List.of(Fixtures.choice(0, "a"), Fixtures.choice(1, "b")));
        TrainingData.Ignored i = ignored(TrainingData.derive(anyOf(kind), r, Fixtures.record("inf-2", "c"), FALLBACK));
        assertThat(i.reason()).isEqualTo(IgnoreReason.NON_2XX);
        assertThat(i.detail()).isEqualTo("inference inf-1 has status 429");
    }

    @ParameterizedTest
    @EnumSource(Feedback.Kind.class)
    void aRecordWithoutChoicesGivesNoTrainingData(Feedback.Kind kind) {
        InferenceRecord r = Fixtures.record("inf-1");
        TrainingData.Ignored i = ignored(TrainingData.derive(anyOf(kind), r, Fixtures.record("inf-2", "c"), FALLBACK));
        assertThat(i.reason()).isEqualTo(IgnoreReason.NO_CHOICES);
    }

    @Test
    void feedbackOfAnotherTenantThanItsRecordIsIgnored() {
        InferenceRecord r = Fixtures.withTenant(Fixtures.record("inf-1", "four"), "acme");
        TrainingData.Ignored i = ignored(derive(Fixtures.thumbsUp("fb-1", "inf-1"), r));
        assertThat(i.reason()).isEqualTo(IgnoreReason.TENANT_MISMATCH);
    }

    @Test
    void aRecordWithoutAliasTrainsTheFallbackAlias() {
        InferenceRecord r = Fixtures.record("inf-1", null, 200, Fixtures.request("What is 2+2?"),
                List.of(Fixtures.choice(0, "four")));
        assertThat(events(derive(Fixtures.thumbsUp("fb-1", "inf-1"), r))).singleElement()
                .isInstanceOfSatisfying(UnpairedExample.class, e -> assertThat(e.alias()).isEqualTo(FALLBACK));
    }

    @Test
    void aCompletionPromptIsTrainedAsText() {
        InferenceRecord r = Fixtures.record("inf-1", "assistant", 200,
                new InferenceRecord.Request(null, "2+2=", null, null), List.of(Fixtures.choice(0, "4")));
        assertThat(events(derive(Fixtures.thumbsUp("fb-1", "inf-1"), r))).singleElement()
                .isInstanceOfSatisfying(UnpairedExample.class, e -> {
                    assertThat(e.prompt()).isEqualTo(Prompt.text("2+2="));
                    assertThat(e.promptHash()).isEqualTo(Prompt.text("2+2=").hash());
                });
    }

    @Test
    void idsAreDeterministicAndFitTheIdPatternForLongFeedbackIds() throws Exception {
        InferenceRecord r = Fixtures.record("inf-1", "a", "b", "c");
        assertThat(derive(Fixtures.choice("fb-1", "inf-1", 0), r)).isEqualTo(derive(Fixtures.choice("fb-1", "inf-1", 0), r));
        String longId = "f" + "x".repeat(126); // 127 characters: a valid feedback id, too long with ":j" appended
        String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(longId.getBytes(StandardCharsets.UTF_8)));
        List<Event> events = events(derive(Fixtures.choice(longId, "inf-1", 0), r));
        assertThat(events).extracting(Event::eventId).containsExactly(hash + ":1", hash + ":2");
        assertThat(TrainingData.derivedId("fb-1", 7)).isEqualTo("fb-1:7");
    }

    /** Feedback of any kind on inf-1 (REGENERATE: to inf-2). */
    private static Feedback anyOf(Feedback.Kind kind) {
        return switch (kind) {
            case THUMBS_UP -> Fixtures.thumbsUp("fb-1", "inf-1");
            case THUMBS_DOWN -> Fixtures.thumbsDown("fb-1", "inf-1");
            case RATING -> Fixtures.rating("fb-1", "inf-1", 5);
            case CHOICE -> Fixtures.choice("fb-1", "inf-1", 0);
            case EDIT -> Fixtures.edit("fb-1", "inf-1", "better");
            case REGENERATE -> Fixtures.regenerate("fb-1", "inf-1", "inf-2");
        };
    }
}
