package dev.feedloop.sidecar.collector;

import dev.feedloop.contracts.event.Completion;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.event.UnpairedExample;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns one piece of feedback, joined to its inference record(s), into training events. Pure: the
 * same inputs always give equal events, including their ids and times, so a replay after a restart
 * publishes exact duplicates that downstream deduplication by id removes.
 *
 * <table>
 *   <caption>Rules</caption>
 *   <tr><th>kind</th><th>produces</th></tr>
 *   <tr><td>CHOICE i</td><td>one {@code USER_CHOICE} pair per other choice j: chosen i, rejected j</td></tr>
 *   <tr><td>EDIT</td><td>one {@code USER_EDIT} pair: chosen the edited text, rejected the first choice</td></tr>
 *   <tr><td>REGENERATE</td><td>one {@code REGENERATE} pair: chosen the new record's first choice,
 *       rejected the old record's first choice</td></tr>
 *   <tr><td>THUMBS_UP / THUMBS_DOWN</td><td>an unpaired example of the first choice, desirable or not</td></tr>
 *   <tr><td>RATING</td><td>4-5 desirable, 1-2 undesirable, 3 ignored</td></tr>
 * </table>
 *
 * <p>"First choice" is the choice with the lowest index. Ids: {@code <feedback_id>:<j>}, where j is
 * the rejected choice's index for CHOICE and 0 otherwise; a feedback id too long for that (ids are at
 * most 128 characters) is replaced by its SHA-256 in hex. The event time is the feedback's time.
 */
final class TrainingData {
    private static final int MAX_ID_LENGTH = 128;

    private TrainingData() {}

    /** What a piece of feedback became. */
    sealed interface Derived permits Events, Ignored {}

    /** Training events to publish (at least one). */
    record Events(List<Event> events) implements Derived {
        Events {
            events = List.copyOf(events);
        }
    }

    /** No training data, and why. */
    record Ignored(IgnoreReason reason, String detail) implements Derived {}

    /**
     * Derives the training events of one piece of feedback.
     *
     * @param feedback the feedback
     * @param record the inference record it judges ({@code feedback.inferenceId()})
     * @param related for REGENERATE, the record of {@code feedback.relatedInferenceId()} (the new,
     *     preferred response); ignored for other kinds and may then be null
     * @param aliasFallback the alias for records that have none (the client named a model directly)
     */
    static Derived derive(Feedback feedback, InferenceRecord record, InferenceRecord related, String aliasFallback) {
        Objects.requireNonNull(feedback, "feedback");
        Objects.requireNonNull(record, "record");
        if (!feedback.tenant().equals(record.tenant())) {
            return new Ignored(IgnoreReason.TENANT_MISMATCH, "feedback of tenant " + feedback.tenant() + " on inference "
                    + record.inferenceId() + " of tenant " + record.tenant());
        }
        Optional<Ignored> unusable = unusable(record);
        if (unusable.isPresent()) {
            return unusable.get();
        }
        return switch (feedback.kind()) {
            case CHOICE -> choice(feedback, record, aliasFallback);
            case EDIT -> edit(feedback, record, aliasFallback);
            case REGENERATE -> regenerate(feedback, record, Objects.requireNonNull(related, "related"), aliasFallback);
            case THUMBS_UP -> example(feedback, record, true, aliasFallback);
            case THUMBS_DOWN -> example(feedback, record, false, aliasFallback);
            case RATING -> rating(feedback, record, aliasFallback);
        };
    }

    /** The id of the j-th event derived from one piece of feedback. */
    static String derivedId(String feedbackId, int j) {
        return stableId("", feedbackId, ":" + j);
    }

    /**
     * {@code prefix + feedbackId + suffix}, or, when that is longer than an id may be, the same with
     * the feedback id replaced by its SHA-256 in hex. Deterministic, so replays give the same ids.
     */
    static String stableId(String prefix, String feedbackId, String suffix) {
        String id = prefix + feedbackId + suffix;
        return id.length() <= MAX_ID_LENGTH ? id : prefix + sha256(feedbackId) + suffix;
    }

    private static Optional<Ignored> unusable(InferenceRecord record) {
        if (record.status() < 200 || record.status() > 299) {
            return Optional.of(new Ignored(IgnoreReason.NON_2XX, "inference " + record.inferenceId() + " has status "
                    + record.status()));
        }
        if (record.choices().isEmpty()) {
            return Optional.of(new Ignored(IgnoreReason.NO_CHOICES, "inference " + record.inferenceId() + " has no choices"));
        }
        return Optional.empty();
    }

