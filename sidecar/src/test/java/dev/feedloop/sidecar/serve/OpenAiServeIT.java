package dev.feedloop.sidecar.serve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.feedloop.djl.PolicyEngine;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.PeftBridge;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.djl.model.Scoring;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** {@code feedloop serve} through the official OpenAI Java client and raw HTTP, as applications and drivers use it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiServeIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeRuntime server;
    private OpenAIClient client;
    private final HttpClient http = HttpClient.newHttpClient();
    private Path adapterDir;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 11, TinyCheckpoint.Spec.standard());
        adapterDir = dir.resolve("adapters/tiny-v1");
        try (PolicyEngine engine = PolicyEngine.load(model);
                LoraAdapter a = LoraAdapter.initialize("a", new LoraAdapter.Spec(4, 8, false, 0,
                        EnumSet.of(Projection.Q_PROJ, Projection.V_PROJ, Projection.O_PROJ)), engine.model(), 3)) {
            for (int layer = 0; layer < engine.model().config().numLayers(); layer++) {
                a.b(layer, Projection.V_PROJ).muli(0).addi(0.2f);
                a.b(layer, Projection.O_PROJ).muli(0).addi(-0.15f);
            }
            Files.createDirectories(adapterDir.getParent());
            PeftBridge.write(a, "tiny", adapterDir);
        }
        server = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName("tiny"));
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey("not-needed").build();
    }

    @AfterAll
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode models() throws Exception {
        return JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/models")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
    }

    private static ChatCompletionCreateParams.Builder chat(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Name a prime number above 10.")
                .maxCompletionTokens(12L).temperature(0.0);
    }

    @Test
    void chatNonStreamingAndStreamingGiveTheSameGreedyText() {
        ChatCompletion full = client.chat().completions().create(chat("tiny").build());
        assertThat(full.choices()).hasSize(1);
        String text = full.choices().get(0).message().content().orElseThrow();
        assertThat(full.usage().orElseThrow().completionTokens()).isBetween(1L, 12L);
        assertThat(full.model()).isEqualTo("tiny");

        StringBuilder streamed = new StringBuilder();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(
                chat("tiny").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(c -> {
                chunks.add(c);
                c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append));
            });
        }
        assertThat(streamed.toString()).isEqualTo(text);
        assertThat(chunks.get(0).choices().get(0).delta().role()).isPresent();
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertThat(usage.choices()).isEmpty();
        assertThat(usage.usage().orElseThrow().completionTokens()).isEqualTo(full.usage().orElseThrow().completionTokens());
        assertThat(chunks.stream().flatMap(c -> c.choices().stream()).filter(ch -> ch.finishReason().isPresent())).hasSize(1);
    }

    @Test
    void completionsWithNTwoAndLogprobs() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model("tiny")
                .prompt("The sky is").maxTokens(6L).n(2L).temperature(1.0).seed(5L).logprobs(2L).build());
        assertThat(c.choices()).hasSize(2);
        assertThat(c.choices()).extracting(ch -> ch.index()).containsExactly(0L, 1L);
        for (var ch : c.choices()) {
            var lp = ch.logprobs().orElseThrow();
            assertThat(lp.tokenLogprobs().orElseThrow()).hasSizeBetween(1, 6).allSatisfy(v -> assertThat(v).isLessThanOrEqualTo(0.0));
            assertThat(lp.tokens().orElseThrow()).hasSameSizeAs(lp.tokenLogprobs().orElseThrow());
        }
    }

    @Test
    void chatLogprobsAreTemperatureOneLogProbsOfTheReturnedTokens() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", """
                {"model":"tiny","messages":[{"role":"user","content":"What colour is grass?"}],"max_tokens":6,
                 "temperature":0.7,"seed":3,"logprobs":true,"top_logprobs":3,"return_token_ids":true}""");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(r.body());
        JsonNode choice = body.get("choices").get(0);
        JsonNode ids = choice.get("token_ids");
        JsonNode content = choice.get("logprobs").get("content");
        assertThat(content.size()).isEqualTo(ids.size());
        JsonNode prompt = body.get("prompt_token_ids");
        int[] p = new int[prompt.size()];
        for (int i = 0; i < p.length; i++) {
            p[i] = prompt.get(i).asInt();
        }
        int[] y = new int[ids.size()];
        for (int i = 0; i < y.length; i++) {
            y[i] = ids.get(i).asInt();
        }
        float[] scored = Scoring.responseLogProbs(server.engine().policy().model(),
                LoraRouting.none(), List.of(p), List.of(y)).get(0);
        for (int i = 0; i < y.length; i++) {
            assertThat(content.get(i).get("logprob").asDouble()).isCloseTo(scored[i], within(1e-4));
            assertThat(content.get(i).get("top_logprobs")).hasSize(3);
            assertThat(content.get(i).get("top_logprobs").get(0).get("logprob").asDouble())
                    .isGreaterThanOrEqualTo(content.get(i).get("top_logprobs").get(2).get("logprob").asDouble());
        }
    }

    @Test
    void loadRequestUnloadAnAdapterAtRuntime() throws Exception {
        HttpResponse<String> load = post("/v1/load_lora_adapter", "{\"lora_name\":\"tiny-v1\",\"lora_path\":\"" + adapterDir + "\"}");
        assertThat(load.statusCode()).isEqualTo(200);
        assertThat(load.body()).isEqualTo("Success: LoRA adapter 'tiny-v1' added successfully.");
        assertThat(load.headers().firstValue("Content-Type")).isEmpty();
        JsonNode card = null;
        for (JsonNode m : models().get("data")) {
            if (m.get("id").asText().equals("tiny-v1")) {
                card = m;
            }
        }
        assertThat(card).isNotNull();
        assertThat(card.get("root").asText()).isEqualTo(adapterDir.toString());
        assertThat(card.get("parent").asText()).isEqualTo("tiny");

        HttpResponse<String> again = post("/v1/load_lora_adapter", "{\"lora_name\":\"tiny-v1\",\"lora_path\":\"" + adapterDir + "\"}");
        assertThat(again.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(again.body()).get("error").get("message").asText()).contains("has already been loaded");

        String req = """
                {"model":"%s","messages":[{"role":"user","content":"Which animal barks?"}],"max_tokens":4,"temperature":0,
                 "logprobs":true}""";
        JsonNode base = JSON.readTree(post("/v1/chat/completions", req.formatted("tiny")).body());
        JsonNode lora = JSON.readTree(post("/v1/chat/completions", req.formatted("tiny-v1")).body());
        assertThat(lora.get("model").asText()).isEqualTo("tiny-v1");
        double baseFirst = base.get("choices").get(0).get("logprobs").get("content").get(0).get("logprob").asDouble();
        double loraFirst = lora.get("choices").get(0).get("logprobs").get("content").get(0).get("logprob").asDouble();
        assertThat(loraFirst).isNotCloseTo(baseFirst, within(1e-4));

        HttpResponse<String> unload = post("/v1/unload_lora_adapter", "{\"lora_name\":\"tiny-v1\"}");
        assertThat(unload.statusCode()).isEqualTo(200);
        assertThat(unload.body()).isEqualTo("Success: LoRA adapter 'tiny-v1' removed successfully.");
        List<String> ids = new ArrayList<>();
        models().get("data").forEach(m -> ids.add(m.get("id").asText()));
        assertThat(ids).containsExactly("tiny");
        HttpResponse<String> gone = post("/v1/chat/completions", req.formatted("tiny-v1"));
        assertThat(gone.statusCode()).isEqualTo(404);
        JsonNode error = JSON.readTree(gone.body()).get("error");
        assertThat(error.get("message").asText()).isEqualTo("The model `tiny-v1` does not exist.");
        assertThat(error.get("type").asText()).isEqualTo("NotFoundError");
        assertThat(error.get("code").asInt()).isEqualTo(404);
        assertThat(post("/v1/unload_lora_adapter", "{\"lora_name\":\"tiny-v1\"}").statusCode()).isEqualTo(404);
    }

    @Test
    void malformedRequestsGetVllmErrorBodies() throws Exception {
        assertError(post("/v1/chat/completions", "{not json"), 400, "not valid JSON");
        assertError(post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[]}"), 400, "non-empty list");
        assertError(post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"stream_options\":{\"include_usage\":true}}"), 400, "Stream options can only be defined when `stream=True`.");
        assertError(post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"max_tokens\":100000}"), 400, "maximum context length is 512 tokens");
        assertError(post("/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"temperature\":\"hot\"}"), 400, "'temperature' must be a number");
        assertError(post("/v1/completions", "{\"model\":\"tiny\",\"prompt\":[99999]}"), 400, "out of vocabulary range");
        assertError(post("/v1/load_lora_adapter", "{\"lora_name\":\"x\"}"), 400, "Both 'lora_name' and 'lora_path' must be provided.");
        assertError(post("/v1/load_lora_adapter", "{\"lora_name\":\"x\",\"lora_path\":\"/nonexistent/adapter\"}"), 404, "No adapter found");
        HttpResponse<String> tokens = post("/tokenize", "{\"model\":\"tiny\",\"prompt\":\"The sky is blue\"}");
        assertThat(tokens.statusCode()).isEqualTo(200);
        JsonNode t = JSON.readTree(tokens.body());
        assertThat(t.get("count").asInt()).isEqualTo(t.get("tokens").size()).isPositive();
        assertThat(http.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
    }

    private static void assertError(HttpResponse<String> r, int status, String message) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertThat(e.get("code").asInt()).isEqualTo(status);
        assertThat(e.get("message").asText()).contains(message);
        assertThat(e.has("type")).isTrue();
    }
}
