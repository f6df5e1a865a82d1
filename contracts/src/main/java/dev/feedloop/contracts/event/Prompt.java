package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.List;

/**
 * What the model was asked: chat messages or a plain prompt text (exactly one), optionally with the
 * exact prompt token ids the engine saw.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Prompt(List<Message> messages, String text, List<Integer> tokenIds) {
    public Prompt {
        messages = Collections2.nullableList(messages);
        tokenIds = Collections2.nullableList(tokenIds);
    }

    /** A chat prompt. */
    public static Prompt chat(List<Message> messages) {
        return new Prompt(messages, null, null);
    }

    /** A plain completion prompt. */
    public static Prompt text(String text) {
        return new Prompt(null, text, null);
    }

    /**
     * The prompt hash: lower-case hex sha256 of the prompt's canonical JSON (messages or text only,
     * keys sorted, no whitespace). It is the partition key of the preferences topic, so pairs for
     * the same prompt stay in order.
     */
    public String hash() {
        return PromptHash.of(this);
    }
}
