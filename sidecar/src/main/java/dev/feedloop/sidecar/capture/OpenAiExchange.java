package dev.feedloop.sidecar.capture;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.Usage;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.support.ServerSentEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The one place that turns an OpenAI-compatible request body and response body into an {@link
 * InferenceRecord}. The tap's capture and the KServe source both call it, so a record means the same
 * whichever way it was captured. Field semantics follow vLLM's OpenAI server (see {@code
 * serving.md} §1.6); unknown fields are ignored and missing ones tolerated, as streamed chunks omit
 * every field that was never set.
 *
 * <p><b>What becomes what.</b>
 *
 * <ul>
 *   <li>A path ending in {@code /v1/chat/completions} is {@code CHAT_COMPLETIONS}; one ending in
 *       {@code /v1/completions} is {@code COMPLETIONS} (so KServe's {@code /openai/v1/...} routes
 *       qualify). The query string is ignored. Any other path is {@link
 *       CaptureException.Reason#UNSUPPORTED_ENDPOINT}.
 *   <li>Chat messages keep their role ({@code function}, the legacy name of {@code tool}, becomes
 *       {@code tool}) and {@code name}. List content is flattened to its text parts joined with
 *       {@code "\n"}, as vLLM joins them; image and audio parts are left out. A message whose content
 *       is absent, or empty while it carries tool or function calls, gets content null.
 *   <li>A completion prompt that is a string is kept as it is. A list of strings is a batch: the
 *       record keeps the <b>first</b> prompt and the choices that answer it (indices below {@code n}),
 *       and drops {@code usage}, which covers the whole batch. A token-id prompt ({@code [int]}, or the
 *       first of {@code [[int]]}) becomes {@code prompt_token_ids} with prompt text {@code ""}, since
 *       the text was never sent.
 *   <li>Sampling parameters are recorded as sent; a value the schema cannot hold (a negative
 *       temperature, {@code top_p} above 1, a string where a number belongs), which the engine
 *       rejects with 400 anyway, is recorded as null. {@code max_completion_tokens} wins over {@code
 *       max_tokens}; {@code stop} is always a list; {@code logprobs} is true for any number (the
 *       completions API sends the top-k count) and as sent for a boolean.
 *   <li>A 2xx body that starts with <code>{</code> is a JSON response; one that starts with an SSE
 *       field ({@code data:}, {@code event:}, {@code id:}, {@code retry:}, or a {@code :} comment) is
 *       an event stream, whatever the content type claims (KServe labels a stream with the request's
 *       {@code application/json}). Streamed choices are assembled by index from their deltas; {@code
 *       [DONE]} ends the stream, and a choice without a {@code finish_reason} (a truncated stream) gets
 *       null. A mid-stream error event keeps the status and sets {@code error}; the choices streamed
 *       before it are kept.
 *   <li>Per-token log-probs come from {@code logprobs.content[].logprob} (chat) or {@code
 *       logprobs.token_logprobs} (completions). {@code -Infinity} becomes vLLM's floor {@code -9999.0};
 *       a list with a null (an echoed first prompt token) or NaN is unusable and recorded as null, as
 *       is a token-id list with a negative id. Prompt token ids come from the request (token-id
 *       prompts), else the response's top-level {@code prompt_token_ids}, else those of its first
 *       choice.
 *   <li>A non-2xx status has no choices; {@code error} is the message of either vLLM error shape
 *       ({@code {"error":{"message":..}}} or the flat {@code {"object":"error","message":..}}), of
 *       {@code {"error":".."}} or {@code {"detail":".."}}, else the first {@value #ERROR_PREFIX_CHARS}
 *       characters of the body, else {@code "HTTP <status>"}. {@code stream} is false.
 *   <li>Latency: {@code total_ms} is completed minus started (0 if the clocks disagree); {@code
 *       first_token_ms} is the caller's figure, or null if it is not a non-negative number. A
 *       traceparent that is not valid W3C is dropped.
 * </ul>
 *
 * <p><b>What cannot be captured.</b> A request body that is not a JSON object, a request with nothing
 * to train on (no messages, no prompt, an unknown role), a 2xx response body that is neither JSON nor
 * an event stream of JSON objects, and metadata the schema rejects (an inference id or tenant of the
 * wrong shape, an empty model name) all throw {@link CaptureException} with a reason code: the caller
 * counts and drops the exchange instead of publishing a partial guess. Every record this class
 * returns is valid against {@code inference-record.v1.json}.
 *
 * <p>Stateless and thread-safe.
 */
public final class OpenAiExchange {
    /** How much of a non-JSON error body becomes the error message. */
    public static final int ERROR_PREFIX_CHARS = 200;
    /** Longest error message kept from a JSON error body. */
    public static final int ERROR_MAX_CHARS = 1024;
    /** vLLM's floor for a log-prob of minus infinity. */
    public static final double LOGPROB_FLOOR = -9999.0;

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS) // Python's json writes -Infinity and NaN
            .build();
    /** Reads trees without resolving the target type on every call, as {@code ObjectMapper.readTree} does. */
    private static final ObjectReader TREES = JSON.readerFor(JsonNode.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern ALIAS = TENANT;
    private static final String CHAT_PATH = "/v1/chat/completions";
    private static final String COMPLETIONS_PATH = "/v1/completions";

    private OpenAiExchange() {}

    /**
     * One finished exchange, as the capturing side saw it.
     *
     * @param inferenceId the record's id ({@code ^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$})
     * @param tenant owning tenant
     * @param source where it was captured
     * @param path the request path, e.g. {@code /v1/chat/completions} or {@code /openai/v1/completions}
     * @param requestBody the request body as sent
     * @param responseBody the response body as received (a whole event stream, if streamed); null = empty
     * @param status the HTTP status the client received
     * @param startedAt when the request arrived
     * @param completedAt when the last byte of the response was sent
     * @param firstTokenMs arrival to the first streamed content, null if unknown
     * @param alias the public alias the client asked for, null if it named a model directly
     * @param servedModel the model name sent to the engine
     * @param servedAdapter the adapter that served it, null for the base model
     * @param policyVersion the adapter version that served it, 0 for the base model
     * @param route the routing decision
     * @param traceparent W3C trace context of the request, or null
     */
    public record Captured(
            String inferenceId,
            String tenant,
            InferenceRecord.Source source,
            String path,
            byte[] requestBody,
            byte[] responseBody,
            int status,
            Instant startedAt,
            Instant completedAt,
            Double firstTokenMs,
            String alias,
            String servedModel,
            String servedAdapter,
            long policyVersion,
            InferenceRecord.Route route,
            String traceparent) {}

    /**
     * The endpoint a request path names.
     *
     * @param path a request path, possibly with a query string
     * @return chat or completions, or empty for any other route
     */
    public static Optional<InferenceRecord.Endpoint> endpointOf(String path) {
        if (path == null) {
            return Optional.empty();
        }
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        while (p.endsWith("/") && p.length() > 1) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.endsWith(CHAT_PATH)) {
            return Optional.of(InferenceRecord.Endpoint.CHAT_COMPLETIONS);
        }
        if (p.endsWith(COMPLETIONS_PATH)) {
            return Optional.of(InferenceRecord.Endpoint.COMPLETIONS);
        }
        return Optional.empty();
    }

    /**
     * Builds the record of one exchange. Not redacted: call {@link #redact} before it leaves the pod.
     *
     * @param c the exchange
     * @return a schema-valid record with no redactions
     * @throws CaptureException if the exchange cannot be represented (see the class comment)
     */
    public static InferenceRecord toRecord(Captured c) {
        Objects.requireNonNull(c, "captured");
        checkMetadata(c);
        InferenceRecord.Endpoint endpoint = endpointOf(c.path()).orElseThrow(() -> new CaptureException(
                CaptureException.Reason.UNSUPPORTED_ENDPOINT, "not an OpenAI chat or completions path: '" + c.path() + "'"));
        boolean chat = endpoint == InferenceRecord.Endpoint.CHAT_COMPLETIONS;
        JsonNode body = readRequest(c.requestBody());
        ParsedRequest req = chat ? chatRequest(body) : completionRequest(body);

        byte[] responseBody = c.responseBody() == null ? new byte[0] : c.responseBody();
        ParsedResponse resp = c.status() / 100 == 2 ? successResponse(responseBody, chat) : errorResponse(c.status(), responseBody);

        List<InferenceRecord.Choice> choices = resp.choices();
        Usage usage = resp.usage();
        if (req.batch()) {
            int n = req.params().n() == null ? 1 : req.params().n();
            choices = choices.stream().filter(ch -> ch.index() < n).toList();
            usage = null;
        }
        List<Integer> promptTokenIds = req.promptTokenIds() != null ? req.promptTokenIds() : resp.promptTokenIds();
        InferenceRecord.Request request = new InferenceRecord.Request(req.messages(), req.prompt(), promptTokenIds, req.params());
        Double firstToken = c.firstTokenMs() != null && Double.isFinite(c.firstTokenMs()) && c.firstTokenMs() >= 0
                ? c.firstTokenMs() : null;
        InferenceRecord.Latency latency = new InferenceRecord.Latency(millisBetween(c.startedAt(), c.completedAt()), firstToken);
        String traceparent = CloudEventHeaders.isValidTraceparent(c.traceparent()) ? c.traceparent() : null;
        return new InferenceRecord(Event.SCHEMA_VERSION, c.inferenceId(), c.tenant(), c.source(), endpoint, c.startedAt(),
                c.completedAt(), c.alias(), c.servedModel(), c.servedAdapter(), c.policyVersion(), c.route(), request, choices,
                usage, latency, c.status(), resp.error(), resp.stream(), traceparent, Map.of());
    }

    /**
     * Redacts every text of a record: each message's content, the prompt text, each choice's text and
     * the error message. The findings are added to the record's {@code redactions} counts by type.
     *
     * <p>Token ids would still spell out what was redacted, and log-probs no longer line up with a
     * changed text, so where a redactor changed something they go too: any finding in the request
     * drops {@code prompt_token_ids}; a finding in a choice drops that choice's {@code token_ids} and
     * {@code logprobs}.
     *
     * @param r a record
     * @param redactor the redactor; called once per text, on the calling thread
     * @return the redacted record (equal to {@code r} when nothing was found)
     */
    public static InferenceRecord redact(InferenceRecord r, Redactor redactor) {
        Objects.requireNonNull(redactor, "redactor");
        Map<String, Integer> counts = new LinkedHashMap<>(r.redactions());
        InferenceRecord.Request req = r.request();
        boolean requestChanged = false;
        List<Message> messages = null;
        if (req.messages() != null) {
            messages = new ArrayList<>(req.messages().size());
            for (Message m : req.messages()) {
                if (m.content() == null) {
                    messages.add(m);
                    continue;
                }
                Redactor.Redaction x = redactor.redact(m.content());
                requestChanged |= count(x, counts);
                messages.add(new Message(m.role(), x.text(), m.name()));
            }
        }
        String prompt = req.prompt();
        if (prompt != null) {
            Redactor.Redaction x = redactor.redact(prompt);
            requestChanged |= count(x, counts);
            prompt = x.text();
        }
        InferenceRecord.Request request = new InferenceRecord.Request(messages, prompt,
                requestChanged ? null : req.promptTokenIds(), req.params());
        List<InferenceRecord.Choice> choices = new ArrayList<>(r.choices().size());
        for (InferenceRecord.Choice ch : r.choices()) {
            Redactor.Redaction x = redactor.redact(ch.text());
            boolean changed = count(x, counts);
            choices.add(new InferenceRecord.Choice(ch.index(), x.text(), ch.finishReason(),
                    changed ? null : ch.tokenIds(), changed ? null : ch.logprobs()));
        }
        String error = r.error();
        if (error != null) {
            Redactor.Redaction x = redactor.redact(error);
            count(x, counts);
            error = x.text();
        }
        return new InferenceRecord(r.schemaVersion(), r.inferenceId(), r.tenant(), r.source(), r.endpoint(), r.startedAt(),
                r.completedAt(), r.alias(), r.servedModel(), r.servedAdapter(), r.policyVersion(), r.route(), request, choices,
                r.usage(), r.latency(), r.status(), error, r.stream(), r.traceparent(), counts);
    }

    private static boolean count(Redactor.Redaction x, Map<String, Integer> counts) {
        for (Redactor.Finding f : x.findings()) {
            counts.merge(f.type(), 1, Integer::sum);
        }
        return !x.findings().isEmpty();
    }

    // ---- metadata --------------------------------------------------------------------------------

    private static void checkMetadata(Captured c) {
        if (c.inferenceId() == null || !ID.matcher(c.inferenceId()).matches()) {
            throw invalidMetadata("inference id must match " + ID.pattern() + ", got '" + c.inferenceId() + "'");
        }
        if (c.tenant() == null || !TENANT.matcher(c.tenant()).matches()) {
            throw invalidMetadata("tenant must match " + TENANT.pattern() + ", got '" + c.tenant() + "'");
        }
        if (c.alias() != null && !ALIAS.matcher(c.alias()).matches()) {
            throw invalidMetadata("alias must match " + ALIAS.pattern() + ", got '" + c.alias() + "'");
        }
        if (c.servedModel() == null || c.servedModel().isEmpty()) {
            throw invalidMetadata("served model is empty");
        }
        if (c.source() == null || c.route() == null || c.startedAt() == null || c.completedAt() == null) {
            throw invalidMetadata("source, route, startedAt and completedAt are required");
        }
        if (c.status() < 100 || c.status() > 599) {
            throw invalidMetadata("status must be from 100 to 599, got " + c.status());
        }
        if (c.policyVersion() < 0) {
            throw invalidMetadata("policy version must not be negative, got " + c.policyVersion());
        }
    }

    private static CaptureException invalidMetadata(String message) {
        return new CaptureException(CaptureException.Reason.INVALID_METADATA, message);
    }

    private static double millisBetween(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        if (d.isNegative()) {
            return 0;
        }
        return d.getSeconds() * 1000.0 + d.getNano() / 1e6;
    }

    // ---- request ---------------------------------------------------------------------------------

    private record ParsedRequest(List<Message> messages, String prompt, List<Integer> promptTokenIds,
            InferenceRecord.SamplingParams params, boolean batch) {}

    private static JsonNode readRequest(byte[] body) {
        JsonNode tree;
        try {
            tree = body == null ? null : TREES.readTree(body);
        } catch (IOException e) {
            throw new CaptureException(CaptureException.Reason.REQUEST_UNREADABLE, "request body is not JSON" + where(e), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new CaptureException(CaptureException.Reason.REQUEST_UNREADABLE, "request body is not a JSON object");
        }
        return tree;
    }

    private static ParsedRequest chatRequest(JsonNode body) {
        JsonNode ms = body.get("messages");
        if (ms == null || !ms.isArray() || ms.isEmpty()) {
            throw invalidRequest("chat request has no messages");
        }
        List<Message> messages = new ArrayList<>(ms.size());
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            if (!m.isObject()) {
                throw invalidRequest("messages[" + i + "] is not an object");
            }
            Message.Role role = role(m.path("role").asText(""), i);
            String content = content(m.get("content"), i);
            boolean callsOnly = hasItems(m.get("tool_calls")) || (m.hasNonNull("function_call"));
            if (callsOnly && content != null && content.isEmpty()) {
                content = null;
            }
            String name = m.path("name").isTextual() ? m.get("name").asText() : null;
            messages.add(new Message(role, content, name));
        }
        Integer maxTokens = nonNegativeInt(body.get("max_completion_tokens"));
        if (maxTokens == null) {
            maxTokens = nonNegativeInt(body.get("max_tokens"));
        }
        return new ParsedRequest(messages, null, null, params(body, maxTokens), false);
    }

    private static ParsedRequest completionRequest(JsonNode body) {
        JsonNode p = body.get("prompt");
        InferenceRecord.SamplingParams params = params(body, nonNegativeInt(body.get("max_tokens")));
        if (p == null || p.isNull()) {
            throw invalidRequest("completion request has no prompt");
        }
        if (p.isTextual()) {
            return new ParsedRequest(null, p.asText(), null, params, false);
        }
        if (!p.isArray()) {
            throw invalidRequest("prompt must be a string, a list of strings or token ids");
        }
        if (p.isEmpty()) {
            return new ParsedRequest(null, "", null, params, false);
        }
        JsonNode first = p.get(0);
        boolean batch = p.size() > 1;
        if (first.isTextual()) {
            return new ParsedRequest(null, first.asText(), null, params, batch);
        }
        if (first.isNumber()) {
            return new ParsedRequest(null, "", promptTokens(p), params, false);
        }
        if (first.isArray()) {
            return new ParsedRequest(null, "", promptTokens(first), params, batch);
        }
        throw invalidRequest("prompt must be a string, a list of strings or token ids");
    }

    private static List<Integer> promptTokens(JsonNode array) {
        List<Integer> ids = tokenIds(array);
        if (ids == null) {
            throw invalidRequest("prompt token ids must be integers >= 0");
        }
        return ids;
    }

    private static Message.Role role(String role, int i) {
        return switch (role) {
            case "system" -> Message.Role.SYSTEM;
            case "developer" -> Message.Role.DEVELOPER;
            case "user" -> Message.Role.USER;
            case "assistant" -> Message.Role.ASSISTANT;
            case "tool", "function" -> Message.Role.TOOL;
            default -> throw invalidRequest("messages[" + i + "].role '" + role
                    + "' is not one of system, developer, user, assistant, tool");
        };
    }

    /** String content as is; list content flattened to its text parts. Null when absent. */
    private static String content(JsonNode c, int i) {
        if (c == null || c.isNull()) {
            return null;
        }
        if (c.isTextual()) {
            return c.asText();
        }
        if (!c.isArray()) {
            throw invalidRequest("messages[" + i + "].content must be a string or a list of parts");
        }
        List<String> texts = new ArrayList<>();
        for (JsonNode part : c) {
            if (part.isTextual()) {
                texts.add(part.asText());
            } else if (part.isObject() && part.path("text").isTextual()) {
                String type = part.path("type").asText("text");
                if (type.equals("text") || type.equals("input_text") || type.equals("output_text")) {
                    texts.add(part.get("text").asText());
                }
            }
        }
        return String.join("\n", texts);
    }

    private static boolean hasItems(JsonNode n) {
        return n != null && n.isArray() && !n.isEmpty();
    }

    private static CaptureException invalidRequest(String message) {
        return new CaptureException(CaptureException.Reason.REQUEST_INVALID, message);
    }

    private static InferenceRecord.SamplingParams params(JsonNode body, Integer maxTokens) {
        Double temperature = number(body.get("temperature"));
        if (temperature != null && temperature < 0) {
            temperature = null;
        }
        Double topP = number(body.get("top_p"));
        if (topP != null && (topP <= 0 || topP > 1)) {
            topP = null;
        }
        Long topK = integral(body.get("top_k"));
        Long n = integral(body.get("n"));
        return new InferenceRecord.SamplingParams(temperature, topP, toInt(topK), maxTokens,
                n != null && n >= 1 ? toInt(n) : null, integral(body.get("seed")), stop(body.get("stop")),
                logprobsFlag(body.get("logprobs")));
    }

    private static List<String> stop(JsonNode s) {
        if (s == null || s.isNull()) {
            return null;
        }
        if (s.isTextual()) {
            return List.of(s.asText());
        }
        if (!s.isArray()) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : s) {
            if (e.isTextual()) {
                out.add(e.asText());
            }
        }
        return out;
    }

    private static Boolean logprobsFlag(JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        return n.isNumber() ? Boolean.TRUE : null;
    }

    private static Double number(JsonNode n) {
        if (n == null || !n.isNumber()) {
            return null;
        }
        double d = n.asDouble();
        return Double.isFinite(d) ? d : null;
    }

    /** A whole number that fits a long ({@code 42} or {@code 42.0}), else null. */
    private static Long integral(JsonNode n) {
        if (n == null || !n.isNumber()) {
            return null;
        }
        if (n.isIntegralNumber()) {
            return n.canConvertToLong() ? n.asLong() : null;
        }
        double d = n.asDouble();
        if (Double.isFinite(d) && d == Math.rint(d) && Math.abs(d) < 0x1p53) {
            return (long) d;
        }
        return null;
    }

    private static Integer toInt(Long v) {
        return v != null && v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE ? (int) (long) v : null;
    }

    private static Integer nonNegativeInt(JsonNode n) {
        Integer v = toInt(integral(n));
        return v != null && v >= 0 ? v : null;
    }

    // ---- response --------------------------------------------------------------------------------

    private record ParsedResponse(List<InferenceRecord.Choice> choices, Usage usage, List<Integer> promptTokenIds,
            String error, boolean stream) {}

    private static ParsedResponse successResponse(byte[] body, boolean chat) {
        int i = 0;
        if (body.length >= 3 && (body[0] & 0xff) == 0xEF && (body[1] & 0xff) == 0xBB && (body[2] & 0xff) == 0xBF) {
            i = 3;
        }
        while (i < body.length && Character.isWhitespace(body[i])) {
            i++;
        }
        if (i == body.length) {
            throw new CaptureException(CaptureException.Reason.RESPONSE_UNREADABLE, "response body is empty");
        }
        if (body[i] == '{') {
            return jsonResponse(body, chat);
        }
        if (looksLikeEventStream(body, i)) {
            return streamedResponse(body, chat);
        }
        throw new CaptureException(CaptureException.Reason.RESPONSE_UNREADABLE,
                "response body is neither a JSON object nor an event stream");
    }

    private static boolean looksLikeEventStream(byte[] body, int at) {
        if (body[at] == ':') {
            return true;
        }
        for (String field : new String[] {"data", "event", "id", "retry"}) {
            int end = at + field.length();
            if (end <= body.length && new String(body, at, field.length(), StandardCharsets.US_ASCII).equals(field)
                    && (end == body.length || body[end] == ':' || body[end] == '\n' || body[end] == '\r')) {
                return true;
            }
        }
        return false;
    }

    private static ParsedResponse jsonResponse(byte[] body, boolean chat) {
        JsonNode root = readResponseObject(body, "response body");
        Assembly a = new Assembly(chat);
        if (!root.has("choices")) {
            Optional<String> error = errorMessage(root);
            if (error.isPresent()) {
                return new ParsedResponse(List.of(), null, null, error.get(), false);
            }
        }
        a.absorb(root, false);
        return new ParsedResponse(a.choices(), a.usage, a.promptTokenIds(), null, false);
    }

    private static ParsedResponse streamedResponse(byte[] body, boolean chat) {
        List<ServerSentEvents.Event> events;
        try {
            events = ServerSentEvents.parse(new String(body, StandardCharsets.UTF_8));
        } catch (IllegalStateException e) {
            throw new CaptureException(CaptureException.Reason.RESPONSE_UNREADABLE, "event stream: " + e.getMessage(), e);
        }
        Assembly a = new Assembly(chat);
        String error = null;
        int n = 0;
        for (ServerSentEvents.Event e : events) {
            n++;
            JsonNode chunk = readResponseObject(e.data().getBytes(StandardCharsets.UTF_8), "event " + n + " of the stream");
            Optional<String> err = errorMessage(chunk);
            if (err.isPresent() && !chunk.has("choices")) {
                if (error == null) {
                    error = err.get();
                }
                continue;
            }
            a.absorb(chunk, true);
        }
        return new ParsedResponse(a.choices(), a.usage, a.promptTokenIds(), error, true);
    }

    private static JsonNode readResponseObject(byte[] json, String what) {
        JsonNode tree;
        try {
            tree = TREES.readTree(json);
        } catch (IOException e) {
            throw new CaptureException(CaptureException.Reason.RESPONSE_UNREADABLE, what + " is not JSON" + where(e), e);
        }
        if (tree == null || !tree.isObject()) {
            throw new CaptureException(CaptureException.Reason.RESPONSE_UNREADABLE, what + " is not a JSON object");
        }
        return tree;
    }

    private static ParsedResponse errorResponse(int status, byte[] body) {
        String message = null;
        try {
            JsonNode root = TREES.readTree(body);
            if (root != null && root.isObject()) {
                message = errorMessage(root).orElse(null);
            }
        } catch (IOException e) {
            // not JSON: fall back to the body's first characters
        }
        if (message == null) {
            String text = new String(body, StandardCharsets.UTF_8).strip();
            message = text.isEmpty() ? "HTTP " + status : cut(text, ERROR_PREFIX_CHARS);
        }
        return new ParsedResponse(List.of(), null, null, message, false);
    }

    /** The message of an error object in any of the shapes OpenAI-compatible servers write. */
    private static Optional<String> errorMessage(JsonNode root) {
        JsonNode error = root.get("error");
        String message = null;
        if (error != null && error.isObject()) {
            JsonNode m = error.get("message");
            message = m != null && m.isTextual() ? m.asText() : error.toString();
        } else if (error != null && error.isTextual()) {
            message = error.asText();
        } else if ("error".equals(root.path("object").asText()) && root.path("message").isTextual()) {
            message = root.get("message").asText();
        } else if (root.path("detail").isTextual() && !root.has("choices")) {
            message = root.get("detail").asText();
        }
        return Optional.ofNullable(message).map(m -> cut(m, ERROR_MAX_CHARS));
    }

    private static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
        return s.substring(0, end) + "…";
    }

    private static String where(IOException e) {
        if (e instanceof JsonProcessingException jpe && jpe.getLocation() != null) {
            return " (line " + jpe.getLocation().getLineNr() + ", column " + jpe.getLocation().getColumnNr() + ")";
        }
        return "";
    }

    /** Token ids as integers >= 0, or null if any is not. */
    private static List<Integer> tokenIds(JsonNode array) {
        List<Integer> out = new ArrayList<>(array.size());
        for (JsonNode t : array) {
            Integer v = t.isIntegralNumber() ? toInt(integral(t)) : null;
            if (v == null || v < 0) {
                return null;
            }
            out.add(v);
        }
        return out;
    }

    private static Usage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        Integer prompt = nonNegativeInt(u.get("prompt_tokens"));
        Integer completion = nonNegativeInt(u.get("completion_tokens"));
        if (prompt == null || completion == null) {
            return null;
        }
        Integer total = nonNegativeInt(u.get("total_tokens"));
        return new Usage(prompt, completion, total != null ? total : prompt + completion);
    }

    /** The choices of a response, assembled from one JSON body or from every chunk of a stream. */
    private static final class Assembly {
        private final boolean chat;
        private final TreeMap<Integer, ChoiceParts> choices = new TreeMap<>();
        private Usage usage;
        private List<Integer> topPromptTokenIds;

        Assembly(boolean chat) {
            this.chat = chat;
        }

        void absorb(JsonNode root, boolean delta) {
            JsonNode cs = root.get("choices");
            if (cs != null && cs.isArray()) {
                for (int i = 0; i < cs.size(); i++) {
                    JsonNode c = cs.get(i);
                    if (!c.isObject()) {
                        throw new CaptureException(CaptureException.Reason.RESPONSE_UNREADABLE, "choices[" + i + "] is not an object");
                    }
                    Long index = c.has("index") ? integral(c.get("index")) : Long.valueOf(delta ? 0 : i);
                    if (index == null || index < 0 || index > Integer.MAX_VALUE) {
                        throw new CaptureException(CaptureException.Reason.RESPONSE_UNREADABLE, "choices[" + i + "].index is not an index");
                    }
                    choices.computeIfAbsent((int) (long) index, ChoiceParts::new).absorb(c, chat, delta);
                }
            }
            Usage u = usage(root.get("usage"));
            if (u != null) {
                usage = u; // with continuous usage stats every chunk has it: the last is the total
            }
            JsonNode p = root.get("prompt_token_ids");
            if (topPromptTokenIds == null && p != null && p.isArray()) {
                topPromptTokenIds = tokenIds(p);
            }
        }

        List<InferenceRecord.Choice> choices() {
            return choices.values().stream().map(ChoiceParts::build).toList();
        }

        List<Integer> promptTokenIds() {
            if (topPromptTokenIds != null) {
                return topPromptTokenIds;
            }
            return choices.isEmpty() ? null : choices.firstEntry().getValue().promptTokenIds;
        }
    }

    /** One choice's text, finish reason, token ids and log-probs, as they arrive. */
    private static final class ChoiceParts {
        private final int index;
        private final StringBuilder text = new StringBuilder();
        private String finishReason;
        private List<Integer> tokenIds;
        private boolean tokenIdsUnusable;
        private List<Double> logprobs;
        private boolean logprobsUnusable;
        private List<Integer> promptTokenIds;

        ChoiceParts(int index) {
            this.index = index;
        }

        void absorb(JsonNode c, boolean chat, boolean delta) {
            JsonNode t = chat ? c.path(delta ? "delta" : "message").get("content") : c.get("text");
            if (t != null && t.isTextual()) {
                text.append(t.asText());
            }
            JsonNode f = c.get("finish_reason");
            if (f != null && f.isTextual()) {
                finishReason = f.asText();
            }
            JsonNode ids = c.get("token_ids");
            if (ids != null && ids.isArray()) {
                List<Integer> more = tokenIds(ids);
                if (more == null) {
                    tokenIdsUnusable = true;
                } else if (tokenIds == null) {
                    tokenIds = new ArrayList<>(more);
                } else {
                    tokenIds.addAll(more);
                }
            }
            JsonNode lp = c.get("logprobs");
            if (lp != null && lp.isObject()) {
                addLogprobs(chat ? lp.get("content") : lp.get("token_logprobs"), chat);
            }
            JsonNode p = c.get("prompt_token_ids");
            if (promptTokenIds == null && p != null && p.isArray()) {
                promptTokenIds = tokenIds(p);
            }
        }

        private void addLogprobs(JsonNode list, boolean chat) {
            if (list == null || !list.isArray()) {
                return;
            }
            if (logprobs == null) {
                logprobs = new ArrayList<>();
            }
            for (JsonNode e : list) {
                JsonNode v = chat ? e.get("logprob") : e;
                if (v == null || !v.isNumber() || Double.isNaN(v.asDouble())) {
                    logprobsUnusable = true;
                    return;
                }
                double d = v.asDouble();
                logprobs.add(d == Double.NEGATIVE_INFINITY ? LOGPROB_FLOOR : Math.min(d, 0.0));
            }
        }

        InferenceRecord.Choice build() {
            return new InferenceRecord.Choice(index, text.toString(), finishReason, tokenIdsUnusable ? null : tokenIds,
                    logprobsUnusable ? null : logprobs);
        }
    }
}
