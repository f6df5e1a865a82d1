package dev.feedloop.lorax;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
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
import dev.feedloop.lorax.FakeLorax.Generation;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The LoRAX driver against the stand-in: warm-up, local state, /generate fields and parsing, error mapping. */
class LoraxBackendTest {
    private static final String BASE = "tiny-mistral";

    @TempDir
    Path dir;

    private FakeLorax server;
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

    private void start(Map<String, String> extra) throws IOException {
        FakeLorax.Options options = new FakeLorax.Options();
        options.modelId = BASE;
        server = new FakeLorax(options);
        Map<String, String> config = new HashMap<>(Map.of("url", server.url()));
        config.putAll(extra);
        backend = new LoraxBackendProvider().create(PluginContext.of("lorax", config));
    }

    private Path adapter(String name) throws IOException {
        return TinyPeftAdapters.write(dir.resolve(name), BASE, 8);
    }

    private static SampleRequest text(String model, int n, double temperature, double topP, Long seed) {
        return new SampleRequest(model, Prompt.text("Once upon a time"), n, 5, temperature, topP, seed, true);
    }

    // ------------------------------------------------------------------------------------------ activation

    @Test
    void activationWarmsTheAdapterWithOneTinyLocalGenerate() throws Exception {
        start(Map.of());
        Path a = adapter("a");

        Await.result(backend.activate(new Adapter("policy-v1", a, BASE)));

        JsonNode warm = server.requests("/generate").get(0).json();
        assertThat(warm.toString()).isEqualTo("{\"inputs\":\"Hello\",\"parameters\":{\"adapter_id\":\""
                + a.toAbsolutePath() + "\",\"adapter_source\":\"local\",\"max_new_tokens\":1}}");
        assertThat(server.cachedAdapters()).containsExactly(a.toAbsolutePath().toString());
        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v1");
    }

    @Test
    void aDirectoryWithoutSafetensorsOrWithAnUnservableConfigIsRefusedBeforeAnyRequest() throws Exception {
        start(Map.of("max-lora-rank", "4"));
        Path noWeights = adapter("a");
        Files.delete(noWeights.resolve("adapter_model.safetensors"));

        BackendException missing = Await.failure(backend.activate(new Adapter("p", noWeights, BASE)));
        BackendException rank = Await.failure(backend.activate(new Adapter("p", adapter("b"), BASE)));
        BackendException noConfig = Await.failure(
                backend.activate(new Adapter("p", Files.createDirectories(dir.resolve("c")), BASE)));

        assertThat(missing.reason()).isEqualTo(Reason.REJECTED);
        assertThat(missing).hasMessageContaining("there is no adapter_model.safetensors");
        assertThat(rank).hasMessageContaining("r 8 exceeds the maximum LoRA rank 4");
        assertThat(noConfig).hasMessageContaining("no adapter_config.json");
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void anAdapterLoraxCannotLoadIsRejectedWithItsMessage() throws Exception {
        start(Map.of());
        Path broken = adapter("broken");
        Files.write(broken.resolve("adapter_model.safetensors"), new byte[] {1, 2, 3});

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", broken, BASE)));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining("HTTP 424: Request failed during generation: Server error: Error while "
                + "deserializing header").hasMessageContaining("(generation)");
        assertThat(Await.result(backend.loadedAdapters())).isEmpty();
    }

    @Test
    void activatingANameAgainIsANoOpForTheSamePathAndRejectedForAnother() throws Exception {
        start(Map.of());
        Await.result(backend.activate(new Adapter("policy-v1", adapter("a"), BASE)));

        Await.result(backend.activate(new Adapter("policy-v1", adapter("a"), BASE)));
        BackendException e = Await.failure(backend.activate(new Adapter("policy-v1", adapter("b"), BASE)));

        assertThat(server.requests("/generate")).as("one warm-up only").hasSize(1);
        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining("already active from " + dir.resolve("a").toAbsolutePath());
    }

    @Test
    void retireIsLocalAndUnknownNamesAreNotFound() throws Exception {
        start(Map.of());
        Await.result(backend.activate(new Adapter("policy-v1", adapter("a"), BASE)));
        int before = server.requests().size();

        Await.result(backend.retire("policy-v1"));
        BackendException e = Await.failure(backend.retire("policy-v1"));

        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(server.requests()).hasSize(before);
        assertThat(Await.result(backend.loadedAdapters())).isEmpty();
        BackendException sample = Await.failure(backend.sample(text("policy-v1", 1, 0, 1, null)));
        assertThat(sample.reason()).as("a retired adapter is no longer sampled").isEqualTo(Reason.NOT_FOUND);
    }

