package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.feedloop.contracts.schema.Violation;
import java.time.Instant;
import java.util.List;

/**
 * A chosen and a rejected response to one prompt. Schema: {@code preference-pair.v1.json}.
 *
 * @param schemaVersion always {@link Event#SCHEMA_VERSION}
 * @param pairId unique id
 * @param tenant owning tenant
 * @param time when the pair was made
 * @param alias the adapter family it trains
 * @param prompt the prompt
 * @param promptHash {@link Prompt#hash()} of the prompt, the partition key
 * @param chosen the preferred response, with the policy version that produced it
 * @param rejected the other response, with its policy version
 * @param source where the preference came from
 * @param judge the judge's verdict details, required when {@code source} is {@link Source#JUDGE}
 * @param feedbackIds the feedback events it was derived from
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record PreferencePair(
        int schemaVersion,
        String pairId,
        String tenant,
        Instant time,
        String alias,
        Prompt prompt,
        String promptHash,
        Completion chosen,
        Completion rejected,
        Source source,
        JudgeInfo judge,
        List<String> feedbackIds)
        implements Event {

    public PreferencePair {
        feedbackIds = Collections2.list(feedbackIds);
    }

    @Override
    public EventType type() {
        return EventType.PREFERENCE_PAIR;
    }

    @Override
    public String eventId() {
        return pairId;
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

    /** Where a preference came from. */
    public enum Source {
        /** The user picked one of n responses. */
        USER_CHOICE,
        /** The user's edit is preferred over the original. */
        USER_EDIT,
        /** The regenerated response is preferred over the one the user regenerated. */
        REGENERATE,
        /** An LLM judge preferred it, in both presentation orders. */
        JUDGE
    }

    /**
     * How a judge decided.
     *
     * @param name the judge plugin's name
     * @param confidence in [0, 1]
     * @param bothOrdersAgree the judge preferred the same response in both presentation orders
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record JudgeInfo(String name, double confidence, boolean bothOrdersAgree) {}
}
