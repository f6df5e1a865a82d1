package dev.feedloop.lorax;

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
 * A stand-in for a LoRAX router on 127.0.0.1 and an ephemeral port, speaking the documented wire formats:
 *
 * <ul>
 *   <li>{@code POST /generate}: {@code {inputs, parameters}} validated as LoRAX does (422
 *       {@code {"error":"Input validation error: ...","error_type":"validation"}} for an empty input, a
 *       temperature that is not strictly positive, a {@code top_p} outside (0, 1), ...); an adapter that cannot
 *       be loaded from {@code adapter_id} (local source) is 424 {@code error_type} {@code generation}; the
 *       answer is {@code {generated_text, details:{finish_reason, prompt_tokens, generated_tokens, seed,
 *       prefill, tokens:[{id, text, logprob, special}]}}} with {@code details:true};
 *   <li>{@code POST /generate_stream}: axum server-sent events, {@code data:} with no space, one per token,
 *       the last carrying {@code generated_text} and {@code details}; no {@code [DONE]};
 *   <li>{@code POST /v1/chat/completions}: {@code model} = adapter id ({@code ""} or the model id for the
 *       base), {@code adapter_source}; {@code n} becomes {@code best_of}; no log-probs; LoRAX's finish reasons
 *       ({@code stop_sequence} is {@code content_filter});
 *   <li>{@code GET /info}: {@code model_id} and the router limits;
 *   <li>a body that does not deserialize: axum's 422 with a text/plain message.
 * </ul>
 *
 * <p>Adapters are cached by {@code adapter_id} in an LRU of {@link Options#maxActiveAdapters}; generations are
 * deterministic (greedy ones do not depend on the seed).
 */
final class FakeLorax implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EOS = 2;

    /** Router settings. */
    static final class Options {
        String modelId = "mistralai/Mistral-7B-Instruct-v0.1";
        int maxActiveAdapters = 3;
    }

    /** A request as received. */
    record Request(String method, String path, String body) {
        JsonNode json() throws IOException {
            return JSON.readTree(body);
        }
    }

    private record Canned(int status, String body) {}

    private final Options options;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Deque<Canned>> canned = new LinkedHashMap<>();
    private final LinkedHashMap<String, Boolean> adapterCache;

    FakeLorax(Options options) throws IOException {
        this.options = options;
        adapterCache = new LinkedHashMap<>(16, 0.75f, true) {
            private static final long serialVersionUID = 1L;

            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > options.maxActiveAdapters;
            }
        };
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "fake-lorax");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    FakeLorax() throws IOException {
        this(new Options());
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    /** The adapter ids LoRAX holds now, least recently used first. */
    synchronized List<String> cachedAdapters() {
        return List.copyOf(adapterCache.keySet());
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
            requests.add(new Request(ex.getRequestMethod(), path, body));
            Canned c;
            synchronized (this) {
                Deque<Canned> q = canned.get(path);
                c = q == null ? null : q.poll();
            }
            if (c != null) {
                send(ex, c.status(), "application/json", c.body());
                return;
            }
            switch (ex.getRequestMethod() + " " + path) {
                case "GET /info" -> send(ex, 200, "application/json", info());
                case "GET /health" -> send(ex, 200, null, "");
                case "POST /generate" -> generate(ex, body, false);
                case "POST /generate_stream" -> generate(ex, body, true);
                case "POST /v1/chat/completions" -> chat(ex, body);
                default -> send(ex, 404, null, "");
            }
        } catch (RuntimeException e) {
            send(ex, 500, "application/json", error(String.valueOf(e), "incomplete_generation"));
        } finally {
            ex.close();
        }
    }

    private String info() {
        return JSON.createObjectNode().put("model_id", options.modelId).putNull("model_sha")
                .put("model_dtype", "torch.float16").put("model_device_type", "cuda")
                .put("model_pipeline_tag", "lorax").put("max_concurrent_requests", 128).put("max_best_of", 2)
                .put("max_stop_sequences", 4).put("max_input_length", 1024).put("max_total_tokens", 2048)
                .put("waiting_served_ratio", 1.2).put("max_batch_total_tokens", 32000)
                .put("max_waiting_tokens", 20).put("validation_workers", 2).put("version", "0.12.0").putNull("sha")
                .putNull("docker_label").putNull("request_logger_url").toString();
    }

    // ------------------------------------------------------------------------------------------ /generate

    private void generate(HttpExchange ex, String body, boolean stream) throws IOException {
        JsonNode req = JSON.readTree(body);
        if (!req.path("inputs").isTextual()) {
            send(ex, 422, "text/plain; charset=utf-8", "Failed to deserialize the JSON body into the target type: "
                    + "missing field `inputs` at line 1 column " + body.length());
            return;
        }
        JsonNode p = req.path("parameters");
        String invalid = invalid(req.get("inputs").asText(), p);
        if (invalid != null) {
            send(ex, 422, "application/json", error("Input validation error: " + invalid, "validation"));
            return;
        }
        String adapterId = p.path("adapter_id").isTextual() ? p.get("adapter_id").asText() : "";
        if (!adapterId.isEmpty()) {
            String failure = loadAdapter(adapterId, p.path("adapter_source").asText("hub"));
            if (failure != null) {
                send(ex, 424, "application/json", error("Request failed during generation: Server error: "
                        + failure, "generation"));
                return;
            }
        }
        boolean sampling = sampling(p);
        long seed = sampling && p.hasNonNull("seed") ? p.get("seed").asLong() : 0;
        int maxNew = p.hasNonNull("max_new_tokens") ? p.get("max_new_tokens").asInt() : 20;
        Generation g = Generation.of(adapterId, req.get("inputs").asText(), sampling, seed, maxNew);
        ex.getResponseHeaders().set("x-adapter-id", adapterId.isEmpty() ? options.modelId : adapterId);
        ex.getResponseHeaders().set("x-generated-tokens", Integer.toString(g.ids().size()));
        if (stream) {
            stream(ex, g, sampling ? seed : null);
            return;
        }
        ObjectNode resp = JSON.createObjectNode().put("generated_text", g.text());
        if (p.path("details").asBoolean(false)) {
            ObjectNode d = resp.putObject("details").put("finish_reason", g.finishReason()).put("prompt_tokens", 5)
                    .put("generated_tokens", g.ids().size());
            if (sampling) {
                d.put("seed", seed);
            } else {
                d.putNull("seed");
            }
            d.putArray("prefill");
            ArrayNode tokens = d.putArray("tokens");
            for (int k = 0; k < g.ids().size(); k++) {
                tokens.add(g.tokenJson(k));
            }
        }
        send(ex, 200, "application/json", resp.toString());
    }

    /** LoRAX's Validation::validate, in its order; a message, or null. */
    private static String invalid(String inputs, JsonNode p) {
        int bestOf = p.path("best_of").asInt(1);
        if (bestOf > 1 && !sampling(p)) {
            return "you must use sampling when `best_of` is > 1";
        }
        if (p.hasNonNull("temperature") && p.get("temperature").asDouble() <= 0) {
            return "`temperature` must be strictly positive";
        }
        if (p.hasNonNull("top_p") && (p.get("top_p").asDouble() <= 0 || p.get("top_p").asDouble() >= 1)) {
            return "`top_p` must be > 0.0 and < 1.0";
        }
        if (p.hasNonNull("max_new_tokens") && p.get("max_new_tokens").asInt() == 0) {
            return "`max_new_tokens` must be strictly positive";
        }
        if (p.hasNonNull("seed") && bestOf > 1) {
            return "`seed` must not be set when `best_of` > 1";
        }
        if (inputs.isEmpty()) {
            return "`inputs` cannot be empty";
        }
        return null;
    }

    /** TGI's rule: sampling when asked, or when any warper is set (temperature != 1, top_p, top_k, typical_p). */
    private static boolean sampling(JsonNode p) {
        return p.path("do_sample").asBoolean(false)
                || p.hasNonNull("temperature") && p.get("temperature").asDouble() != 1.0
                || p.hasNonNull("top_p") || p.hasNonNull("top_k") || p.hasNonNull("typical_p");
    }

    /** Fetches a local adapter into the LRU cache; the failure message, or null. */
    private synchronized String loadAdapter(String adapterId, String source) throws IOException {
        if (!source.equals("local")) {
            return "Can't load adapter " + adapterId + " from " + source + ": no network in this test";
        }
        Path dir = Path.of(adapterId);
        if (!Files.isRegularFile(dir.resolve("adapter_config.json"))) {
            return "Can't find 'adapter_config.json' at '" + adapterId + "'";
        }
        Path weights = dir.resolve("adapter_model.safetensors");
        if (!Files.isRegularFile(weights) && !Files.isRegularFile(dir.resolve("adapter_model.bin"))) {
            return "No adapter weights found in " + adapterId;
        }
        if (Files.isRegularFile(weights)) {
            byte[] bytes = Files.readAllBytes(weights);
            long n = bytes.length < 8 ? -1 : ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (n < 2 || n > bytes.length - 8 || bytes[8] != '{') {
                return "Error while deserializing header: InvalidHeaderDeserialization";
            }
        }
        adapterCache.put(adapterId, Boolean.TRUE);
        return null;
    }

    private void stream(HttpExchange ex, Generation g, Long seed) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        for (int k = 0; k < g.ids().size(); k++) {
            ObjectNode event = JSON.createObjectNode();
            event.set("token", g.tokenJson(k));
            if (k == g.ids().size() - 1) {
                event.put("generated_text", g.text());
                ObjectNode d = event.putObject("details").put("finish_reason", g.finishReason())
                        .put("prompt_tokens", 5).put("generated_tokens", g.ids().size());
                if (seed == null) {
                    d.putNull("seed");
                } else {
                    d.put("seed", seed);
                }
            } else {
                event.putNull("generated_text");
                event.putNull("details");
            }
            out.write(("data:" + event + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    // ------------------------------------------------------------------------------------------ chat

    private void chat(HttpExchange ex, String body) throws IOException {
        JsonNode req = JSON.readTree(body);
        if (!req.path("model").isTextual() || !req.path("messages").isArray()) {
            send(ex, 422, "text/plain; charset=utf-8", "Failed to deserialize the JSON body into the target type: "
                    + "missing field `model`");
            return;
        }
        String model = req.get("model").asText();
        String adapterId = model.equals(options.modelId) ? "" : model;
        double temperature = req.path("temperature").asDouble(1.0);
        boolean greedy = req.hasNonNull("temperature") && temperature == 0.0;
        ObjectNode p = JSON.createObjectNode().put("do_sample", !greedy);
        if (!greedy && req.hasNonNull("temperature")) {
            p.put("temperature", temperature);
        }
        if (req.hasNonNull("top_p")) {
            p.set("top_p", req.get("top_p"));
        }
        if (req.hasNonNull("seed")) {
            p.set("seed", req.get("seed"));
        }
        if (req.hasNonNull("n")) {
            p.put("best_of", req.get("n").asInt());
        }
        String prompt = req.get("messages").toString();
        String invalid = invalid(prompt, p);
        if (invalid != null) {
            send(ex, 422, "application/json", error("Input validation error: " + invalid, "validation"));
            return;
        }
        if (!adapterId.isEmpty()) {
            String failure = loadAdapter(adapterId, req.path("adapter_source").asText("hub"));
            if (failure != null) {
                send(ex, 424, "application/json", error("Request failed during generation: Server error: "
                        + failure, "generation"));
                return;
            }
        }
        int maxNew = req.hasNonNull("max_tokens") ? req.get("max_tokens").asInt() : 20;
        Generation g = Generation.of(adapterId, prompt, !greedy, req.path("seed").asLong(0), maxNew);
        ObjectNode resp = JSON.createObjectNode().put("id", "null").put("object", "text_completion")
                .put("created", 1730000000).put("system_fingerprint", "0.12.0-native").put("model", model);
        ObjectNode choice = resp.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", g.text());
        choice.put("finish_reason", g.finishReason().equals("length") ? "length" : "stop");
        resp.putObject("usage").put("prompt_tokens", 5).put("total_tokens", 5 + g.ids().size())
                .put("completion_tokens", g.ids().size());
        send(ex, 200, "application/json", resp.toString());
    }

    // ------------------------------------------------------------------------------------------ generation

    /** One deterministic fake generation; greedy ones do not depend on the seed. */
    record Generation(List<Integer> ids, List<Double> logprobs, String finishReason) {
        static Generation of(String adapterId, String prompt, boolean sampling, long seed, int maxNew) {
            long h = mix(adapterId.hashCode() * 31L + prompt.hashCode() * 17L + (sampling ? seed * 13L + 1 : 0));
            int natural = 2 + (int) Math.floorMod(h, 6L);
            int count = Math.min(natural, maxNew);
            List<Integer> ids = new ArrayList<>();
            List<Double> lps = new ArrayList<>();
            for (int k = 0; k < count; k++) {
                long t = mix(h + k);
                boolean eos = natural <= maxNew && k == count - 1;
                ids.add(eos ? EOS : 3 + (int) Math.floorMod(t, 32000L));
                lps.add(-(Math.floorMod(t >>> 24, 900L) / 300.0) - 0.0005);
            }
            return new Generation(ids, lps, natural <= maxNew ? "eos_token" : "length");
        }

        /** Generation for the generate request of a {@link LoraxBackend} sample, as the tests compute it. */
        static Generation forSample(String adapterPath, String prompt, double temperature, Long seed, int maxNew) {
            return of(adapterPath == null ? "" : adapterPath, prompt, temperature > 0, seed == null ? 0 : seed,
                    maxNew);
        }

        boolean special(int k) {
            return ids.get(k) == EOS;
        }

        String tokenText(int k) {
            return special(k) ? "</s>" : " t" + ids.get(k);
        }

        String text() {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < ids.size(); k++) {
                if (!special(k)) {
                    sb.append(tokenText(k));
                }
            }
            return sb.toString();
        }

        ObjectNode tokenJson(int k) {
            return JSON.createObjectNode().put("id", ids.get(k)).put("text", tokenText(k))
                    .put("logprob", logprobs.get(k)).put("special", special(k));
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
            z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
            return z ^ (z >>> 33);
        }
    }

    private static String error(String message, String type) {
        return JSON.createObjectNode().put("error", message).put("error_type", type).toString();
    }

    private static void send(HttpExchange ex, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            ex.getResponseHeaders().set("Content-Type", contentType);
        }
        ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            ex.getResponseBody().write(bytes);
        }
    }
}