    // ------------------------------------------------------------------------------------------ sampling

    @Test
    void greedySamplingSendsDoSampleFalseAndNoTemperatureOrTopP() throws Exception {
        start(Map.of("base-model", BASE));

        Sample s = Await.result(backend.sample(text(BASE, 1, 0.0, 1.0, null))).get(0);

        JsonNode p = server.requests("/generate").get(0).json().get("parameters");
        assertThat(p.toString()).isEqualTo("{\"max_new_tokens\":5,\"do_sample\":false,\"details\":true,"
                + "\"decoder_input_details\":false,\"return_full_text\":false}");
        Generation g = Generation.forSample(null, "Once upon a time", 0.0, null, 5);
        assertThat(s.text()).isEqualTo(g.text());
        assertThat(s.tokenIds()).isEqualTo(g.ids());
        assertThat(s.logprobs()).isEqualTo(g.logprobs());
        assertThat(s.finishReason()).isEqualTo(g.finishReason().equals("eos_token") ? "stop" : "length");
        assertThat(server.requests("/info")).as("base-model is configured").isEmpty();
    }

    @Test
    void nSamplesAreSequentialRequestsWithSeedPlusIndexFromTheAdapter() throws Exception {
        start(Map.of());
        Path a = adapter("a");
        Await.result(backend.activate(new Adapter("policy-v1", a, BASE)));

        List<Sample> samples = Await.result(backend.sample(text("policy-v1", 3, 0.7, 0.9, 100L)));

        List<FakeLorax.Request> sent = server.requests("/generate").subList(1, 4);
        for (int i = 0; i < 3; i++) {
            JsonNode p = sent.get(i).json().get("parameters");
            assertThat(p.get("adapter_id").asText()).isEqualTo(a.toAbsolutePath().toString());
            assertThat(p.get("adapter_source").asText()).isEqualTo("local");
            assertThat(p.get("do_sample").asBoolean()).isTrue();
            assertThat(p.get("temperature").asDouble()).isEqualTo(0.7);
            assertThat(p.get("top_p").asDouble()).isEqualTo(0.9);
            assertThat(p.get("seed").asLong()).isEqualTo(100L + i);
            Generation g = Generation.forSample(a.toAbsolutePath().toString(), "Once upon a time", 0.7, 100L + i, 5);
            assertThat(samples.get(i).index()).isEqualTo(i);
            assertThat(samples.get(i).text()).isEqualTo(g.text());
            assertThat(samples.get(i).tokenIds()).isEqualTo(g.ids());
        }
    }

    @Test
    void topPOfOneIsLeftOutBecauseLoraxRefusesIt() throws Exception {
        start(Map.of("base-model", BASE));

        Await.result(backend.sample(text(BASE, 1, 1.0, 1.0, 5L)));

        JsonNode p = server.requests("/generate").get(0).json().get("parameters");
        assertThat(p.has("top_p")).isFalse();
        assertThat(p.get("do_sample").asBoolean()).as("temperature 1 still samples").isTrue();
    }

    @ParameterizedTest(name = "{0} is {1}")
    @CsvSource({"length, length", "eos_token, stop", "stop_sequence, stop"})
    void finishReasonsAreMappedAndLogprobsFollowTheRequest(String lorax, String expected) throws Exception {
        start(Map.of("base-model", BASE));
        server.respondOnce("/generate", 200, "{\"generated_text\":\" a b\",\"details\":{\"finish_reason\":\"" + lorax
                + "\",\"prompt_tokens\":3,\"generated_tokens\":2,\"seed\":null,\"prefill\":[],\"tokens\":["
                + "{\"id\":11,\"text\":\" a\",\"logprob\":-0.25,\"special\":false},"
                + "{\"id\":12,\"text\":\" b\",\"logprob\":-1.5,\"special\":false,\"alternative_tokens\":[]}]}}");
        server.respondOnce("/generate", 200, "{\"generated_text\":\" a\",\"details\":{\"finish_reason\":\"" + lorax
                + "\",\"tokens\":[{\"id\":11,\"text\":\" a\",\"logprob\":-0.25}]}}");

        Sample with = Await.result(backend.sample(text(BASE, 1, 0, 1, null))).get(0);
        Sample without = Await.result(backend.sample(new SampleRequest(BASE, Prompt.text("x"), 1, 2, 0, 1, null,
                false))).get(0);

        assertThat(with).isEqualTo(new Sample(0, " a b", expected, List.of(11, 12), List.of(-0.25, -1.5)));
        assertThat(without).isEqualTo(new Sample(0, " a", expected, List.of(11), null));
    }

