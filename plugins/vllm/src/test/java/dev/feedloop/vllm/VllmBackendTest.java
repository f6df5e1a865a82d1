package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.Adapter;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.contracts.spi.ServingBackend.Sample;
import dev.feedloop.contracts.spi.ServingBackend.SampleRequest;
import dev.feedloop.vllm.FakeVllm.Generation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The vLLM driver in API mode against the stand-in: request bodies, parsing, idempotency, refusals, errors. */
class VllmBackendTest {
    @TempDir
    Path dir;

    private FakeVllm server;
    private ServingBackend backend;

    @AfterEach
    void close() {
        if (backend != null) {
            backend.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private ServingBackend start(FakeVllm.Options options, Map<String, String> extra) throws IOException {
        server = new FakeVllm(options);
        Map<String, String> config = new HashMap<>(extra);
        config.put("url", server.url());
        backend = new VllmBackendProvider().create(PluginContext.of("vllm", config));
        return backend;
    }

    private ServingBackend start() throws IOException {
        return start(new FakeVllm.Options(), Map.of());
    }

    private static SampleRequest chat(String model, int n, boolean logprobs) {
        Prompt prompt = Prompt.chat(List.of(Message.of(Message.Role.SYSTEM, "Be brief."),
                new Message(Message.Role.USER, "Name a prime.", "alice")));
        return new SampleRequest(model, prompt, n, 8, 0.7, 0.9, 42L, logprobs);
    }

    // ------------------------------------------------------------------------------------------ sampling

    @Test
    void chatSampleSendsTheVllmFieldsAndReadsTokensAndLogprobs() throws Exception {
        start();

        List<Sample> samples = Await.result(backend.sample(chat("tiny-llama", 3, true)));

        JsonNode sent = server.requests("/v1/chat/completions").get(0).json();
        assertThat(server.requests("/v1/chat/completions").get(0).contentType()).isEqualTo("application/json");
        assertThat(sent.get("model").asText()).isEqualTo("tiny-llama");
        assertThat(sent.get("messages").toString()).isEqualTo("[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Name a prime.\",\"name\":\"alice\"}]");
        assertThat(sent.get("n").asInt()).isEqualTo(3);
        assertThat(sent.get("max_tokens").asInt()).isEqualTo(8);
        assertThat(sent.get("temperature").asDouble()).isEqualTo(0.7);
        assertThat(sent.get("top_p").asDouble()).isEqualTo(0.9);
        assertThat(sent.get("seed").asLong()).isEqualTo(42);
        assertThat(sent.get("logprobs").isBoolean()).as("chat logprobs is a boolean").isTrue();
        assertThat(sent.get("return_token_ids").asBoolean()).isTrue();
        assertThat(sent.get("return_tokens_as_token_ids").asBoolean()).isTrue();
        assertThat(sent.get("stream").asBoolean()).isFalse();

        assertThat(samples).extracting(Sample::index).containsExactly(0, 1, 2);
        for (Sample s : samples) {
            Generation g = Generation.of("tiny-llama", sent.get("messages").toString(), 42, s.index(), 8);
            assertThat(s.text()).isEqualTo(g.text());
            assertThat(s.tokenIds()).isEqualTo(g.ids());
            assertThat(s.logprobs()).isEqualTo(g.logprobs());
            assertThat(s.finishReason()).isEqualTo(g.finishReason());
        }
    }

    @Test
    void textSampleUsesCompletionsWithAnIntegerLogprobs() throws Exception {
        start();
        SampleRequest request = new SampleRequest("tiny-llama", Prompt.text("2 + 2 ="), 1, 2, 0.0, 1.0, null, true);

        Sample s = Await.result(backend.sample(request)).get(0);

        JsonNode sent = server.requests("/v1/completions").get(0).json();
        assertThat(sent.get("prompt").asText()).isEqualTo("2 + 2 =");
        assertThat(sent.get("logprobs").isInt()).as("completions logprobs is the top-k count").isTrue();
        assertThat(sent.get("logprobs").asInt()).isEqualTo(1);
        assertThat(sent.has("seed")).as("no seed was asked for").isFalse();
        Generation g = Generation.of("tiny-llama", "2 + 2 =", 0, 0, 2);
        assertThat(s.text()).isEqualTo(g.text());
        assertThat(s.tokenIds()).isEqualTo(g.ids()).hasSize(2);
        assertThat(s.logprobs()).isEqualTo(g.logprobs());
        assertThat(s.finishReason()).isEqualTo("length");
    }

    @Test
    void withoutLogprobsTheyAreNotAskedForNorReturned() throws Exception {
        start();

        Sample s = Await.result(backend.sample(chat("tiny-llama", 1, false))).get(0);

        assertThat(server.requests("/v1/chat/completions").get(0).json().has("logprobs")).isFalse();
        assertThat(s.logprobs()).isNull();
        assertThat(s.tokenIds()).isNotEmpty();
    }

    @ParameterizedTest(name = "legacy error shape: {0}")
    @ValueSource(booleans = {false, true})
    void unknownModelIsNotFoundWithTheServersMessage(boolean legacy) throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.legacyErrors = legacy;
        start(options, Map.of());

        BackendException e = Await.failure(backend.sample(chat("policy-v9", 1, false)));

        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e).hasMessageContaining("HTTP 404: The model `policy-v9` does not exist. (NotFoundError)");
    }

