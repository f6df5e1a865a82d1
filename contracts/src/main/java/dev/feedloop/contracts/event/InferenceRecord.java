package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One served request and its completed response, as captured by the tap (or rebuilt from KServe
 * payload-logger events). Schema: {@code inference-record.v1.json}.
 *
 * @param schemaVersion always {@link Event#SCHEMA_VERSION}
 * @param inferenceId unique id, returned to the application in {@code x-feedloop-inference-id}
 * @param tenant owning tenant
 * @param source where it was captured
 * @param endpoint which OpenAI-compatible route served it
 * @param startedAt when the request arrived
 * @param completedAt when the last byte of the response was sent
 * @param alias the public alias the client asked for, null if it named a model directly
 * @param servedModel the model name sent to the engine after routing
 * @param servedAdapter the adapter that served it ({@code <alias>-v<N>}), null for the base model
 * @param policyVersion the adapter version that served it, 0 for the base model
 * @param route the routing decision
 * @param request the request (messages or prompt, sampling parameters)
 * @param choices the assembled response choices
 * @param usage token usage, null if the engine did not report it
 * @param latency latency figures
 * @param status HTTP status the client received
 * @param error error message for a non-2xx status
 * @param stream whether the response was streamed (SSE)
 * @param traceparent W3C trace context of the served request
 * @param redactions spans replaced by the redactor, counted by placeholder type
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record InferenceRecord(
        int schemaVersion,
        String inferenceId,
        String tenant,
        Source source,
        Endpoint endpoint,
        Instant startedAt,
        Instant completedAt,
        String alias,
        String servedModel,
        String servedAdapter,
        long policyVersion,
        Route route,
        Request request,
        List<Choice> choices,
        Usage usage,
        Latency latency,
        int status,
        String error,
        boolean stream,
        String traceparent,
        Map<String, Integer> redactions)
        implements Event {

    public InferenceRecord {
        choices = Collections2.list(choices);
        redactions = Collections2.map(redactions);
    }

    @Override
    public EventType type() {
        return EventType.INFERENCE_RECORD;
    }

    @Override
    public String eventId() {
        return inferenceId;
    }

    @Override
    public Instant eventTime() {
        return completedAt;
    }

    @Override
    public String messageKey() {
        return inferenceId;
    }

    /** Where a record was captured. */
    public enum Source {
        TAP,
        KSERVE
    }

    /** The OpenAI-compatible route. */
    public enum Endpoint {
        CHAT_COMPLETIONS,
        COMPLETIONS
    }

    /** How the request was routed. */
    public enum Route {
        /** The client named a concrete model or adapter. */
        DIRECT,
        /** The client asked for the alias and no adapter is promoted. */
        BASE,
        /** The client asked for the alias and got the promoted adapter. */
        PROMOTED,
        /** The client asked for the alias and fell into the canary share. */
        CANARY
    }

    /**
     * The request: chat {@code messages} or a completion {@code prompt} (exactly one).
     *
     * @param messages chat messages
     * @param prompt completion prompt text
     * @param promptTokenIds the prompt token ids, if the engine returned them
     * @param params sampling parameters the client sent
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Request(List<Message> messages, String prompt, List<Integer> promptTokenIds, SamplingParams params) {
        public Request {
            messages = Collections2.nullableList(messages);
            promptTokenIds = Collections2.nullableList(promptTokenIds);
        }

        /** This request as a training {@link Prompt}. */
        public Prompt toPrompt() {
            return new Prompt(messages, messages == null ? prompt : null, promptTokenIds);
        }
    }

    /** The sampling parameters that matter for training; null means "not sent". */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record SamplingParams(
            Double temperature,
            Double topP,
            Integer topK,
            Integer maxTokens,
            Integer n,
            Long seed,
            List<String> stop,
            Boolean logprobs) {
        public SamplingParams {
            stop = Collections2.nullableList(stop);
        }
    }

    /**
     * One response choice, assembled from the stream if it was streamed.
     *
     * @param index choice index among n
     * @param text the full text
     * @param finishReason as the engine reported it, null if the stream ended early
     * @param tokenIds response token ids, if returned
     * @param logprobs per-token log-probs, if requested
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Choice(int index, String text, String finishReason, List<Integer> tokenIds, List<Double> logprobs) {
        public Choice {
            tokenIds = Collections2.nullableList(tokenIds);
            logprobs = Collections2.nullableList(logprobs);
        }
    }

    /**
     * Latency as the tap measured it.
     *
     * @param totalMs request arrival to last byte
     * @param firstTokenMs request arrival to the first streamed content, null if not streamed
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Latency(double totalMs, Double firstTokenMs) {}
}
