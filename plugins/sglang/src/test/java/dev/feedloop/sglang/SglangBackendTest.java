package dev.feedloop.sglang;

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
import dev.feedloop.contracts.testkit.TinyPeftAdapters;
import dev.feedloop.sglang.FakeSglang.Generation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The SGLang driver against the stand-in: LoRA JSON answers, idempotency, base:adapter naming, NOT_FOUND. */
class SglangBackendTest {
    @TempDir
    Path dir;

    private FakeSglang server;
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

    private void start(FakeSglang.Options options, Map<String, String> extra) throws IOException {
        server = new FakeSglang(options);
        Map<String, String> config = new HashMap<>(Map.of("url", server.url(), "base-model", "tiny-qwen"));
        config.putAll(extra);
        backend = new SglangBackendProvider().create(PluginContext.of("sglang", config));
    }

    private void start() throws IOException {
        start(new FakeSglang.Options(), Map.of());
    }

    private Path adapter(String name, int r) throws IOException {
        return TinyPeftAdapters.write(dir.resolve(name), "/models/tiny-qwen", r);
    }

    private static SampleRequest chat(String model) {
        return new SampleRequest(model, Prompt.chat(List.of(Message.of(Message.Role.USER, "Hi"))), 2, 6, 0.8, 0.95,
                11L, true);
    }

    @Test
    void activationSendsNamePathAndUnpinned() throws Exception {
        start();
        Path a = adapter("a", 8);

        Await.result(backend.activate(new Adapter("policy-v1", a, "tiny-qwen")));

        JsonNode sent = server.requests("/load_lora_adapter").get(0).json();
        assertThat(sent.toString()).isEqualTo("{\"lora_name\":\"policy-v1\",\"lora_path\":\""
                + a.toAbsolutePath() + "\",\"pinned\":false}");
        assertThat(server.loaded()).containsEntry("policy-v1", a.toAbsolutePath().toString());
        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v1");
    }

    @ParameterizedTest(name = "registry errors {0}, LoRARef values {1}")
    @CsvSource({"false, false", "false, true", "true, false", "true, true"})
    void alreadyLoadedFromTheSamePathIsIdempotentInEveryServerVariant(boolean registry, boolean refs)
            throws Exception {
        FakeSglang.Options options = new FakeSglang.Options();
        options.registryErrors = registry;
        options.refValues = refs;
        start(options, Map.of());
        Adapter a = new Adapter("policy-v1", adapter("a", 8), "tiny-qwen");
        Await.result(backend.activate(a));

        Await.result(backend.activate(a));

        assertThat(server.requests("/load_lora_adapter")).hasSize(2);
        assertThat(server.loaded()).hasSize(1);
    }