    @Test
    void promptWithNeitherMessagesNorTextIsRejectedWithoutARequest() throws Exception {
        start();

        BackendException e = Await.failure(backend.sample(
                new SampleRequest("tiny-llama", new Prompt(null, null, null), 1, 4, 0, 1, null, false)));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void serverErrorsAndGarbageMapToUnavailableAndProtocol() throws Exception {
        start();
        server.respondOnce("/v1/chat/completions", 503, "application/json",
                "{\"error\":{\"message\":\"engine is sleeping\",\"type\":\"ServiceUnavailableError\",\"code\":503}}");
        server.respondOnce("/v1/chat/completions", 200, "application/json", "{\"id\":\"x\",\"object\":\"chat\"}");
        server.respondOnce("/v1/chat/completions", 200, "text/plain", "not json");

        BackendException unavailable = Await.failure(backend.sample(chat("tiny-llama", 1, false)));
        BackendException noChoices = Await.failure(backend.sample(chat("tiny-llama", 1, false)));
        BackendException notJson = Await.failure(backend.sample(chat("tiny-llama", 1, false)));

        assertThat(unavailable.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(unavailable).hasMessageContaining("engine is sleeping");
        assertThat(noChoices.reason()).isEqualTo(Reason.PROTOCOL);
        assertThat(noChoices).hasMessageContaining("without a \"choices\" list");
        assertThat(notJson.reason()).isEqualTo(Reason.PROTOCOL);
        assertThat(notJson).hasMessageContaining("not JSON: not json");
    }

    @Test
    void apiKeyIsSentAsBearerTokenAndAWrongOneIsRejected() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.apiKey = "s3cret";
        start(options, Map.of("api-key", "s3cret"));

        Await.result(backend.loadedAdapters());
        assertThat(server.requests().get(0).authorization()).isEqualTo("Bearer s3cret");

        backend.close();
        backend = new VllmBackendProvider().create(PluginContext.of("vllm",
                Map.of("url", server.url(), "api-key", "wrong")));
        BackendException e = Await.failure(backend.loadedAdapters());
        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining("HTTP 401: Unauthorized");
    }

    // ------------------------------------------------------------------------------------------ activation

    @Test
    void activationPostsNameAndAbsolutePathAndConfirmsTheListing() throws Exception {
        start();
        Path adapter = Adapters.servable(dir.resolve("policy-v1"));

        Await.result(backend.activate(new Adapter("policy-v1", adapter, "tiny-llama")));

        FakeVllm.Request load = server.requests("/v1/load_lora_adapter").get(0);
        assertThat(load.contentType()).isEqualTo("application/json");
        assertThat(load.json().get("lora_name").asText()).isEqualTo("policy-v1");
        assertThat(load.json().get("lora_path").asText()).isEqualTo(adapter.toAbsolutePath().toString());
        assertThat(server.loaded()).containsEntry("policy-v1", adapter.toAbsolutePath().toString());
        assertThat(server.requests()).extracting(FakeVllm.Request::path)
                .containsExactly("/v1/load_lora_adapter", "/v1/models");
        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v1");
    }

    @Test
    void alreadyLoadedFromTheSamePathIsSuccess() throws Exception {
        start();
        Path adapter = Adapters.servable(dir.resolve("policy-v1"));
        Adapter a = new Adapter("policy-v1", adapter, "tiny-llama");
        Await.result(backend.activate(a));

        Await.result(backend.activate(new Adapter("policy-v1", dir.resolve("./policy-v1/"), "tiny-llama")));

        assertThat(server.requests("/v1/load_lora_adapter")).hasSize(2);
        assertThat(server.loaded()).hasSize(1);
    }

    @ParameterizedTest(name = "legacy error shape: {0}")
    @ValueSource(booleans = {false, true})
    void alreadyLoadedFromAnotherPathIsRejectedWithTheServersMessage(boolean legacy) throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.legacyErrors = legacy;
        start(options, Map.of());
        Await.result(backend.activate(new Adapter("policy-v1", Adapters.servable(dir.resolve("a")), "tiny-llama")));

        BackendException e = Await.failure(
                backend.activate(new Adapter("policy-v1", Adapters.servable(dir.resolve("b")), "tiny-llama")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining("The lora adapter 'policy-v1' has already been loaded")
                .hasMessageContaining("is loaded from " + dir.resolve("a").toAbsolutePath());
    }

    static Stream<Arguments> unservable() {
        return Stream.of(
                Arguments.of("rank 32 above max-lora-rank 16", (Maker) d -> Adapters.withRank(d, 32),
                        "r 32 exceeds the maximum LoRA rank 16"),
                Arguments.of("bias all", (Maker) d -> Adapters.withBias(d, "all"), "bias is 'all'"),
                Arguments.of("DoRA", (Maker) Adapters::withDora, "use_dora is true"),
                Arguments.of("modules_to_save", (Maker) Adapters::withModulesToSave, "modules_to_save is [lm_head]"),
                Arguments.of("no adapter_config.json", (Maker) Files::createDirectories, "no adapter_config.json"),
                Arguments.of("no weights", (Maker) d -> {
                    Adapters.servable(d);
                    Files.delete(d.resolve("adapter_model.safetensors"));
                    return d;
                }, "there is no adapter_model.safetensors"));
    }

    /** Writes an adapter directory. */
    @FunctionalInterface
    interface Maker {
        Path make(Path dir) throws IOException;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("unservable")
    void unservableAdapterIsRefusedBeforeAnyRequest(String what, Maker maker, String reason) throws Exception {
        start();
        Path adapter = maker.make(dir.resolve("bad"));

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", adapter, "tiny-llama")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining(reason);
        assertThat(server.requests()).as("requests sent").isEmpty();
    }

    @Test
    void allReasonsAreListedAtOnce() throws Exception {
        start();
        Path adapter = Adapters.withModulesToSave(dir.resolve("bad"));
        Files.writeString(adapter.resolve("adapter_config.json"), Files.readString(adapter.resolve(
                "adapter_config.json")).replace("\"use_dora\": false", "\"use_dora\": true"));

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", adapter, "tiny-llama")));

        assertThat(e).hasMessageContaining("use_dora is true").hasMessageContaining("modules_to_save is [lm_head]");
    }

    @ParameterizedTest(name = "engine error status {0}")
    @ValueSource(ints = {400, 500})
    void engineRefusalBeyondTheDriversChecksCarriesTheMessage(int status) throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.engineErrorStatus = status;
        start(options, Map.of("max-lora-rank", "64"));
        Path adapter = Adapters.withRank(dir.resolve("r32"), 32);

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", adapter, "tiny-llama")));

        // 2025-era vLLM answers engine refusals with 400, current builds with 500: only 400 can be told apart
        assertThat(e.reason()).isEqualTo(status == 400 ? Reason.REJECTED : Reason.UNAVAILABLE);
        assertThat(e).hasMessageContaining("LoRA rank 32 is greater than max_lora_rank 16.");
    }

    @Test
    void runtimeLoraUpdatingDisabledIsNotFoundWithAHint() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.runtimeLoraUpdating = false;
        start(options, Map.of());

        BackendException e = Await.failure(
                backend.activate(new Adapter("policy-v1", Adapters.servable(dir.resolve("a")), "tiny-llama")));

        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e).hasMessageContaining("HTTP 404: Not Found")
                .hasMessageContaining("VLLM_ALLOW_RUNTIME_LORA_UPDATING");
    }

