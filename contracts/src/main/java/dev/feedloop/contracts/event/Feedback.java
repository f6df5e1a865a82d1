package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;

/**
 * A user's judgement of a served response. Schema: {@code feedback.v1.json}.
 *
 * @param schemaVersion always {@link Event#SCHEMA_VERSION}
 * @param feedbackId idempotency key
 * @param inferenceId the inference it judges
 * @param tenant owning tenant
 * @param time when the user gave it
 * @param kind what kind of feedback
 * @param rating 1-5, for {@link Kind#RATING}
 * @param choiceIndex the chosen choice, for {@link Kind#CHOICE}
 * @param editedText the user's corrected text, for {@link Kind#EDIT}
 * @param relatedInferenceId for {@link Kind#REGENERATE}: the new response, preferred over {@code
 *     inferenceId}
 * @param comment free text
 * @param userId pseudonymous user id
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Feedback(
        int schemaVersion,
        String feedbackId,
        String inferenceId,
        String tenant,
        Instant time,
        Kind kind,
        Integer rating,
        Integer choiceIndex,
        String editedText,
        String relatedInferenceId,
        String comment,
        String userId)
        implements Event {

    @Override
    public EventType type() {
        return EventType.FEEDBACK;
    }

    @Override
    public String eventId() {
        return feedbackId;
    }

    @Override
    public Instant eventTime() {
        return time;
    }

    /** Keyed by inference id, so feedback lands on the partition of the inference it judges. */
    @Override
    public String messageKey() {
        return inferenceId;
    }

    /** Feedback kinds. */
    public enum Kind {
        THUMBS_UP,
        THUMBS_DOWN,
        RATING,
        CHOICE,
        EDIT,
        REGENERATE
    }
}
