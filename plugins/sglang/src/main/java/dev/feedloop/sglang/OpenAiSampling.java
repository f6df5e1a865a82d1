package dev.feedloop.sglang;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.contracts.spi.ServingBackend.Sample;
import dev.feedloop.contracts.spi.ServingBackend.SampleRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * Non-streaming sampling over SGLang's OpenAI-compatible routes: a chat prompt goes to
 * {@code /v1/chat/completions}, a text prompt to {@code /v1/completions}. Only standard OpenAI fields are sent.
 *
 * <p>Responses are read leniently: missing keys take defaults and unknown keys are ignored; only a missing
 * {@code choices} list, or choices that do not number {@code 0..n-1}, are protocol errors. SGLang's OpenAI
 * routes return no token ids, so {@link Sample#tokenIds()} is null unless a server adds {@code token_ids}.
 * Stateless and thread-safe.
 */
final class OpenAiSampling {
    private OpenAiSampling() {}

    /** The two routes. */
    enum Route {
        CHAT("/v1/chat/completions"),
        COMPLETIONS("/v1/completions");

        final String path;

        Route(String path) {
            this.path = path;
        }
    }

    /**
     * Samples: one non-streaming request.
     *
     * @param http the server
     * @param request what to sample
     * @param model the value of {@code model} ({@code <base>} or {@code <base>:<adapter>})
     * @return the reply, not yet checked, and its route
     */
    static CompletableFuture<Sent> send(HttpJson http, SampleRequest request, String model) {
        return Async.start(() -> {
            Route route = route(request);
            return http.post(route.path, body(request, route, model)).thenApply(reply -> new Sent(route, reply));
        });
    }

    /** A sampling request's reply and the route it went to. */
    record Sent(Route route, HttpJson.Reply reply) {}

    /**
     * The route for a prompt.
     *
     * @throws BackendException {@code REJECTED} if the prompt has neither messages nor text
     */
    static Route route(SampleRequest request) {
        Prompt p = request.prompt();
        if (p.messages() != null) {
            return Route.CHAT;
        }
        if (p.text() != null) {
            return Route.COMPLETIONS;
        }
        throw new BackendException(Reason.REJECTED, "the prompt has neither messages nor text");
    }

    /**
     * The request body.
     *
     * @param request what to sample
     * @param route from {@link #route}
     * @param model the value of {@code model}
     */
    static ObjectNode body(SampleRequest request, Route route, String model) {
        ObjectNode body = HttpJson.JSON.createObjectNode();
        body.put("model", model);
        if (route == Route.CHAT) {
            ArrayNode messages = body.putArray("messages");
            for (Message m : request.prompt().messages()) {
                ObjectNode msg = messages.addObject();
                msg.put("role", m.role().name().toLowerCase(Locale.ROOT));
                msg.put("content", m.content());
                if (m.name() != null) {
                    msg.put("name", m.name());
                }
            }
        } else {
            body.put("prompt", request.prompt().text());
        }
        body.put("n", request.n());
        body.put("max_tokens", request.maxTokens());
        body.put("temperature", request.temperature());
        body.put("top_p", request.topP());
        if (request.seed() != null) {
            body.put("seed", request.seed());
        }
        if (request.logprobs()) {
            if (route == Route.CHAT) {
                body.put("logprobs", true);
            } else {
                body.put("logprobs", 1);
            }
        }
        body.put("stream", false);
        return body;
    }

    /**
     * Reads the samples of a response.
     *
     * @param stack the server's name, for messages
     * @param response the response body
     * @param route the route it answers
     * @param n the number of samples asked for
     * @return the samples, by index
     * @throws BackendException {@code PROTOCOL} if {@code choices} is missing or its indices are not 0..n-1
     */
    static List<Sample> parse(String stack, JsonNode response, Route route, int n) {
        JsonNode choices = response.get("choices");
        if (choices == null || !choices.isArray()) {
            throw new BackendException(Reason.PROTOCOL, stack + " " + route.path + " answered without a \"choices\" "
                    + "list: " + HttpJson.abbreviate(response.toString()));
        }
        List<Sample> samples = new ArrayList<>();
        int position = 0;
        for (JsonNode choice : choices) {
            JsonNode idx = choice.get("index");
            int index = idx != null && idx.canConvertToInt() ? idx.intValue() : position;
            position++;
            String text;
            if (route == Route.CHAT) {
                JsonNode message = choice.get("message");
                text = message == null ? "" : textOr(message.get("content"), "");
            } else {
                text = textOr(choice.get("text"), "");
            }
            samples.add(new Sample(index, text, textOr(choice.get("finish_reason"), null), tokenIds(choice),
                    logprobs(choice.get("logprobs"), route)));
        }
        samples.sort(Comparator.comparingInt(Sample::index));
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).index() != i) {
                throw new BackendException(Reason.PROTOCOL, stack + " " + route.path + " answered choices with indices "
                        + samples.stream().map(Sample::index).toList() + " for n=" + n);
            }
        }
        if (samples.size() != n) {
            throw new BackendException(Reason.PROTOCOL, stack + " " + route.path + " answered " + samples.size()
                    + " choices for n=" + n);
        }
        return samples;
    }

    private static List<Integer> tokenIds(JsonNode choice) {
        JsonNode ids = choice.get("token_ids");
        if (ids == null || !ids.isArray()) {
            return null;
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode id : ids) {
            if (!id.canConvertToInt() || !id.isIntegralNumber()) {
                return null;
            }
            out.add(id.intValue());
        }
        return out;
    }

    /**
     * Per-token log-probs: chat {@code logprobs.content[].logprob}, completions {@code logprobs.token_logprobs}.
     * Null when absent, or when any entry is missing (a partial list would not line up with the tokens).
     */
    private static List<Double> logprobs(JsonNode logprobs, Route route) {
        if (logprobs == null || !logprobs.isObject()) {
            return null;
        }
        List<Double> out = new ArrayList<>();
        if (route == Route.CHAT) {
            JsonNode content = logprobs.get("content");
            if (content == null || !content.isArray()) {
                return null;
            }
            for (JsonNode entry : content) {
                JsonNode lp = entry.get("logprob");
                if (lp == null || !lp.isNumber()) {
                    return null;
                }
                out.add(lp.doubleValue());
            }
        } else {
            JsonNode values = logprobs.get("token_logprobs");
            if (values == null || !values.isArray()) {
                return null;
            }
            for (JsonNode lp : values) {
                if (!lp.isNumber()) {
                    return null;
                }
                out.add(lp.doubleValue());
            }
        }
        return out;
    }

    private static String textOr(JsonNode node, String fallback) {
        return node == null || node.isNull() ? fallback : node.asText();
    }
}
