package dev.feedloop.contracts.event;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One chat message. Multi-part content is flattened to its text.
 *
 * @param role who wrote it
 * @param content the text, null for a message that only carries tool calls
 * @param name optional participant name
 */
public record Message(Role role, String content, String name) {

    /** Creates a message without a participant name. */
    public static Message of(Role role, String content) {
        return new Message(role, content, null);
    }

    /** Chat roles, written in lower case on the wire as in the OpenAI API. */
    public enum Role {
        @JsonProperty("system") SYSTEM,
        @JsonProperty("developer") DEVELOPER,
        @JsonProperty("user") USER,
        @JsonProperty("assistant") ASSISTANT,
        @JsonProperty("tool") TOOL
    }
}
