package dev.feedloop.sidecar.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.djl.hf.ChatTemplate;
import dev.feedloop.djl.model.Generator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A parsed and validated {@code /v1/chat/completions} or {@code /v1/completions} request, with its
 * prompts tokenized. Field semantics follow vLLM's OpenAI server; unknown fields are ignored as vLLM
 * ignores them, wrong types and out-of-range values are 400 with the parameter named.
 *
 * @param chat chat (true) or completions
 * @param model the {@code model} field, null for the base
 * @param prompts tokenized prompts (one for chat; one or more for completions)
 * @param params sampling parameters
 * @param stream SSE response
 * @param includeUsage a final usage chunk in a stream
 * @param logprobs whether log-probs are returned
 * @param topLogprobs alternatives per token
 * @param returnTokenIds vLLM {@code return_token_ids}
 * @param tokensAsIds vLLM {@code return_tokens_as_token_ids}
 */
public record OpenAiRequest(
        boolean chat,
        String model,
        List<int[]> prompts,
        Generator.Params params,
        boolean stream,
        boolean includeUsage,
        boolean logprobs,
        int topLogprobs,
        boolean returnTokenIds,
        boolean tokensAsIds) {

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    /** Parses a chat request; tokenizes with the model's chat template. */
    static OpenAiRequest chat(JsonNode body, ServingEngine engine) {
        requireObject(body);
        JsonNode messages = body.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw VllmError.badRequest("messages", "'messages' must be a non-empty list of messages");
        }
        List<ChatTemplate.Message> parsed = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String role = m.path("role").asText(null);
            if (!m.isObject() || role == null || !ROLES.contains(role)) {
                throw VllmError.badRequest("messages", "messages[" + i + "].role must be one of " + ROLES);
            }
            parsed.add(new ChatTemplate.Message(role, content(m.get("content"), i)));
        }
        boolean logprobs = bool(body, "logprobs", false);
        int top = integer(body, "top_logprobs", 0, 0, engine.options().maxLogprobs());
        if (top > 0 && !logprobs) {
            throw VllmError.badRequest("top_logprobs", "when using `top_logprobs`, `logprobs` must be set to true.");
        }
        boolean addGenerationPrompt = bool(body, "add_generation_prompt", true);
        int[] prompt;
        try {
            prompt = engine.policy().encodeChat(parsed, addGenerationPrompt);
        } catch (IllegalStateException e) {
            throw VllmError.badRequest(e.getMessage());
        } catch (RuntimeException e) {
            throw VllmError.badRequest("messages", "the chat template failed: " + e.getMessage());
        }
        Integer maxTokens = body.has("max_completion_tokens") && !body.get("max_completion_tokens").isNull()
                ? Integer.valueOf(integer(body, "max_completion_tokens", 0, 1, Integer.MAX_VALUE)) : optionalInt(body, "max_tokens");
        return common(body, engine, true, List.of(prompt), maxTokens, logprobs, top);
    }

    /** Parses a completions request. */
    static OpenAiRequest completion(JsonNode body, ServingEngine engine) {
        requireObject(body);
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) {
            throw VllmError.badRequest("prompt", "'prompt' is required");
        }
        if (bool(body, "echo", false)) {
            throw VllmError.badRequest("echo", "echo=true is not supported by this server");
        }
        List<int[]> prompts = new ArrayList<>();
        if (p.isTextual()) {
            prompts.add(engine.policy().tokenizer().encode(p.asText(), true));
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isTextual()) {
            for (JsonNode x : p) {
                if (!x.isTextual()) {
                    throw VllmError.badRequest("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists");
                }
                prompts.add(engine.policy().tokenizer().encode(x.asText(), true));
            }
        } else if (p.isArray() && !p.isEmpty() && p.get(0).isArray()) {
            for (JsonNode x : p) {
                prompts.add(ids(x, engine));
            }
        } else if (p.isArray() && !p.isEmpty()) {
            prompts.add(ids(p, engine));
        } else {
            throw VllmError.badRequest("prompt", "'prompt' must be a string, a list of strings, a list of token ids or a list of such lists");
        }
        JsonNode lp = body.get("logprobs");
        int top = 0;
        boolean logprobs = false;
        if (lp != null && !lp.isNull()) {
            if (!lp.canConvertToInt() || lp.asInt() < 0) {
                throw VllmError.badRequest("logprobs", "`logprobs` must be a non-negative integer");
            }
            top = lp.asInt();
            if (top > engine.options().maxLogprobs()) {
                throw VllmError.badRequest("logprobs", "Requested logprobs of " + top + ", which is greater than max allowed: "
                        + engine.options().maxLogprobs());
            }
            logprobs = true;
        }
        Integer maxTokens = body.has("max_tokens") && !body.get("max_tokens").isNull() ? optionalInt(body, "max_tokens")
                : Integer.valueOf(16);
        return common(body, engine, false, prompts, maxTokens, logprobs, top);
    }

    private static OpenAiRequest common(JsonNode body, ServingEngine engine, boolean chat, List<int[]> prompts, Integer maxTokens,
            boolean logprobs, int top) {
        JsonNode modelNode = body.get("model");
        if (modelNode != null && !modelNode.isNull() && !modelNode.isTextual()) {
            throw VllmError.badRequest("model", "'model' must be a string");
        }
        String model = modelNode == null || modelNode.isNull() ? null : modelNode.asText();
        int n = integer(body, "n", 1, 1, engine.options().maxBatch());
        double temperature = number(body, "temperature", 1.0, 0, 100);
        double topP = number(body, "top_p", 1.0, 0, 1);
        if (topP <= 0) {
            throw VllmError.badRequest("top_p", "top_p must be in (0, 1], got " + topP);
        }
        int topK = integer(body, "top_k", 0, -1, Integer.MAX_VALUE);
        Long seed = body.has("seed") && !body.get("seed").isNull() ? longValue(body, "seed") : null;
        List<String> stop = new ArrayList<>();
        JsonNode s = body.get("stop");
        if (s != null && !s.isNull()) {
            if (s.isTextual()) {
                stop.add(s.asText());
            } else if (s.isArray()) {
                for (JsonNode x : s) {
                    if (!x.isTextual()) {
                        throw VllmError.badRequest("stop", "'stop' must be a string or a list of strings");
                    }
                    stop.add(x.asText());
                }
            } else {
                throw VllmError.badRequest("stop", "'stop' must be a string or a list of strings");
            }
        }
        stop.removeIf(String::isEmpty);
        Set<Integer> stopIds = new HashSet<>();
        JsonNode sid = body.get("stop_token_ids");
        if (sid != null && !sid.isNull()) {
            if (!sid.isArray()) {
                throw VllmError.badRequest("stop_token_ids", "'stop_token_ids' must be a list of token ids");
            }
            sid.forEach(x -> stopIds.add(x.asInt()));
        }
        boolean stream = bool(body, "stream", false);
        JsonNode so = body.get("stream_options");
        boolean includeUsage = false;
        if (so != null && !so.isNull()) {
            if (!stream) {
                throw VllmError.badRequest("stream_options", "Stream options can only be defined when `stream=True`.");
            }
            includeUsage = so.path("include_usage").asBoolean(true);
        }
        int maxLen = engine.policy().model().config().maxPositionEmbeddings();
        int longest = prompts.stream().mapToInt(p -> p.length).max().orElse(0);
        int max = maxTokens != null ? maxTokens : maxLen - longest;
        if (max < 1) {
            throw VllmError.badRequest("max_tokens", "max_tokens must be at least 1");
        }
        if (longest + max > maxLen) {
            throw VllmError.badRequest("This model's maximum context length is " + maxLen + " tokens. However, you requested "
                    + (longest + max) + " tokens (" + longest + " in the " + (chat ? "messages" : "prompt") + ", " + max
                    + " in the completion). Please reduce the length of the " + (chat ? "messages" : "prompt") + " or completion.");
        }
        Generator.Params params = new Generator.Params(max, temperature, topP, topK, seed, stop, stopIds, n,
                bool(body, "ignore_eos", false), logprobs ? Math.max(top, 0) : 0);
        return new OpenAiRequest(chat, model, prompts, params, stream, includeUsage, logprobs, top,
                bool(body, "return_token_ids", false), bool(body, "return_tokens_as_token_ids", false));
    }

    private static int[] ids(JsonNode array, ServingEngine engine) {
        int vocab = engine.policy().model().config().vocabSize();
        if (!array.isArray() || array.isEmpty()) {
            throw VllmError.badRequest("prompt", "a token-id prompt must be a non-empty list of integers");
        }
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = array.get(i);
            if (!x.canConvertToInt() || x.asInt() < 0 || x.asInt() >= vocab) {
                throw VllmError.badRequest("prompt", "token id " + x + " is out of vocabulary range [0, " + vocab + ")");
            }
            out[i] = x.asInt();
        }
        return out;
    }

    private static String content(JsonNode c, int i) {
        if (c == null || c.isNull()) {
            return "";
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!"text".equals(part.path("type").asText())) {
                    throw VllmError.badRequest("messages", "messages[" + i + "] has a content part of type '"
                            + part.path("type").asText() + "'; this model accepts text only");
                }
                sb.append(part.path("text").asText());
            }
            return sb.toString();
        }
        throw VllmError.badRequest("messages", "messages[" + i + "].content must be a string or a list of content parts");
    }

    private static void requireObject(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw VllmError.badRequest("the request body must be a JSON object");
        }
    }

    private static boolean bool(JsonNode body, String key, boolean def) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isBoolean()) {
            throw VllmError.badRequest(key, "'" + key + "' must be a boolean");
        }
        return v.asBoolean();
    }

    private static int integer(JsonNode body, String key, int def, int min, int max) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
            throw VllmError.badRequest(key, "'" + key + "' must be an integer from " + min + " to " + max + ", got " + v);
        }
        return v.asInt();
    }

    private static Integer optionalInt(JsonNode body, String key) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        return integer(body, key, 0, 1, Integer.MAX_VALUE);
    }

    private static long longValue(JsonNode body, String key) {
        JsonNode v = body.get(key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw VllmError.badRequest(key, "'" + key + "' must be an integer");
        }
        return v.asLong();
    }

    private static double number(JsonNode body, String key, double def, double min, double max) {
        JsonNode v = body.get(key);
        if (v == null || v.isNull()) {
            return def;
        }
        if (!v.isNumber() || v.asDouble() < min || v.asDouble() > max) {
            throw VllmError.badRequest(key, "'" + key + "' must be a number from " + min + " to " + max + ", got " + v);
        }
        return v.asDouble();
    }
}