    @Test
    void chatPromptsGoToTheChatRouteOneSampleAtATime() throws Exception {
        start(Map.of("base-model", BASE));
        Path a = adapter("a");
        Await.result(backend.activate(new Adapter("policy-v1", a, BASE)));
        SampleRequest chat = new SampleRequest("policy-v1", Prompt.chat(List.of(Message.of(Message.Role.USER,
                "Hi"))), 2, 4, 0.0, 1.0, 9L, true);

        List<Sample> samples = Await.result(backend.sample(chat));

        List<FakeLorax.Request> sent = server.requests("/v1/chat/completions");
        assertThat(sent).hasSize(2);
        JsonNode first = sent.get(0).json();
        assertThat(first.get("model").asText()).isEqualTo(a.toAbsolutePath().toString());
        assertThat(first.get("adapter_source").asText()).isEqualTo("local");
        assertThat(first.has("n")).as("n would become best_of, which refuses a seed").isFalse();
        assertThat(first.has("top_p")).isFalse();
        assertThat(sent.get(1).json().get("seed").asLong()).isEqualTo(10L);
        assertThat(samples).extracting(Sample::index).containsExactly(0, 1);
        assertThat(samples).allSatisfy(s -> {
            assertThat(s.text()).isNotEmpty();
            assertThat(s.tokenIds()).as("LoRAX's chat route has no token ids").isNull();
            assertThat(s.logprobs()).as("nor log-probs").isNull();
        });
        assertThat(LoraxRequests.finishReason(TextNode.valueOf("content_filter"))).isEqualTo("stop");
    }

    @Test
    void theBaseModelNameComesFromInfoAndOtherNamesAreNotFoundWithoutGenerating() throws Exception {
        start(Map.of());

        Await.result(backend.sample(text(BASE, 1, 0, 1, null)));
        BackendException e = Await.failure(backend.sample(text("policy-v9", 1, 0, 1, null)));

        assertThat(server.requests("/info")).hasSize(1);
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(server.requests("/generate")).hasSize(1);
    }

    @ParameterizedTest(name = "HTTP {0} is {1}")
    @CsvSource({"422, REJECTED, validation", "424, REJECTED, generation", "429, UNAVAILABLE, overloaded",
        "500, UNAVAILABLE, incomplete_generation", "503, UNAVAILABLE, healthcheck"})
    void loraxErrorsMapByStatusAndKeepTheirMessage(int status, Reason reason, String type) throws Exception {
        start(Map.of("base-model", BASE));
        server.respondOnce("/generate", status, "{\"error\":\"something " + type + "\",\"error_type\":\"" + type
                + "\"}");

        BackendException e = Await.failure(backend.sample(text(BASE, 1, 0, 1, null)));

        assertThat(e.reason()).isEqualTo(reason);
        assertThat(e).hasMessageContaining("HTTP " + status + ": something " + type + " (" + type + ")");
    }

    @Test
    void realValidationErrorsComeBackAsRejected() throws Exception {
        start(Map.of("base-model", BASE));
        String body = "{\"inputs\":\"\",\"parameters\":{\"max_new_tokens\":1}}";
        try (HttpJson http = new HttpJson("LoRAX", URI.create(server.url()), null, Duration.ofSeconds(5))) {
            HttpJson.Reply reply = http.post("/generate", HttpJson.JSON.readTree(body)).get();
            BackendException e = http.failure(reply);

            assertThat(e.reason()).isEqualTo(Reason.REJECTED);
            assertThat(e).hasMessageContaining("HTTP 422: Input validation error: `inputs` cannot be empty "
                    + "(validation)");
        }
    }
}