    // ------------------------------------------------------------------------------------------ retirement

    @Test
    void retireUnloadsAndUnknownIsNotFound() throws Exception {
        start();
        Await.result(backend.activate(new Adapter("policy-v1", Adapters.servable(dir.resolve("a")), "tiny-llama")));

        Await.result(backend.retire("policy-v1"));
        BackendException e = Await.failure(backend.retire("policy-v1"));

        assertThat(server.requests("/v1/unload_lora_adapter").get(0).json().get("lora_name").asText())
                .isEqualTo("policy-v1");
        assertThat(server.loaded()).isEmpty();
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e).hasMessageContaining("The lora adapter 'policy-v1' cannot be found.");
    }

    @Test
    void loadedAdaptersAreTheCardsWithAParent() throws Exception {
        start();
        server.respondOnce("/v1/models", 200, "application/json", "{\"object\":\"list\",\"data\":["
                + "{\"id\":\"tiny-llama\",\"root\":\"/models/tiny-llama\",\"parent\":null,\"extra\":{\"x\":1}},"
                + "{\"id\":\"a\",\"root\":\"/adapters/a\",\"parent\":\"tiny-llama\"},"
                + "{\"id\":\"b\",\"object\":\"model\",\"parent\":\"tiny-llama\"},{\"object\":\"model\"}]}");

        assertThat(Await.result(backend.loadedAdapters())).containsExactly("a", "b");
    }
}
