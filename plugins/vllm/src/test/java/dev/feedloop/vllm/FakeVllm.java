package dev.feedloop.vllm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A stand-in for a vLLM OpenAI-compatible server (and, with {@link Options#peftSource}, for a NIM that scans
 * {@code NIM_PEFT_SOURCE}), on 127.0.0.1 and an ephemeral port, speaking the documented wire formats:
 *
 * <ul>
 *   <li>{@code POST /v1/load_lora_adapter} / {@code /v1/unload_lora_adapter}: 200 with a plain-text body and
 *       <b>no</b> Content-Type; 400 {@code InvalidUserInput} for an already-loaded name or empty fields; 404
 *       {@code NotFoundError} for a missing path or an unknown name; 415 for a non-JSON Content-Type; 422 in
 *       FastAPI's own {@code {"detail":[...]}} shape for a missing field; engine refusals (rank, bias, DoRA,
 *       {@code modules_to_save}, target modules, no weights) with {@link Options#engineErrorStatus};
 *   <li>{@code GET /v1/models} with base and LoRA cards ({@code root}, {@code parent});
 *   <li>{@code /v1/completions} and {@code /v1/chat/completions}, non-streaming and streaming ({@code data: }
 *       events, {@code data: [DONE]}), with deterministic fake tokens: text, {@code token_ids} (with
 *       {@code return_token_ids}), per-token log-probs (rendered {@code token_id:N} with
 *       {@code return_tokens_as_token_ids}); an unknown model is 404 {@code The model `X` does not exist.};
 *   <li>errors in the newer nested shape, or the flat pre-mid-2025 shape with {@link Options#legacyErrors};
 *   <li>the filesystem resolver with {@link Options#resolverDir}: an unknown model name that is a directory
 *       there, with {@code peft_type} LORA and {@code base_model_name_or_path} equal to {@link Options#model},
 *       is loaded on first use.
 * </ul>
 *
 * <p>State (loaded adapters by name and path) is real and guarded by this object's lock. Every request is
 * recorded for assertions.
 */
final class FakeVllm implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SUPPORTED_MODULES =
            Set.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    /** Server settings; the defaults mirror {@code vllm serve /models/tiny-llama --served-model-name tiny-llama}. */
    static final class Options {
        String servedModelName = "tiny-llama";
        String model = "/models/tiny-llama";
        int maxLoraRank = 16;
        boolean legacyErrors;
        int engineErrorStatus = 500;
        boolean runtimeLoraUpdating = true;
        Path resolverDir;
        String apiKey;
        /** NIM: the directory scanned every {@link #refresh}; null for plain vLLM. */
        Path peftSource;
        Duration refresh = Duration.ofMillis(50);
        /** NIM 2.x dynamic LoRA unloads adapters whose directory disappeared; 1.x does not. */
        boolean unloadRemoved = true;
        /** NIM versions that put {@code parent: null} on adapter cards. */
        boolean adapterParentNull;
    }

    /** A request as received. */
    record Request(String method, String path, String contentType, String authorization, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private record Lora(String name, String path, int id) {}

    private record Canned(int status, String contentType, String body, Duration delay) {}

    private final Options options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ScheduledExecutorService scanner;
    private final Map<String, Lora> loras = new LinkedHashMap<>();
    private final Map<String, Deque<Canned>> canned = new LinkedHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private int nextLoraId = 1;

    FakeVllm(Options options) throws IOException {
        this.options = options;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-vllm");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        if (options.peftSource != null) {
            scanner = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "fake-nim-scan");
                t.setDaemon(true);
                return t;
            });
            long ms = options.refresh.toMillis();
            scanner.scheduleWithFixedDelay(this::scan, ms, ms, TimeUnit.MILLISECONDS);
        } else {
            scanner = null;
        }
    }

    FakeVllm() throws IOException {
        this(new Options());
    }

    /** The base URL, {@code http://127.0.0.1:<port>}. */
    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every request received so far, in order. */
    List<Request> requests() {
        return List.copyOf(requests);
    }

    /** The requests to one path. */
    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** Answers the next request to {@code path} with this response instead of handling it. */
    synchronized void respondOnce(String path, int status, String contentType, String body) {
        canned.computeIfAbsent(path, p -> new ArrayDeque<>()).add(new Canned(status, contentType, body, Duration.ZERO));
    }

    /** Delays the next request to {@code path} before handling it normally. */
    synchronized void stallOnce(String path, Duration delay) {
        canned.computeIfAbsent(path, p -> new ArrayDeque<>()).add(new Canned(0, null, null, delay));
    }

    /** Loaded adapters: name to path. */
    synchronized Map<String, String> loaded() {
        Map<String, String> out = new LinkedHashMap<>();
        loras.values().forEach(l -> out.put(l.name(), l.path()));
        return out;
    }

    @Override
    public void close() {
        if (scanner != null) {
            scanner.shutdownNow();
        }
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------------------------------ dispatch

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Content-Type"),
                    ex.getRequestHeaders().getFirst("Authorization"), body));
            Canned c = nextCanned(path);
            if (c != null && c.delay().isZero()) {
                send(ex, c.status(), c.contentType(), c.body());
                return;
            }
            if (c != null) {
                sleep(c.delay());
            }
            if (options.apiKey != null && path.startsWith("/v1")
                    && !("Bearer " + options.apiKey).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "application/json", "{\"error\":\"Unauthorized\"}");
                return;
            }
            route(ex, ex.getRequestMethod(), path, body);
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", error(500, "InternalServerError", String.valueOf(e), null));
        } finally {
            ex.close();
        }
    }

    private synchronized Canned nextCanned(String path) {
        Deque<Canned> q = canned.get(path);
        return q == null ? null : q.poll();
    }

    private void route(HttpExchange ex, String method, String path, String body) throws IOException {
        boolean lora = options.runtimeLoraUpdating && options.peftSource == null;
        if (method.equals("GET") && path.equals("/v1/models")) {
            send(ex, 200, "application/json", models());
        } else if (method.equals("POST") && path.equals("/v1/load_lora_adapter") && lora) {
            if (jsonContentType(ex)) {
                load(ex, body);
            }
        } else if (method.equals("POST") && path.equals("/v1/unload_lora_adapter") && lora) {
            if (jsonContentType(ex)) {
                unload(ex, body);
            }
        } else if (method.equals("POST") && (path.equals("/v1/completions") || path.equals("/v1/chat/completions"))) {
            if (jsonContentType(ex)) {
                complete(ex, body, path.equals("/v1/chat/completions"));
            }
        } else {
            send(ex, 404, "application/json", "{\"detail\":\"Not Found\"}");
        }
    }

    /** vLLM's validate_json_request: 415 unless the Content-Type is JSON. */
    private boolean jsonContentType(HttpExchange ex) throws IOException {
        String ct = ex.getRequestHeaders().getFirst("Content-Type");
        if (ct != null && ct.toLowerCase().startsWith("application/json")) {
            return true;
        }
        send(ex, 415, "application/json", error(415, "Unsupported Media Type",
                "Unsupported Media Type: Only 'application/json' is allowed", null));
        return false;
    }

    // ------------------------------------------------------------------------------------------ LoRA routes

    private void load(HttpExchange ex, String body) throws IOException {
        JsonNode req = JSON.readTree(body);
        List<String> missing = new ArrayList<>();
        for (String f : List.of("lora_name", "lora_path")) {
            if (req.get(f) == null || !req.get(f).isTextual()) {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            ArrayNode detail = JSON.createArrayNode();
            for (String f : missing) {
                detail.addObject().put("type", "missing").put("msg", "Field required").set("loc",
                        JSON.createArrayNode().add("body").add(f));
            }
            send(ex, 422, "application/json", JSON.createObjectNode().set("detail", detail).toString());
            return;
        }
        String name = req.get("lora_name").asText();
        String path = req.get("lora_path").asText();
        if (name.isEmpty() || path.isEmpty()) {
            send(ex, 400, "application/json", error(400, "InvalidUserInput",
                    "Both 'lora_name' and 'lora_path' must be provided.", null));
            return;
        }
        synchronized (this) {
            if (loras.containsKey(name)) {
                send(ex, 400, "application/json", error(400, "InvalidUserInput", "The lora adapter '" + name
                        + "' has already been loaded. If you want to load the adapter in place, set 'load_inplace'"
                        + " to True.", null));
                return;
            }
            if (!Files.isDirectory(Path.of(path))) {
                send(ex, 404, "application/json", error(404, "NotFoundError",
                        "Loading lora " + name + " failed: No adapter found for " + path, null));
                return;
            }
            String refusal = engineRefusal(Path.of(path));
            if (refusal != null) {
                int status = options.engineErrorStatus;
                send(ex, status, "application/json",
                        error(status, status == 400 ? "BadRequestError" : "InternalServerError", refusal, null));
                return;
            }
            loras.put(name, new Lora(name, path, nextLoraId++));
        }
        send(ex, 200, null, "Success: LoRA adapter '" + name + "' added successfully.");
    }

    private void unload(HttpExchange ex, String body) throws IOException {
        JsonNode req = JSON.readTree(body);
        JsonNode n = req.get("lora_name");
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            send(ex, 400, "application/json", error(400, "InvalidUserInput",
                    "'lora_name' needs to be provided to unload a LoRA adapter.", null));
            return;
        }
        String name = n.asText();
        synchronized (this) {
            if (loras.remove(name) == null) {
                send(ex, 404, "application/json", error(404, "NotFoundError",
                        "The lora adapter '" + name + "' cannot be found.", null));
                return;
            }
        }
        send(ex, 200, null, "Success: LoRA adapter '" + name + "' removed successfully.");
    }

    /** What vLLM's engine would refuse in an adapter directory, or null. Independent of Feedloop's own checks. */
    private String engineRefusal(Path dir) throws IOException {
        Path configFile = dir.resolve("adapter_config.json");
        if (!Files.isRegularFile(configFile)) {
            return "No adapter_config.json found in " + dir;
        }
        JsonNode config = JSON.readTree(configFile.toFile());
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(weights) && !Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
            return dir + " doesn't contain tensors";
        }
        if (Files.isRegularFile(weights)) {
            String bad = safetensorsProblem(weights);
            if (bad != null) {
                return bad;
            }
        }
        int rank = config.path("r").asInt(0);
        for (JsonNode v : config.path("rank_pattern")) {
            rank = Math.max(rank, v.asInt());
        }
        if (rank > options.maxLoraRank) {
            return "LoRA rank " + rank + " is greater than max_lora_rank " + options.maxLoraRank + ".";
        }
        if (!config.path("bias").asText("none").equals("none")) {
            return "Adapter bias is not supported.";
        }
        if (config.path("use_dora").asBoolean(false)) {
            return "vLLM does not yet support DoRA.";
        }
        if (config.hasNonNull("modules_to_save")) {
            return "vLLM only supports modules_to_save being None.";
        }
        List<String> targets = new ArrayList<>();
        config.path("target_modules").forEach(t -> targets.add(t.asText()));
        if (targets.isEmpty() || !SUPPORTED_MODULES.containsAll(targets)) {
            return "While loading " + dir + ", expected target modules in " + SUPPORTED_MODULES + " but received "
                    + targets;
        }
        return null;
    }

    /** The safetensors checks that matter here: header length, JSON header, LoRA key names, full coverage. */
    private static String safetensorsProblem(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 8) {
            return "Error while deserializing header: HeaderTooSmall";
        }
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n > bytes.length - 8) {
            return "Error while deserializing header: InvalidHeaderLength";
        }
        JsonNode header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        long covered = 0;
        for (Map.Entry<String, JsonNode> e : header.properties()) {
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            if (!e.getKey().endsWith(".lora_A.weight") && !e.getKey().endsWith(".lora_B.weight")) {
                return "base_model.model." + e.getKey() + " is unsupported LoRA weight";
            }
            covered = Math.max(covered, e.getValue().path("data_offsets").path(1).asLong());
        }
        return covered == bytes.length - 8 - n ? null : "Error while deserializing header: MetadataIncompleteBuffer";
    }

    private synchronized String models() {
        ObjectNode list = JSON.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        ObjectNode base = data.addObject().put("id", options.servedModelName).put("object", "model")
                .put("created", 1715644056).put("owned_by", "vllm").put("root", options.model);
        base.putNull("parent");
        base.put("max_model_len", 2048);
        base.putArray("permission").addObject().put("id", "modelperm-0").put("object", "model_permission");
        for (Lora l : loras.values()) {
            ObjectNode card = data.addObject().put("id", l.name()).put("object", "model").put("created", 1715644057)
                    .put("owned_by", "vllm").put("root", l.path());
            if (options.adapterParentNull) {
                card.putNull("parent");
            } else {
                card.put("parent", options.servedModelName);
            }
            card.putNull("max_model_len");
            card.putArray("permission");
        }
        return list.toString();
    }

    // ------------------------------------------------------------------------------------------ resolver / NIM

    /** The resolver's lookup for an unknown name: null if it does not resolve; else a refusal or "". */
    private synchronized String resolve(String name) throws IOException {
        if (options.resolverDir == null) {
            return null;
        }
        Path dir = options.resolverDir.resolve(name);
        Path config = dir.resolve("adapter_config.json");
        if (!Files.isRegularFile(config)) {
            return null;
        }
        JsonNode c = JSON.readTree(config.toFile());
        if (!"LORA".equals(c.path("peft_type").asText()) || !options.model.equals(c.path("base_model_name_or_path")
                .asText())) {
            return null;
        }
        String refusal = engineRefusal(dir);
        if (refusal != null) {
            return refusal;
        }
        loras.put(name, new Lora(name, dir.toString(), nextLoraId++));
        return "";
    }

    private void scan() {
        try (Stream<Path> list = Files.list(options.peftSource)) {
            List<Path> dirs = list.filter(Files::isDirectory).toList();
            synchronized (this) {
                List<String> present = new ArrayList<>();
                for (Path d : dirs) {
                    String name = d.getFileName().toString();
                    present.add(name);
                    if (!loras.containsKey(name) && engineRefusal(d) == null) {
                        loras.put(name, new Lora(name, d.toString(), nextLoraId++));
                    }
                }
                if (options.unloadRemoved) {
                    loras.keySet().retainAll(present);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a directory vanished mid-scan; the next scan sees a consistent state
        }
    }

    // ------------------------------------------------------------------------------------------ sampling

    private void complete(HttpExchange ex, String body, boolean chat) throws IOException {
        JsonNode req = JSON.readTree(body);
        String model = req.path("model").asText(options.servedModelName);
        boolean known;
        synchronized (this) {
            known = model.equals(options.servedModelName) || loras.containsKey(model);
        }
        if (!known) {
            String resolved = resolve(model);
            if (resolved == null) {
                String message = options.resolverDir == null ? "The model `" + model + "` does not exist."
                        : "LoRA adapter " + model + " does not exist";
                send(ex, 404, "application/json", error(404, "NotFoundError", message, "model"));
                return;
            }
            if (!resolved.isEmpty()) {
                send(ex, 400, "application/json", error(400, "BadRequestError",
                        "LoRA adapter '" + model + "' was found but could not be loaded.", null));
                return;
            }
        }
        String invalid = invalid(req, chat);
        if (invalid != null) {
            send(ex, 400, "application/json", error(400, "BadRequestError", invalid, null));
            return;
        }
        int n = req.path("n").asInt(1);
        int maxTokens = req.path("max_tokens").asInt(16);
        long seed = req.path("seed").asLong(0);
        boolean logprobs = chat ? req.path("logprobs").asBoolean(false) : req.hasNonNull("logprobs");
        boolean tokenIds = req.path("return_token_ids").asBoolean(false);
        boolean asIds = req.path("return_tokens_as_token_ids").asBoolean(false);
        String prompt = chat ? req.get("messages").toString() : req.get("prompt").asText();
        List<Generation> gens = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            gens.add(Generation.of(model, prompt, seed, i, maxTokens));
        }
        if (req.path("stream").asBoolean(false)) {
            stream(ex, model, chat, gens);
            return;
        }
        ObjectNode resp = JSON.createObjectNode().put("id", (chat ? "chatcmpl-" : "cmpl-") + Math.abs(seed))
                .put("object", chat ? "chat.completion" : "text_completion").put("created", 1730000000)
                .put("model", model);
        ArrayNode choices = resp.putArray("choices");
        for (int i = 0; i < n; i++) {
            Generation g = gens.get(i);
            ObjectNode c = choices.addObject().put("index", i);
            if (chat) {
                ObjectNode msg = c.putObject("message").put("role", "assistant").put("content", g.text());
                msg.putNull("reasoning");
                msg.putArray("tool_calls");
            } else {
                c.put("text", g.text());
            }
            if (!logprobs) {
                c.putNull("logprobs");
            } else if (chat) {
                ArrayNode content = c.putObject("logprobs").putArray("content");
                for (int k = 0; k < g.ids().size(); k++) {
                    ObjectNode t = content.addObject().put("token", g.token(k, asIds)).put("logprob", g.logprobs()
                            .get(k));
                    ArrayNode bytes = t.putArray("bytes");
                    for (byte b : g.token(k, false).getBytes(StandardCharsets.UTF_8)) {
                        bytes.add(b & 0xff);
                    }
                    t.putArray("top_logprobs");
                }
            } else {
                ObjectNode lp = c.putObject("logprobs");
                ArrayNode offsets = lp.putArray("text_offset");
                ArrayNode values = lp.putArray("token_logprobs");
                ArrayNode tokens = lp.putArray("tokens");
                ArrayNode top = lp.putArray("top_logprobs");
                int offset = 0;
                for (int k = 0; k < g.ids().size(); k++) {
                    offsets.add(offset);
                    offset += g.token(k, false).length() + 1;
                    values.add(g.logprobs().get(k));
                    tokens.add(g.token(k, asIds));
                    top.addObject().put(g.token(k, asIds), g.logprobs().get(k));
                }
            }
            c.put("finish_reason", g.finishReason());
            c.putNull("stop_reason");
            if (tokenIds) {
                ArrayNode ids = c.putArray("token_ids");
                g.ids().forEach(ids::add);
            } else {
                c.putNull("token_ids");
            }
            if (!chat) {
                c.putNull("prompt_logprobs");
                c.putNull("prompt_token_ids");
            }
        }
        int completion = gens.stream().mapToInt(g -> g.ids().size()).sum();
        resp.putObject("usage").put("prompt_tokens", 12).put("total_tokens", 12 + completion)
                .put("completion_tokens", completion).putNull("prompt_tokens_details");
        resp.putNull("prompt_logprobs");
        if (tokenIds && chat) {
            resp.putArray("prompt_token_ids").add(1).add(2).add(3);
        } else {
            resp.putNull("prompt_token_ids");
        }
        resp.putNull("kv_transfer_params");
        send(ex, 200, "application/json", resp.toString());
    }

    /** Checks the sampling fields' types and ranges as vLLM's request models do; a message, or null. */
    private static String invalid(JsonNode req, boolean chat) {
        if (chat) {
            if (!req.path("messages").isArray() || req.path("messages").isEmpty()) {
                return "messages: Field required";
            }
            if (req.has("logprobs") && !req.get("logprobs").isBoolean()) {
                return "logprobs: Input should be a valid boolean";
            }
        } else {
            if (!req.path("prompt").isTextual()) {
                return "prompt: Input should be a valid string";
            }
            if (req.hasNonNull("logprobs") && (!req.get("logprobs").isInt() || req.get("logprobs").asInt() < 0)) {
                return "logprobs: Input should be a valid integer";
            }
        }
        if (req.has("n") && (!req.get("n").isInt() || req.get("n").asInt() < 1)) {
            return "n must be at least 1, got " + req.get("n");
        }
        if (req.has("max_tokens") && (!req.get("max_tokens").isInt() || req.get("max_tokens").asInt() < 1)) {
            return "max_tokens must be at least 1, got " + req.get("max_tokens");
        }
        if (req.has("temperature") && (!req.get("temperature").isNumber() || req.get("temperature").asDouble() < 0)) {
            return "temperature must be non-negative, got " + req.get("temperature");
        }
        if (req.has("top_p") && (!req.get("top_p").isNumber() || req.get("top_p").asDouble() <= 0
                || req.get("top_p").asDouble() > 1)) {
            return "top_p must be in (0, 1], got " + req.get("top_p");
        }
        if (req.has("seed") && !req.get("seed").isIntegralNumber()) {
            return "seed: Input should be a valid integer";
        }
        for (String flag : List.of("return_token_ids", "return_tokens_as_token_ids", "stream")) {
            if (req.has(flag) && !req.get(flag).isBoolean()) {
                return flag + ": Input should be a valid boolean";
            }
        }
        return null;
    }

    private void stream(HttpExchange ex, String model, boolean chat, List<Generation> gens) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        String object = chat ? "chat.completion.chunk" : "text_completion";
        for (int i = 0; i < gens.size(); i++) {
            Generation g = gens.get(i);
            if (chat) {
                ObjectNode first = chunk(object, model);
                ObjectNode c = first.putArray("choices").addObject().put("index", i);
                c.putObject("delta").put("role", "assistant").put("content", "");
                c.putNull("logprobs");
                c.putNull("finish_reason");
                event(out, first);
            }
            for (int k = 0; k < g.ids().size(); k++) {
                ObjectNode chunk = chunk(object, model);
                ObjectNode c = chunk.putArray("choices").addObject().put("index", i);
                String piece = (k == 0 ? "" : " ") + g.token(k, false);
                if (chat) {
                    c.putObject("delta").put("content", piece);
                } else {
                    c.put("text", piece);
                }
                if (k == g.ids().size() - 1) {
                    c.put("finish_reason", g.finishReason());
                }
                event(out, chunk);
            }
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static ObjectNode chunk(String object, String model) {
        return JSON.createObjectNode().put("id", "cmpl-stream").put("object", object).put("created", 1730000000)
                .put("model", model);
    }

    private static void event(OutputStream out, ObjectNode chunk) throws IOException {
        out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One deterministic fake completion: a function of model, prompt, seed and index only. */
    record Generation(List<Integer> ids, List<Double> logprobs, String finishReason) {
        static Generation of(String model, String prompt, long seed, int index, int maxTokens) {
            long h = mix(model.hashCode() * 31L + prompt.hashCode() * 17L + seed * 13L + index);
            int natural = 3 + (int) Math.floorMod(h, 6L);
            int count = Math.min(natural, maxTokens);
            List<Integer> ids = new ArrayList<>();
            List<Double> lps = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                long t = mix(h + k);
                ids.add(100 + (int) Math.floorMod(t, 30000L));
                lps.add(-(Math.floorMod(t >>> 16, 1000L) / 250.0) - 0.001);
            }
            return new Generation(ids, lps, natural <= maxTokens ? "stop" : "length");
        }

        String token(int k, boolean asId) {
            return asId ? "token_id:" + ids.get(k) : "w" + ids.get(k);
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < ids.size(); k++) {
                sb.append(k == 0 ? "" : " ").append(token(k, false));
            }
            return sb.toString();
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
            z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return z ^ (z >>> 33);
        }
    }

    // ------------------------------------------------------------------------------------------ wire helpers

    /** An error body in the configured vLLM shape. */
    private String error(int code, String type, String message, String param) {
        ObjectNode e = JSON.createObjectNode();
        ObjectNode target = options.legacyErrors ? e.put("object", "error") : e.putObject("error");
        target.put("message", message).put("type", type);
        if (param == null) {
            target.putNull("param");
        } else {
            target.put("param", param);
        }
        target.put("code", code);
        return e.toString();
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
