package dev.feedloop.sidecar.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.djl.hf.Tokenizer;
import dev.feedloop.djl.model.Generator;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded engine's HTTP surface, speaking vLLM's OpenAI-compatible protocol
 * ({@code reference/serving.md} §1): {@code /v1/chat/completions}, {@code /v1/completions} (JSON and SSE),
 * {@code /v1/models}, {@code /tokenize}, {@code /health}, and, when runtime LoRA updating is allowed,
 * {@code /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}.
 *
 * <p>Threading: handlers run on the event loop and never block. Tokenization and template rendering
 * run on Vert.x worker threads ({@code executeBlocking}); generation runs on the engine's own threads,
 * which hand every response chunk back to this verticle's context.
 */
public final class OpenAiServer extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiServer.class);
    private static final long BODY_LIMIT = 4L * 1024 * 1024;

    private final ServingEngine engine;
    private final String host;
    private final int port;
    private HttpServer server;

    public OpenAiServer(ServingEngine engine, String host, int port) {
        this.engine = engine;
        this.host = host;
        this.port = port;
    }

    /** The bound port (after start). */
    public int actualPort() {
        return server.actualPort();
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.route().handler(BodyHandler.create().setBodyLimit(BODY_LIMIT));
        router.get("/health").handler(ctx -> ctx.response().setStatusCode(200).end());
        router.get("/v1/models").handler(this::models);
        router.post("/v1/chat/completions").handler(ctx -> generate(ctx, true));
        router.post("/v1/completions").handler(ctx -> generate(ctx, false));
        router.post("/tokenize").handler(this::tokenize);
        if (engine.options().runtimeLoraUpdating()) {
            LOG.warn("LoRA dynamic loading & unloading is enabled in the API server (VLLM_ALLOW_RUNTIME_LORA_UPDATING).");
            router.post("/v1/load_lora_adapter").handler(this::loadAdapter);
            router.post("/v1/unload_lora_adapter").handler(this::unloadAdapter);
        }
        router.route().last().handler(ctx -> error(ctx.response(), new VllmError(404, "NotFoundError", null, "Not Found")));
        router.errorHandler(413, ctx -> error(ctx.response(), new VllmError(413, "BadRequestError", null,
                "request body larger than " + BODY_LIMIT + " bytes")));
        server = vertx.createHttpServer();
        return server.requestHandler(router).listen(port, host);
    }

    private void models(RoutingContext ctx) {
        ObjectNode root = Responses.JSON.createObjectNode();
        root.put("object", "list");
        ArrayNode data = root.putArray("data");
        int maxLen = engine.policy().model().config().maxPositionEmbeddings();
        for (ServingEngine.Card c : engine.models()) {
            ObjectNode card = data.addObject();
            card.put("id", c.id());
            card.put("object", "model");
            card.put("created", c.created());
            card.put("owned_by", "feedloop");
            card.put("root", c.root());
            if (c.parent() == null) {
                card.putNull("parent");
                card.put("max_model_len", maxLen);
            } else {
                card.put("parent", c.parent());
                card.putNull("max_model_len");
            }
            ArrayNode perm = card.putArray("permission");
            ObjectNode p = perm.addObject();
            p.put("id", "modelperm-" + UUID.nameUUIDFromBytes(c.id().getBytes(StandardCharsets.UTF_8)));
            p.put("object", "model_permission");
            p.put("created", c.created());
            p.put("allow_create_engine", false);
            p.put("allow_sampling", true);
            p.put("allow_logprobs", true);
            p.put("allow_search_indices", false);
            p.put("allow_view", true);
            p.put("allow_fine_tuning", false);
            p.put("organization", "*");
            p.putNull("group");
            p.put("is_blocking", false);
        }
        json(ctx.response(), 200, root);
    }

    private void tokenize(RoutingContext ctx) {
        JsonNode body = body(ctx);
        if (body == null) {
            return;
        }
        vertx.executeBlocking(() -> {
            Tokenizer tok = engine.policy().tokenizer();
            int[] ids;
            if (body.has("messages")) {
                OpenAiRequest parsed = OpenAiRequest.chat(withDefaultMaxTokens(body), engine);
                ids = parsed.prompts().get(0);
            } else if (body.path("prompt").isTextual()) {
                ids = tok.encode(body.get("prompt").asText(), body.path("add_special_tokens").asBoolean(true));
            } else {
                throw VllmError.badRequest("prompt", "'prompt' (a string) or 'messages' is required");
            }
            ObjectNode o = Responses.JSON.createObjectNode();
            o.put("count", ids.length);
            o.put("max_model_len", engine.policy().model().config().maxPositionEmbeddings());
            o.set("tokens", Responses.ids(ids));
            o.putNull("token_strs");
            return o;
        }, false).onComplete(ar -> {
            if (ar.succeeded()) {
                json(ctx.response(), 200, ar.result());
            } else {
                failure(ctx.response(), ar.cause());
            }
        });
    }

    private static JsonNode withDefaultMaxTokens(JsonNode body) {
        ObjectNode copy = ((ObjectNode) body).deepCopy();
        copy.put("max_tokens", 1);
        return copy;
    }

    private void loadAdapter(RoutingContext ctx) {
        if (!isJson(ctx)) {
            error(ctx.response(), new VllmError(415, "BadRequestError", null, "Unsupported Media Type: Only 'application/json' is allowed"));
            return;
        }
        JsonNode body = body(ctx);
        if (body == null) {
            return;
        }
        String name = body.path("lora_name").asText("");
        String path = body.path("lora_path").asText("");
        if (name.isEmpty() || path.isEmpty()) {
            error(ctx.response(), VllmError.badRequest("Both 'lora_name' and 'lora_path' must be provided."));
            return;
        }
        vertx.executeBlocking(() -> {
            engine.load(name, Path.of(path));
            return null;
        }, false).onComplete(ar -> {
            if (ar.succeeded()) {
                // vLLM answers a plain string without a content type
                ctx.response().setStatusCode(200).end("Success: LoRA adapter '" + name + "' added successfully.");
            } else {
                failure(ctx.response(), ar.cause());
            }
        });
    }

    private void unloadAdapter(RoutingContext ctx) {
        JsonNode body = body(ctx);
        if (body == null) {
            return;
        }
        String name = body.path("lora_name").asText("");
        if (name.isEmpty()) {
            error(ctx.response(), VllmError.badRequest("'lora_name' needs to be provided to unload a LoRA adapter."));
            return;
        }
        try {
            engine.unload(name);
            ctx.response().setStatusCode(200).end("Success: LoRA adapter '" + name + "' removed successfully.");
        } catch (VllmError e) {
            error(ctx.response(), e);
        }
    }

    private void generate(RoutingContext ctx, boolean chat) {
        JsonNode body = body(ctx);
        if (body == null) {
            return;
        }
        HttpServerResponse response = ctx.response();
        Context context = this.context;
        String requestId = ctx.request().getHeader("X-Request-Id");
        vertx.executeBlocking(() -> chat ? OpenAiRequest.chat(body, engine) : OpenAiRequest.completion(body, engine), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        failure(response, ar.cause());
                        return;
                    }
                    OpenAiRequest req = ar.result();
                    ServingEngine.Resident model;
                    try {
                        model = engine.acquire(req.model());
                    } catch (VllmError e) {
                        error(response, e);
                        return;
                    }
                    String publicName = req.model() != null ? req.model() : engine.baseName();
                    Session session = new Session(req, publicName, response, context, requestId);
                    ServingEngine.Job job = new ServingEngine.Job(req.prompts(), req.params(), model, session);
                    response.closeHandler(v -> job.cancel());
                    if (!engine.submit(job)) {
                        engine.release(model);
                        response.putHeader("Retry-After", "1");
                        error(response, new VllmError(503, "ServiceUnavailableError", null,
                                "The server is overloaded: the generation queue is full. Retry later."));
                        return;
                    }
                    if (req.stream()) {
                        response.setStatusCode(200).setChunked(true)
                                .putHeader("Content-Type", "text/event-stream; charset=utf-8")
                                .putHeader("Cache-Control", "no-cache");
                        session.started.set(true);
                    }
                });
    }

    /** One request's response: streams chunks as tokens arrive, or writes the whole body at the end. */
    private final class Session implements ServingEngine.JobSink {
        private final OpenAiRequest req;
        private final String model;
        private final HttpServerResponse response;
        private final Context context;
        private final String id;
        private final long created = System.currentTimeMillis() / 1000;
        private final Choice[] choices;
        private final AtomicBoolean started = new AtomicBoolean();
        private final int maxStop;

        /** @param requestId the client's {@code X-Request-Id}, which vLLM uses as the response id's suffix, or null */
        Session(OpenAiRequest req, String model, HttpServerResponse response, Context context, String requestId) {
            this.req = req;
            this.model = model;
            this.response = response;
            this.context = context;
            this.id = (req.chat() ? "chatcmpl-" : "cmpl-")
                    + (requestId != null ? requestId : UUID.randomUUID().toString().replace("-", ""));
            int n = req.params().n();
            this.choices = new Choice[req.prompts().size() * n];
            for (int i = 0; i < choices.length; i++) {
                choices[i] = new Choice();
            }
            this.maxStop = req.params().stop().stream().mapToInt(String::length).max().orElse(0);
        }

        private Choice choice(int request, int sample) {
            return choices[request * req.params().n() + sample];
        }

        @Override
        public void onToken(int request, int sample, int token, float logprob, int[] topIds, float[] topLogprobs) {
            Choice c = choice(request, sample);
            c.ids.add(token);
            c.lps.add(logprob);
            c.topIds.add(topIds);
            c.topLps.add(topLogprobs);
            if (!req.stream()) {
                return;
            }
            Tokenizer tok = engine.policy().tokenizer();
            String full = tok.decode(toInts(c.ids), true);
            int safe = full.length() - Math.max(0, maxStop - 1);
            while (safe > 0 && full.charAt(safe - 1) == '\uFFFD') {
                safe--; // an incomplete UTF-8 sequence: wait for the rest
            }
            String delta = safe > c.emitted ? full.substring(c.emitted, safe) : "";
            c.emitted = Math.max(c.emitted, safe);
            if (delta.isEmpty() && !req.logprobs() && !req.returnTokenIds() && (c.roleSent || !req.chat())) {
                return; // nothing to say yet (held back for a possible stop string or an incomplete character)
            }
            ObjectNode chunk = chunk(request * req.params().n() + sample, c, delta, c.ids.size() - 1, c.ids.size(), null);
            send(chunk);
        }

        @Override
        public void onFinish(int request, int sample, Generator.Sample result) {
            if (!req.stream()) {
                return;
            }
            Choice c = choice(request, sample);
            String rest = result.text().length() > c.emitted ? result.text().substring(c.emitted) : "";
            c.emitted = result.text().length();
            ObjectNode chunk = chunk(request * req.params().n() + sample, c, rest, c.ids.size(), c.ids.size(), result);
            send(chunk);
        }

        private ObjectNode chunk(int index, Choice c, String text, int from, int to, Generator.Sample finished) {
            ObjectNode o = Responses.JSON.createObjectNode();
            o.put("id", id);
            o.put("object", req.chat() ? "chat.completion.chunk" : "text_completion");
            o.put("created", created);
            o.put("model", model);
            ArrayNode arr = o.putArray("choices");
            ObjectNode ch = arr.addObject();
            ch.put("index", index);
            Tokenizer tok = engine.policy().tokenizer();
            int[] ids = toInts(c.ids);
            float[] lps = toFloats(c.lps);
            if (req.chat()) {
                ObjectNode delta = ch.putObject("delta");
                if (!c.roleSent) {
                    delta.put("role", "assistant");
                    c.roleSent = true;
                }
                delta.put("content", text);
                if (req.logprobs() && to > from) {
                    ch.putObject("logprobs").set("content", Responses.chatLogprobs(tok, req, ids, lps, c.topIds, c.topLps, from, to));
                } else {
                    ch.putNull("logprobs");
                }
            } else {
                ch.put("text", text);
                if (req.logprobs() && to > from) {
                    ch.set("logprobs", Responses.completionLogprobs(tok, req, ids, lps, c.topIds, c.topLps, from, to, c.textOffset));
                } else {
                    ch.putNull("logprobs");
                }
                c.textOffset += text.length();
            }
            if (req.returnTokenIds() && to > from) {
                ArrayNode t = ch.putArray("token_ids");
                for (int i = from; i < to; i++) {
                    t.add(ids[i]);
                }
            }
            if (finished == null) {
                ch.putNull("finish_reason");
            } else {
                ch.put("finish_reason", finished.finishReason());
                Responses.stopReason(ch, finished);
            }
            return o;
        }

        @Override
        public void onComplete(List<List<Generator.Sample>> results) {
            if (req.stream()) {
                StringBuilder tail = new StringBuilder();
                if (req.includeUsage()) {
                    ObjectNode o = Responses.JSON.createObjectNode();
                    o.put("id", id);
                    o.put("object", req.chat() ? "chat.completion.chunk" : "text_completion");
                    o.put("created", created);
                    o.put("model", model);
                    o.putArray("choices");
                    o.set("usage", usage(results));
                    tail.append("data: ").append(o).append("\n\n");
                }
                tail.append("data: [DONE]\n\n");
                String text = tail.toString();
                context.runOnContext(v -> {
                    if (!response.ended() && !response.closed()) {
                        response.end(text);
                    }
                });
                return;
            }
            ObjectNode body = req.chat() ? chatBody(results) : completionBody(results);
            context.runOnContext(v -> json(response, 200, body));
        }

        @Override
        public void onError(Throwable error) {
            context.runOnContext(v -> {
                if (response.ended() || response.closed()) {
                    return;
                }
                if (started.get()) {
                    VllmError e = new VllmError(500, "InternalServerError", null, "generation failed: " + error.getMessage());
                    response.end("data: " + e.body() + "\n\ndata: [DONE]\n\n");
                } else {
                    failure(response, error);
                }
            });
        }

        private void send(ObjectNode chunk) {
            String event = "data: " + chunk + "\n\n";
            context.runOnContext(v -> {
                if (!response.ended() && !response.closed()) {
                    response.write(event);
                }
            });
        }

        private ObjectNode usage(List<List<Generator.Sample>> results) {
            int prompt = req.prompts().stream().mapToInt(p -> p.length).sum();
            int completion = results.stream().flatMap(List::stream).mapToInt(s -> s.tokenIds().length).sum();
            return Responses.usage(prompt, completion);
        }

        private ObjectNode chatBody(List<List<Generator.Sample>> results) {
            ObjectNode o = Responses.JSON.createObjectNode();
            o.put("id", id);
            o.put("object", "chat.completion");
            o.put("created", created);
            o.put("model", model);
            ArrayNode arr = o.putArray("choices");
            Tokenizer tok = engine.policy().tokenizer();
            List<Generator.Sample> samples = results.get(0);
            for (int i = 0; i < samples.size(); i++) {
                Generator.Sample s = samples.get(i);
                ObjectNode ch = arr.addObject();
                ch.put("index", i);
                ObjectNode msg = ch.putObject("message");
                msg.put("role", "assistant");
                msg.put("content", s.text());
                msg.putNull("reasoning");
                msg.putArray("tool_calls");
                if (req.logprobs()) {
                    ch.putObject("logprobs").set("content", Responses.chatLogprobs(tok, req, s.tokenIds(), s.logprobs(),
                            s.topIds(), s.topLogprobs(), 0, s.tokenIds().length));
                } else {
                    ch.putNull("logprobs");
                }
                ch.put("finish_reason", s.finishReason());
                Responses.stopReason(ch, s);
                if (req.returnTokenIds()) {
                    ch.set("token_ids", Responses.ids(s.tokenIds()));
                } else {
                    ch.putNull("token_ids");
                }
            }
            o.set("usage", usage(results));
            o.putNull("prompt_logprobs");
            if (req.returnTokenIds()) {
                o.set("prompt_token_ids", Responses.ids(req.prompts().get(0)));
            } else {
                o.putNull("prompt_token_ids");
            }
            o.putNull("kv_transfer_params");
            return o;
        }

        private ObjectNode completionBody(List<List<Generator.Sample>> results) {
            ObjectNode o = Responses.JSON.createObjectNode();
            o.put("id", id);
            o.put("object", "text_completion");
            o.put("created", created);
            o.put("model", model);
            ArrayNode arr = o.putArray("choices");
            Tokenizer tok = engine.policy().tokenizer();
            int index = 0;
            for (int p = 0; p < results.size(); p++) {
                for (Generator.Sample s : results.get(p)) {
                    ObjectNode ch = arr.addObject();
                    ch.put("index", index++);
                    ch.put("text", s.text());
                    if (req.logprobs()) {
                        ch.set("logprobs", Responses.completionLogprobs(tok, req, s.tokenIds(), s.logprobs(), s.topIds(),
                                s.topLogprobs(), 0, s.tokenIds().length, 0));
                    } else {
                        ch.putNull("logprobs");
                    }
                    ch.put("finish_reason", s.finishReason());
                    Responses.stopReason(ch, s);
                    if (req.returnTokenIds()) {
                        ch.set("token_ids", Responses.ids(s.tokenIds()));
                        ch.set("prompt_token_ids", Responses.ids(req.prompts().get(p)));
                    } else {
                        ch.putNull("token_ids");
                        ch.putNull("prompt_token_ids");
                    }
                    ch.putNull("prompt_logprobs");
                }
            }
            o.set("usage", usage(results));
            o.putNull("system_fingerprint");
            return o;
        }
    }

    /** Per-choice streaming state. */
    private static final class Choice {
        final List<Integer> ids = new ArrayList<>();
        final List<Float> lps = new ArrayList<>();
        final List<int[]> topIds = new ArrayList<>();
        final List<float[]> topLps = new ArrayList<>();
        int emitted;
        int textOffset;
        boolean roleSent;
    }

    private static int[] toInts(List<Integer> xs) {
        int[] out = new int[xs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = xs.get(i);
        }
        return out;
    }

    private static float[] toFloats(List<Float> xs) {
        float[] out = new float[xs.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = xs.get(i);
        }
        return out;
    }

    private static boolean isJson(RoutingContext ctx) {
        String ct = ctx.request().getHeader("Content-Type");
        return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/json");
    }

    /** The parsed JSON body, or null after answering 400. */
    private static JsonNode body(RoutingContext ctx) {
        try {
            String text = ctx.body().asString();
            if (text == null || text.isBlank()) {
                error(ctx.response(), VllmError.badRequest("the request body must be a JSON object"));
                return null;
            }
            return Responses.JSON.readTree(text);
        } catch (IOException e) {
            error(ctx.response(), VllmError.badRequest("the request body is not valid JSON: " + e.getMessage().lines().findFirst().orElse("")));
            return null;
        }
    }

    private static void failure(HttpServerResponse response, Throwable t) {
        if (t instanceof VllmError e) {
            error(response, e);
        } else {
            LOG.error("request failed", t);
            error(response, new VllmError(500, "InternalServerError", null, String.valueOf(t.getMessage())));
        }
    }

    static void error(HttpServerResponse response, VllmError e) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(e.status()).putHeader("Content-Type", "application/json").end(e.body());
    }

    private static void json(HttpServerResponse response, int status, JsonNode body) {
        if (response.ended() || response.closed()) {
            return;
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json").end(body.toString());
    }
}
