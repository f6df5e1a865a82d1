package dev.feedloop.sglang;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A stand-in for an SGLang server ({@code --enable-lora}), on 127.0.0.1 and an ephemeral port, speaking the
 * documented wire formats:
 *
 * <ul>
 *   <li>{@code POST /load_lora_adapter} and {@code /unload_lora_adapter}: JSON {@code LoRAUpdateOutput}
 *       {@code {success, error_message, loaded_adapters}}, 200 on success and 400 otherwise. A duplicate name
 *       fails as the scheduler does ({@code Failed to load LoRA adapter X because it is already loaded}, with
 *       {@code loaded_adapters}) or, with {@link Options#registryErrors}, as newer builds' registry does
 *       ({@code LoRA with name X already exists...}, {@code loaded_adapters} null). An unknown name on unload:
 *       {@code LoRA with name X does not exist. Loaded LoRAs: ...}, {@code loaded_adapters} null;
 *   <li>{@code loaded_adapters} values are paths, or serialized {@code LoRARef}s with {@link Options#refValues};
 *   <li>{@code GET /v1/models}: the base model, plus adapter cards ({@code root} = path, {@code parent} = base)
 *       unless {@link Options#listAdapters} is off (older builds);
 *   <li>OpenAI routes: {@code model} {@code <base>:<adapter>} split at the first colon; an adapter that is not
 *       loaded is 400 in the flat error shape ({@code The following requested LoRA adapters are not loaded});
 *       deterministic fake completions with per-token log-probs and no token ids; {@code data: } streams;
 *   <li>401 {@code {"error":"Unauthorized"}} without the API key, when one is set.
 * </ul>
 */
final class FakeSglang implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Server settings; defaults mirror {@code --model-path /models/tiny-qwen --served-model-name tiny-qwen}. */
    static final class Options {
        String servedModelName = "tiny-qwen";
        String modelPath = "/models/tiny-qwen";
        int maxLoraRank = 16;
        boolean registryErrors;
        boolean refValues;
        boolean listAdapters = true;
        String apiKey;
    }

    /** A request as received. */
    record Request(String method, String path, String authorization, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private record Lora(String name, String path, String id) {}

    private record Canned(int status, String body) {}

    private final Options options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, Lora> loras = new LinkedHashMap<>();
    private final Map<String, Deque<Canned>> canned = new LinkedHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private int nextId;

    FakeSglang(Options options) throws IOException {
        this.options = options;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-sglang");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    FakeSglang() throws IOException {
        this(new Options());
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    synchronized Map<String, String> loaded() {
        Map<String, String> out = new LinkedHashMap<>();
        loras.values().forEach(l -> out.put(l.name(), l.path()));
        return out;
    }

    synchronized void respondOnce(String path, int status, String body) {
        canned.computeIfAbsent(path, p -> new ArrayDeque<>()).add(new Canned(status, body));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String path = ex.getRequestURI().getPath();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(ex.getRequestMethod(), path, auth, body));
            Canned c;
            synchronized (this) {
                Deque<Canned> q = canned.get(path);
                c = q == null ? null : q.poll();
            }
            if (c != null) {
                send(ex, c.status(), c.body());
            } else if (options.apiKey != null && !("Bearer " + options.apiKey).equals(auth)) {
                send(ex, 401, "{\"error\":\"Unauthorized\"}");
            } else {
                route(ex, ex.getRequestMethod() + " " + path, body);
            }
        } catch (RuntimeException e) {
            send(ex, 500, "{\"object\":\"error\",\"message\":\"" + e + "\",\"type\":\"InternalServerError\","
                    + "\"param\":null,\"code\":500}");
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex, String route, String body) throws IOException {
        switch (route) {
            case "GET /v1/models" -> send(ex, 200, models());
            case "POST /load_lora_adapter" -> load(ex, body);
            case "POST /unload_lora_adapter" -> unload(ex, body);
            case "POST /v1/completions" -> complete(ex, body, false);
            case "POST /v1/chat/completions" -> complete(ex, body, true);
            default -> send(ex, 404, "{\"detail\":\"Not Found\"}");
        }
    }

    // ------------------------------------------------------------------------------------------ LoRA routes

    private void load(HttpExchange ex, String body) throws IOException {
        JsonNode req = JSON.readTree(body);
        if (!req.path("lora_name").isTextual() || !req.path("lora_path").isTextual()) {
            send(ex, 422, "{\"detail\":[{\"type\":\"missing\",\"loc\":[\"body\",\"lora_name\"],"
                    + "\"msg\":\"Field required\"}]}");
            return;
        }
        String name = req.get("lora_name").asText();
        String path = req.get("lora_path").asText();
        synchronized (this) {
            if (loras.containsKey(name)) {
                if (options.registryErrors) {
                    send(ex, 400, output(false, "LoRA with name " + name + " already exists. Loaded LoRAs: "
                            + "dict_keys(" + pythonList() + ")", false));
                } else {
                    send(ex, 400, output(false, "Failed to load LoRA adapter " + name + " because it is already "
                            + "loaded", true));
                }
                return;
            }
            String refusal = refusal(Path.of(path), name);
            if (refusal != null) {
                send(ex, 400, output(false, refusal, true));
                return;
            }
            loras.put(name, new Lora(name, path, Integer.toHexString(0x1000 + nextId++)));
            send(ex, 200, output(true, null, true));
        }
    }

    private void unload(HttpExchange ex, String body) throws IOException {
        JsonNode req = JSON.readTree(body);
        String name = req.path("lora_name").asText();
        synchronized (this) {
            if (loras.remove(name) == null) {
                send(ex, 400, output(false, "LoRA with name " + name + " does not exist. Loaded LoRAs: dict_keys("
                        + pythonList() + ")", false));
                return;
            }
            send(ex, 200, output(true, null, true));
        }
    }

    /** What SGLang's LoRA manager would refuse in a directory, or null; independent of Feedloop's checks. */
    private String refusal(Path dir, String name) throws IOException {
        Path config = dir.resolve("adapter_config.json");
        if (!Files.isRegularFile(config)) {
            return "Repo id must be in the form 'repo_name' or 'namespace/repo_name': '" + dir + "'. Use "
                    + "`repo_type` argument if needed.";
        }
        JsonNode c = JSON.readTree(config.toFile());
        if (c.path("use_dora").asBoolean(false)) {
            return "Failed to load " + name + " because LoRA serving currently doesn't support DoRA adapters";
        }
        if (c.path("r").asInt() > options.maxLoraRank) {
            return "LoRA adapter " + name + " with rank " + c.path("r").asInt() + " is incompatible with the current "
                    + "LoRA memory pool configuration. Please ensure that the LoRA adapter's rank is within the "
                    + "configured `--max-lora-rank` and that the target modules are included in "
                    + "`--lora-target-modules`.";
        }
        if (!Files.isRegularFile(dir.resolve("adapter_model.safetensors"))
                && !Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
            return "No adapter weights found in " + dir;
        }
        return null;
    }

    /** A {@code LoRAUpdateOutput} as ORJSONResponse serializes the dataclass. */
    private String output(boolean success, String error, boolean withAdapters) {
        ObjectNode o = JSON.createObjectNode().put("success", success);
        if (error == null) {
            o.putNull("error_message");
        } else {
            o.put("error_message", error);
        }
        if (!withAdapters) {
            o.putNull("loaded_adapters");
            return o.toString();
        }
        ObjectNode la = o.putObject("loaded_adapters");
        for (Lora l : loras.values()) {
            if (options.refValues) {
                la.putObject(l.name()).put("lora_id", l.id()).put("lora_name", l.name()).put("lora_path", l.path())
                        .put("pinned", false);
            } else {
                la.put(l.name(), l.path());
            }
        }
        return o.toString();
    }

    private String pythonList() {
        List<String> names = new ArrayList<>();
        loras.keySet().forEach(n -> names.add("'" + n + "'"));
        return "[" + String.join(", ", names) + "]";
    }

    private synchronized String models() {
        ObjectNode list = JSON.createObjectNode().put("object", "list");
        ArrayNode data = list.putArray("data");
        ObjectNode base = data.addObject().put("id", options.servedModelName).put("object", "model")
                .put("created", 1730000000).put("owned_by", "sglang").put("root", options.servedModelName);
        base.putNull("parent");
        base.put("max_model_len", 4096);
        if (options.listAdapters) {
            for (Lora l : loras.values()) {
                ObjectNode card = data.addObject().put("id", l.name()).put("object", "model")
                        .put("created", 1730000001).put("owned_by", "sglang").put("root", l.path())
                        .put("parent", options.servedModelName);
                card.putNull("max_model_len");
            }
        }
        return list.toString();
    }

    // ------------------------------------------------------------------------------------------ sampling

    private void complete(HttpExchange ex, String body, boolean chat) throws IOException {
        JsonNode req = JSON.readTree(body);
        String model = req.path("model").asText(options.servedModelName);
        int colon = model.indexOf(':');
        String adapter = colon < 0 ? null : model.substring(colon + 1);
        if (adapter != null) {
            synchronized (this) {
                if (!loras.containsKey(adapter)) {
                    send(ex, 400, "{\"object\":\"error\",\"message\":" + JSON.writeValueAsString(
                            "The following requested LoRA adapters are not loaded: " + adapter + "\nLoaded adapters: "
                            + "dict_keys(" + pythonList() + ").") + ",\"type\":\"BadRequestError\",\"param\":null,"
                            + "\"code\":400}");
                    return;
                }
            }
        }
        for (String vllmOnly : List.of("return_token_ids", "return_tokens_as_token_ids")) {
            if (req.has(vllmOnly)) {
                send(ex, 400, "{\"object\":\"error\",\"message\":\"" + vllmOnly + ": Extra inputs are not permitted\","
                        + "\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
                return;
            }
        }
        if (chat ? !req.path("messages").isArray() : !req.path("prompt").isTextual()) {
            send(ex, 400, "{\"object\":\"error\",\"message\":\"missing prompt\",\"type\":\"BadRequestError\","
                    + "\"param\":null,\"code\":400}");
            return;
        }
        int n = req.path("n").asInt(1);
        int maxTokens = req.path("max_tokens").asInt(16);
        long seed = req.path("seed").asLong(0);
        boolean logprobs = chat ? req.path("logprobs").asBoolean(false) : req.hasNonNull("logprobs");
        String prompt = chat ? req.get("messages").toString() : req.get("prompt").asText();
        String key = adapter == null ? options.servedModelName : adapter;
        if (req.path("stream").asBoolean(false)) {
            stream(ex, model, chat, prompt, key, seed, n, maxTokens);
            return;
        }
        ObjectNode resp = JSON.createObjectNode().put("id", "7f0c").put("object",
                chat ? "chat.completion" : "text_completion").put("created", 1730000000).put("model", model);
        ArrayNode choices = resp.putArray("choices");
        int total = 0;
        for (int i = 0; i < n; i++) {
            Generation g = Generation.of(key, prompt, seed, i, maxTokens);
            total += g.ids().size();
            ObjectNode c = choices.addObject().put("index", i);
            if (chat) {
                ObjectNode msg = c.putObject("message").put("role", "assistant").put("content", g.text());
                msg.putNull("reasoning_content");
                msg.putNull("tool_calls");
            } else {
                c.put("text", g.text());
            }
            if (!logprobs) {
                c.putNull("logprobs");
            } else if (chat) {
                ArrayNode content = c.putObject("logprobs").putArray("content");
                for (int k = 0; k < g.ids().size(); k++) {
                    ObjectNode t = content.addObject().put("token", g.token(k)).put("logprob", g.logprobs().get(k));
                    t.putArray("bytes");
                    t.putArray("top_logprobs");
                }
            } else {
                ObjectNode lp = c.putObject("logprobs");
                ArrayNode offsets = lp.putArray("text_offset");
                ArrayNode values = lp.putArray("token_logprobs");
                ArrayNode tokens = lp.putArray("tokens");
                lp.putArray("top_logprobs");
                for (int k = 0; k < g.ids().size(); k++) {
                    offsets.add(k);
                    values.add(g.logprobs().get(k));
                    tokens.add(g.token(k));
                }
            }
            c.put("finish_reason", g.finishReason());
            c.putNull("matched_stop");
        }
        resp.putObject("usage").put("prompt_tokens", 9).put("total_tokens", 9 + total)
                .put("completion_tokens", total);
        send(ex, 200, resp.toString());
    }

    private void stream(HttpExchange ex, String model, boolean chat, String prompt, String key, long seed, int n,
            int maxTokens) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (int i = 0; i < n; i++) {
            Generation g = Generation.of(key, prompt, seed, i, maxTokens);
            for (int k = 0; k < g.ids().size(); k++) {
                ObjectNode chunk = JSON.createObjectNode().put("id", "7f0c").put("object",
                        chat ? "chat.completion.chunk" : "text_completion").put("model", model);
                ObjectNode c = chunk.putArray("choices").addObject().put("index", i);
                String piece = (k == 0 ? "" : " ") + g.token(k);
                if (chat) {
                    c.putObject("delta").put("content", piece);
                } else {
                    c.put("text", piece);
                }
                if (k == g.ids().size() - 1) {
                    c.put("finish_reason", g.finishReason());
                } else {
                    c.putNull("finish_reason");
                }
                out.write(("data: " + chunk + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** One deterministic fake completion. */
    record Generation(List<Integer> ids, List<Double> logprobs, String finishReason) {
        static Generation of(String model, String prompt, long seed, int index, int maxTokens) {
            long h = mix(model.hashCode() * 31L + prompt.hashCode() * 17L + seed * 13L + index);
            int natural = 2 + (int) Math.floorMod(h, 7L);
            int count = Math.min(natural, maxTokens);
            List<Integer> ids = new ArrayList<>();
            List<Double> lps = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                long t = mix(h + k);
                ids.add(10 + (int) Math.floorMod(t, 150000L));
                lps.add(-(Math.floorMod(t >>> 20, 800L) / 200.0));
            }
            return new Generation(ids, lps, natural <= maxTokens ? "stop" : "length");
        }

        String token(int k) {
            return "t" + ids.get(k);
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < ids.size(); k++) {
                sb.append(k == 0 ? "" : " ").append(token(k));
            }
            return sb.toString();
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
            z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return z ^ (z >>> 33);
        }
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