    @ParameterizedTest(name = "registry errors {0}")
    @ValueSource(booleans = {false, true})
    void alreadyLoadedFromAnotherPathIsRejectedWithTheErrorMessage(boolean registry) throws Exception {
        FakeSglang.Options options = new FakeSglang.Options();
        options.registryErrors = registry;
        start(options, Map.of());
        Await.result(backend.activate(new Adapter("policy-v1", adapter("a", 8), "tiny-qwen")));

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", adapter("b", 8), "tiny-qwen")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining(registry ? "LoRA with name policy-v1 already exists"
                : "Failed to load LoRA adapter policy-v1 because it is already loaded")
                .hasMessageContaining("is loaded from " + dir.resolve("a").toAbsolutePath());
    }

    @Test
    void serverRefusalIsRejectedWithItsErrorMessage() throws Exception {
        start(new FakeSglang.Options(), Map.of("max-lora-rank", "64"));

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", adapter("a", 32), "tiny-qwen")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining("HTTP 400: LoRA adapter policy-v1 with rank 32 is incompatible");
    }

    @Test
    void unservableAdapterIsRefusedBeforeAnyRequest() throws Exception {
        start();

        BackendException rank = Await.failure(backend.activate(new Adapter("p", adapter("r32", 32), "tiny-qwen")));
        BackendException missing = Await.failure(backend.activate(
                new Adapter("p", Files.createDirectories(dir.resolve("empty")), "tiny-qwen")));

        assertThat(rank.reason()).isEqualTo(Reason.REJECTED);
        assertThat(rank).hasMessageContaining("r 32 exceeds the maximum LoRA rank 16");
        assertThat(missing.reason()).isEqualTo(Reason.REJECTED);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void retiringAnUnknownNameIsNotFoundAlthoughSglangSays400() throws Exception {
        start();

        BackendException e = Await.failure(backend.retire("policy-v9"));

        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e).hasMessageContaining("HTTP 400: LoRA with name policy-v9 does not exist.");
    }

    @Test
    void samplingAnAdapterUsesBaseColonAdapterAndTheBaseItsOwnName() throws Exception {
        start();
        Await.result(backend.activate(new Adapter("policy-v1", adapter("a", 8), "tiny-qwen")));

        List<Sample> fromAdapter = Await.result(backend.sample(chat("policy-v1")));
        List<Sample> fromBase = Await.result(backend.sample(chat("tiny-qwen")));

        List<FakeSglang.Request> sent = server.requests("/v1/chat/completions");
        assertThat(sent.get(0).json().get("model").asText()).isEqualTo("tiny-qwen:policy-v1");
        assertThat(sent.get(1).json().get("model").asText()).isEqualTo("tiny-qwen");
        assertThat(sent.get(0).json().has("return_token_ids")).as("no vLLM-only fields").isFalse();
        String messages = sent.get(0).json().get("messages").toString();
        for (Sample s : fromAdapter) {
            Generation g = Generation.of("policy-v1", messages, 11, s.index(), 6);
            assertThat(s.text()).isEqualTo(g.text());
            assertThat(s.logprobs()).isEqualTo(g.logprobs());
            assertThat(s.finishReason()).isEqualTo(g.finishReason());
            assertThat(s.tokenIds()).as("SGLang's OpenAI routes return no token ids").isNull();
        }
        assertThat(fromBase).extracting(Sample::text).doesNotContainAnyElementsOf(
                fromAdapter.stream().map(Sample::text).toList());
    }

    @Test
    void samplingAnAdapterThatIsNotLoadedIsNotFound() throws Exception {
        start();

        BackendException e = Await.failure(backend.sample(chat("policy-v9")));

        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(e).hasMessageContaining("The following requested LoRA adapters are not loaded: policy-v9");
    }

    @Test
    void olderBuildsThatDoNotListAdaptersFallBackToTheLastLoRAAnswer() throws Exception {
        FakeSglang.Options options = new FakeSglang.Options();
        options.listAdapters = false;
        start(options, Map.of());
        assertThat(Await.result(backend.loadedAdapters())).isEmpty();

        Await.result(backend.activate(new Adapter("policy-v1", adapter("a", 8), "tiny-qwen")));
        Await.result(backend.activate(new Adapter("policy-v2", adapter("b", 8), "tiny-qwen")));
        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v1", "policy-v2");

        Await.result(backend.retire("policy-v1"));
        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v2");
    }

    @Test
    void apiKeyIsSentOnLoRAAndOpenAiRoutes() throws Exception {
        FakeSglang.Options options = new FakeSglang.Options();
        options.apiKey = "adm1n";
        start(options, Map.of("api-key", "adm1n"));

        Await.result(backend.activate(new Adapter("policy-v1", adapter("a", 8), "tiny-qwen")));
        Await.result(backend.sample(chat("policy-v1")));

        assertThat(server.requests()).extracting(FakeSglang.Request::authorization).containsOnly("Bearer adm1n");
    }

    @Test
    void missingApiKeyIsRejectedWithTheServersMessage() throws Exception {
        FakeSglang.Options options = new FakeSglang.Options();
        options.apiKey = "adm1n";
        start(options, Map.of());

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", adapter("a", 8), "tiny-qwen")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining("HTTP 401: Unauthorized");
    }

    @Test
    void answersThatAreNotJsonOrAreServerErrorsAreMapped() throws Exception {
        start();
        server.respondOnce("/load_lora_adapter", 200, "Success");
        server.respondOnce("/load_lora_adapter", 503, "{\"object\":\"error\",\"message\":\"overloaded\"}");

        BackendException notJson = Await.failure(backend.activate(new Adapter("p", adapter("a", 8), "tiny-qwen")));
        BackendException unavailable = Await.failure(backend.activate(new Adapter("p", adapter("a", 8), "tiny-qwen")));

        assertThat(notJson.reason()).isEqualTo(Reason.PROTOCOL);
        assertThat(unavailable.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(unavailable).hasMessageContaining("overloaded");
    }
}
