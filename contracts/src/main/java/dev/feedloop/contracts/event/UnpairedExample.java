package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.feedloop.contracts.schema.Violation;
import java.time.Instant;
import java.util.List;

/**
 * One response labelled desirable or not, for KTO. Schema: {@code unpaired-example.v1.json}.
 *
 * @param schemaVersion always {@link Event#SCHEMA_VERSION}
 * @param exampleId unique id
 * @param tenant owning tenant
 * @param time when the example was made
 * @param alias the adapter family it trains
 * @param prompt the prompt
 * @param promptHash {@link Prompt#hash()}, the partition key
 * @param completion the labelled response
 * @param desirable true for a thumbs-up (or high rating)
 * @param source the feedback kind the label came from (THUMBS_UP, THUMBS_DOWN or RATING)
 * @param feedbackId the feedback event it was derived from
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record UnpairedExample(
        int schemaVersion,
        String exampleId,
        String tenant,
        Instant time,
        String alias,
        Prompt prompt,
        String promptHash,
        Completion completion,
        boolean desirable,
        Feedback.Kind source,
        String feedbackId)
        implements Event {

    @Override
    public EventType type() {
        return EventType.UNPAIRED_EXAMPLE;
    }

    @Override
    public String eventId() {
        return exampleId;
    }

    @Override
    public Instant eventTime() {
        return time;
    }

    @Override
    public String messageKey() {
        return promptHash;
    }

    /** {@code prompt_hash} must be {@link Prompt#hash()} of {@code prompt}, since it is the partition key. */
    @Override
    public List<Violation> inconsistencies() {
        return PromptHash.check(prompt, promptHash);
    }
}