    private static Derived choice(Feedback feedback, InferenceRecord record, String aliasFallback) {
        List<InferenceRecord.Choice> choices = byIndex(record);
        if (choices.size() < 2) {
            return new Ignored(IgnoreReason.TOO_FEW_CHOICES, "CHOICE on inference " + record.inferenceId() + " with "
                    + choices.size() + " choice");
        }
        int picked = feedback.choiceIndex();
        Optional<InferenceRecord.Choice> chosen = choices.stream().filter(c -> c.index() == picked).findFirst();
        if (chosen.isEmpty()) {
            return new Ignored(IgnoreReason.CHOICE_OUT_OF_RANGE, "choice_index " + picked + " is not one of the choices "
                    + choices.stream().map(InferenceRecord.Choice::index).toList() + " of inference " + record.inferenceId());
        }
        Prompt prompt = record.request().toPrompt();
        List<Event> pairs = new ArrayList<>();
        for (InferenceRecord.Choice other : choices) {
            if (other != chosen.get()) {
                pairs.add(pair(feedback, derivedId(feedback.feedbackId(), other.index()), record, prompt,
                        completion(chosen.get(), record), completion(other, record), PreferencePair.Source.USER_CHOICE,
                        aliasFallback));
            }
        }
        return new Events(pairs);
    }

    private static Derived edit(Feedback feedback, InferenceRecord record, String aliasFallback) {
        InferenceRecord.Choice original = byIndex(record).get(0);
        if (feedback.editedText().equals(original.text())) {
            return new Ignored(IgnoreReason.EDIT_UNCHANGED, "the edit of inference " + record.inferenceId()
                    + " equals the original response");
        }
        Completion edited = Completion.of(feedback.editedText(), record.inferenceId(), record.policyVersion());
        return new Events(List.of(pair(feedback, derivedId(feedback.feedbackId(), 0), record, record.request().toPrompt(),
                edited, completion(original, record), PreferencePair.Source.USER_EDIT, aliasFallback)));
    }

    private static Derived regenerate(Feedback feedback, InferenceRecord old, InferenceRecord fresh, String aliasFallback) {
        if (old.inferenceId().equals(fresh.inferenceId())) {
            return new Ignored(IgnoreReason.REGENERATE_SAME_INFERENCE, "REGENERATE names inference " + old.inferenceId()
                    + " as both the old and the new response");
        }
        if (!fresh.tenant().equals(old.tenant())) {
            return new Ignored(IgnoreReason.TENANT_MISMATCH, "regenerated inference " + fresh.inferenceId() + " of tenant "
                    + fresh.tenant() + " for inference " + old.inferenceId() + " of tenant " + old.tenant());
        }
        Optional<Ignored> unusable = unusable(fresh);
        if (unusable.isPresent()) {
            return unusable.get();
        }
        Prompt prompt = old.request().toPrompt();
        if (!prompt.hash().equals(fresh.request().toPrompt().hash())) {
            return new Ignored(IgnoreReason.PROMPT_MISMATCH, "regenerated inference " + fresh.inferenceId()
                    + " answers a different prompt than inference " + old.inferenceId());
        }
        return new Events(List.of(pair(feedback, derivedId(feedback.feedbackId(), 0), old, prompt,
                completion(byIndex(fresh).get(0), fresh), completion(byIndex(old).get(0), old), PreferencePair.Source.REGENERATE,
                aliasFallback)));
    }

    private static Derived rating(Feedback feedback, InferenceRecord record, String aliasFallback) {
        int rating = feedback.rating();
        if (rating == 3) {
            return new Ignored(IgnoreReason.RATING_NEUTRAL, "rating 3 of inference " + record.inferenceId() + " is neutral");
        }
        return example(feedback, record, rating >= 4, aliasFallback);
    }

    private static Derived example(Feedback feedback, InferenceRecord record, boolean desirable, String aliasFallback) {
        Prompt prompt = record.request().toPrompt();
        return new Events(List.of(new UnpairedExample(Event.SCHEMA_VERSION, derivedId(feedback.feedbackId(), 0),
                record.tenant(), feedback.time(), alias(record, aliasFallback), prompt, prompt.hash(),
                completion(byIndex(record).get(0), record), desirable, feedback.kind(), feedback.feedbackId())));
    }

    private static PreferencePair pair(Feedback feedback, String id, InferenceRecord record, Prompt prompt, Completion chosen,
            Completion rejected, PreferencePair.Source source, String aliasFallback) {
        return new PreferencePair(Event.SCHEMA_VERSION, id, record.tenant(), feedback.time(), alias(record, aliasFallback),
                prompt, prompt.hash(), chosen, rejected, source, null, List.of(feedback.feedbackId()));
    }

    private static Completion completion(InferenceRecord.Choice choice, InferenceRecord record) {
        return new Completion(choice.text(), choice.tokenIds(), choice.logprobs(), record.inferenceId(), record.policyVersion());
    }

    private static String alias(InferenceRecord record, String aliasFallback) {
        return record.alias() != null ? record.alias() : aliasFallback;
    }

    private static List<InferenceRecord.Choice> byIndex(InferenceRecord record) {
        return record.choices().stream().sorted(Comparator.comparingInt(InferenceRecord.Choice::index)).toList();
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
