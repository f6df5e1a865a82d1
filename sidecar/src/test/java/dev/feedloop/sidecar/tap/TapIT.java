package dev.feedloop.sidecar.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.djl.PolicyEngine;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.PeftBridge;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import dev.feedloop.sidecar.swap.RoutingTable;
import dev.feedloop.sidecar.testing.KafkaBrokerExtension;
import dev.feedloop.sidecar.testing.TapFixture;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tap in front of {@code feedloop serve} (vLLM's protocol on the embedded engine), driven by the
 * official OpenAI Java client, capturing into a real broker with the default redactor.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(KafkaBrokerExtension.class)
class TapIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeRuntime serve;
    private TapFixture tap;
    private OpenAIClient direct;
    private OpenAIClient tapped;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path dir, EmbeddedKafka kafka) throws Exception {
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 11, TinyCheckpoint.Spec.standard());
        Map<String, Path> adapters = new LinkedHashMap<>();
        try (PolicyEngine engine = PolicyEngine.load(model)) {
            for (int v = 1; v <= 2; v++) {
                try (LoraAdapter a = LoraAdapter.initialize("a", new LoraAdapter.Spec(4, 8, false, 0,
                        EnumSet.of(Projection.Q_PROJ, Projection.V_PROJ, Projection.O_PROJ)), engine.model(), v)) {
                    for (int layer = 0; layer < engine.model().config().numLayers(); layer++) {
                        a.b(layer, Projection.V_PROJ).muli(0).addi(0.2f * v);
                        a.b(layer, Projection.O_PROJ).muli(0).addi(-0.15f * v);
                    }
                    Path out = dir.resolve("adapters/assistant-v" + v);
                    Files.createDirectories(out.getParent());
                    PeftBridge.write(a, "tiny", out);
                    adapters.put("assistant-v" + v, out);
                }
            }
        }
        serve = ServeRuntime.start(new ServeOptions(model, "127.0.0.1", 0, "tiny", 4, 64, adapters, false, 1, 8, 64, 20));
        tap = TapFixture.start(kafka.bootstrapServers(), serve.baseUrl(), "tap.base-model=tiny", "tap.tenant=acme");
        direct = OpenAIOkHttpClient.builder().baseUrl(serve.baseUrl() + "/v1").apiKey("unused").maxRetries(0).build();
        tapped = OpenAIOkHttpClient.builder().baseUrl(tap.url() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    void stop() {
        if (tap != null) {
            tap.close();
        }
        if (serve != null) {
            serve.close();
        }
    }

    private static ChatCompletionCreateParams.Builder chat(String model, String requestId) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Name a prime number above 10.")
                .maxCompletionTokens(16L).temperature(1.0).putAdditionalBodyProperty("seed", JsonValue.from(42)).putAdditionalHeader("X-Request-Id", requestId);
    }

    private static byte[] bytes(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The same call direct and through the tap; repeated (at most 3 times) if the engine stamped the two
     * answers with different "created" seconds, the one field that cannot agree across a second boundary.
     */
    private byte[][] pair(Function<OpenAIClient, HttpResponseFor<?>> call, Map<String, String> tapHeaders) {
        for (int attempt = 0; attempt < 3; attempt++) {
            long msIntoSecond = System.currentTimeMillis() % 1000;
            if (msIntoSecond > 300) {
                sleep(1000 - msIntoSecond + 5); // both calls inside one wall-clock second, so "created" agrees
            }
            byte[] a;
            byte[] b;
            try (HttpResponseFor<?> d = call.apply(direct)) {
                assertThat(d.statusCode()).isEqualTo(200);
                a = bytes(d.body());
            }
            try (HttpResponseFor<?> t = call.apply(tapped)) {
                assertThat(t.statusCode()).isEqualTo(200);
                t.headers().values(TapProxy.INFERENCE_ID_HEADER).forEach(v -> tapHeaders.put(TapProxy.INFERENCE_ID_HEADER, v));
                b = bytes(t.body());
            }
            if (created(a).equals(created(b))) {
                return new byte[][] {a, b};
            }
        }
        throw new AssertionError("three attempts straddled a second boundary");
    }

    /** The engine's "created" second (of the first chunk, for a stream). */
    private static String created(byte[] body) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"created\":(\\d+)").matcher(new String(body, StandardCharsets.UTF_8));
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void nonStreamingChatThroughTheTapIsByteIdenticalToADirectCall() throws Exception {
        String rid = UUID.randomUUID().toString();
        Map<String, String> headers = new HashMap<>();
        byte[][] p = pair(c -> c.chat().completions().withRawResponse().create(chat("tiny", rid).build()), headers);
        assertThat(new String(p[1], StandardCharsets.UTF_8)).isEqualTo(new String(p[0], StandardCharsets.UTF_8));
        assertThat(p[1]).isEqualTo(p[0]);
        assertThat(JSON.readTree(p[0]).path("choices").get(0).path("message").path("content").asText()).isNotEmpty();
        assertThat(headers.get(TapProxy.INFERENCE_ID_HEADER)).matches("[0-9a-f-]{36}");
        // and the typed client parses the tapped answer like any other
        ChatCompletion typed = tapped.chat().completions().create(chat("tiny", rid).build());
        assertThat(typed.choices().get(0).message().content().orElseThrow())
                .isEqualTo(JSON.readTree(p[0]).path("choices").get(0).path("message").path("content").asText());
        // the request timer is scraped with histogram buckets, so operators can alert on the tap's p99
        assertThat(tap.tap().metrics().scrape()).containsPattern(
                "feedloop_tap_requests_seconds_bucket\\{endpoint=\"chat_completions\",status=\"2xx\",le=\"[0-9.]+\"} [1-9]");
    }

    @Test
    void streamingChatThroughTheTapIsByteIdenticalToADirectCall() {
        String rid = UUID.randomUUID().toString();
        Map<String, String> headers = new HashMap<>();
        byte[][] p = pair(c -> c.chat().completions().withRawResponse().createStreaming(chat("tiny", rid)
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build()), headers);
        String sse = new String(p[0], StandardCharsets.UTF_8);
        assertThat(sse).startsWith("data: ").endsWith("data: [DONE]\n\n");
        assertThat(sse.split("\n\n").length).isGreaterThan(3);
        assertThat(new String(p[1], StandardCharsets.UTF_8)).isEqualTo(sse);
        assertThat(p[1]).isEqualTo(p[0]);
        assertThat(headers).containsKey(TapProxy.INFERENCE_ID_HEADER);
        // the typed streaming API works through the tap too
        StringBuilder text = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> s = tapped.chat().completions().createStreaming(chat("tiny", rid).build())) {
            s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
        }
        assertThat(text).isNotEmpty();
    }

    @Test
    void completionsAndOtherPathsPassThroughUnchanged() throws Exception {
        String rid = UUID.randomUUID().toString();
        byte[][] p = pair(c -> c.completions().withRawResponse().create(CompletionCreateParams.builder().model("tiny")
                .prompt("The sky is").maxTokens(8L).n(2L).temperature(1.0).seed(7L).putAdditionalHeader("X-Request-Id", rid)
                .build()), new HashMap<>());
        assertThat(p[1]).isEqualTo(p[0]);
        Completion typed = tapped.completions().create(CompletionCreateParams.builder().model("tiny").prompt("The sky is")
                .maxTokens(4L).build());
        assertThat(typed.choices()).hasSize(1);

        for (String path : List.of("/v1/models", "/health", "/version")) {
            HttpResponse<byte[]> d = get(serve.baseUrl() + path);
            HttpResponse<byte[]> t = get(tap.url() + path);
            assertThat(t.statusCode()).as(path).isEqualTo(d.statusCode());
            assertThat(t.body()).as(path).isEqualTo(d.body());
            assertThat(t.headers().firstValue(TapProxy.INFERENCE_ID_HEADER)).as(path).isEmpty();
        }
        HttpResponse<byte[]> tok = post(tap.url() + "/tokenize", "{\"model\":\"tiny\",\"prompt\":\"hello there\"}", Map.of());
        assertThat(tok.body()).isEqualTo(post(serve.baseUrl() + "/tokenize", "{\"model\":\"tiny\",\"prompt\":\"hello there\"}",
                Map.of()).body());
    }

    @Test
    void upstreamErrorsAreRelayedAsTheyAre() throws Exception {
        String body = "{\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        HttpResponse<byte[]> d = post(serve.baseUrl() + "/v1/chat/completions", body, Map.of());
        HttpResponse<byte[]> t = post(tap.url() + "/v1/chat/completions", body, Map.of());
        assertThat(d.statusCode()).isEqualTo(404);
        assertThat(t.statusCode()).isEqualTo(404);
        assertThat(t.body()).isEqualTo(d.body());
        String bad = "{\"model\":\"tiny\",\"messages\":[],\"temperature\":-3}";
        HttpResponse<byte[]> d2 = post(serve.baseUrl() + "/v1/chat/completions", bad, Map.of());
        HttpResponse<byte[]> t2 = post(tap.url() + "/v1/chat/completions", bad, Map.of());
        assertThat(t2.statusCode()).isEqualTo(d2.statusCode()).isEqualTo(400);
        assertThat(t2.body()).isEqualTo(d2.body());
    }

    @Test
    void theEventArrivesOnTheTopicWithEveryFieldRedacted() throws Exception {
        String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        String body = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},"
                + "{\"role\":\"user\",\"content\":\"Mail jane.doe@example.com or call +1 415 555 0100 about card 4111 1111 1111 1111\"}],"
                + "\"max_tokens\":12,\"temperature\":0.7,\"seed\":3,\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        HttpResponse<byte[]> r = post(tap.url() + "/v1/chat/completions", body, Map.of("traceparent", traceparent));
        assertThat(r.statusCode()).isEqualTo(200);
        String id = r.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElseThrow();
        InferenceRecord rec = find(id);

        assertThat(rec.schemaVersion()).isEqualTo(1);
        assertThat(rec.tenant()).isEqualTo("acme");
        assertThat(rec.source()).isEqualTo(InferenceRecord.Source.TAP);
        assertThat(rec.endpoint()).isEqualTo(InferenceRecord.Endpoint.CHAT_COMPLETIONS);
        assertThat(rec.stream()).isTrue();
        assertThat(rec.status()).isEqualTo(200);
        assertThat(rec.error()).isNull();
        assertThat(rec.alias()).isNull();
        assertThat(rec.servedModel()).isEqualTo("tiny");
        assertThat(rec.servedAdapter()).isNull();
        assertThat(rec.policyVersion()).isZero();
        assertThat(rec.route()).isEqualTo(InferenceRecord.Route.DIRECT);
        assertThat(rec.traceparent()).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-");
        assertThat(rec.completedAt()).isAfterOrEqualTo(rec.startedAt());
        assertThat(rec.latency().totalMs()).isPositive();
        assertThat(rec.latency().firstTokenMs()).isPositive().isLessThanOrEqualTo(rec.latency().totalMs());
        // the request, redacted
        assertThat(rec.request().messages()).hasSize(2);
        String user = rec.request().messages().get(1).content();
        assertThat(user).doesNotContain("jane.doe", "555 0100", "4111").contains("<EMAIL>", "<PHONE>", "<CARD>");
        assertThat(rec.redactions()).containsEntry("EMAIL", 1).containsEntry("PHONE", 1).containsEntry("CARD", 1);
        assertThat(rec.request().params().temperature()).isEqualTo(0.7);
        assertThat(rec.request().params().seed()).isEqualTo(3L);
        assertThat(rec.request().params().maxTokens()).isEqualTo(12);
        // the choices, assembled from the stream exactly as the client saw them
        StringBuilder streamed = new StringBuilder();
        String finish = null;
        JsonNode usage = null;
        for (String event : new String(r.body(), StandardCharsets.UTF_8).split("\n\n")) {
            String data = event.substring("data: ".length());
            if (data.equals("[DONE]")) {
                continue;
            }
            JsonNode chunk = JSON.readTree(data);
            for (JsonNode ch : chunk.path("choices")) {
                streamed.append(ch.path("delta").path("content").asText(""));
                if (ch.hasNonNull("finish_reason")) {
                    finish = ch.get("finish_reason").asText();
                }
            }
            if (chunk.hasNonNull("usage")) {
                usage = chunk.get("usage");
            }
        }
        assertThat(rec.choices()).hasSize(1);
        assertThat(rec.choices().get(0).text()).isEqualTo(streamed.toString());
        assertThat(rec.choices().get(0).finishReason()).isEqualTo(finish);
        assertThat(usage).isNotNull();
        assertThat(rec.usage().promptTokens()).isEqualTo(usage.get("prompt_tokens").asInt());
        assertThat(rec.usage().completionTokens()).isEqualTo(usage.get("completion_tokens").asInt());
    }

    @Test
    void theAliasGoesToThePromotedAdapterAndTheCanaryShareToTheCandidate() throws Exception {
        RoutingTable routing = tap.tap().routing();
        try {
            routing.put(new RoutingTable.Route("assistant", "tiny", "assistant-v1", 1, "assistant-v2", 2, 0.5));
            Map<String, Integer> served = new HashMap<>();
            Map<String, String> idToModel = new HashMap<>();
            for (int i = 0; i < 24; i++) {
                HttpResponse<byte[]> r = post(tap.url() + "/v1/chat/completions",
                        "{\"model\":\"assistant\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}", Map.of());
                assertThat(r.statusCode()).isEqualTo(200);
                String model = JSON.readTree(r.body()).path("model").asText();
                served.merge(model, 1, Integer::sum);
                idToModel.put(r.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElseThrow(), model);
            }
            assertThat(served.keySet()).containsExactlyInAnyOrder("assistant-v1", "assistant-v2");
            for (Map.Entry<String, String> e : idToModel.entrySet()) {
                InferenceRecord rec = find(e.getKey());
                assertThat(rec.alias()).isEqualTo("assistant");
                assertThat(rec.servedModel()).isEqualTo(e.getValue());
                assertThat(rec.servedAdapter()).isEqualTo(e.getValue());
                boolean canary = e.getValue().equals("assistant-v2");
                assertThat(rec.route()).isEqualTo(canary ? InferenceRecord.Route.CANARY : InferenceRecord.Route.PROMOTED);
                assertThat(rec.policyVersion()).isEqualTo(canary ? 2 : 1);
            }
            // no adapter promoted: the alias goes to the base model
            routing.put(RoutingTable.Route.base("assistant", "tiny"));
            HttpResponse<byte[]> r = post(tap.url() + "/v1/chat/completions",
                    "{\"model\":\"assistant\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}", Map.of());
            assertThat(JSON.readTree(r.body()).path("model").asText()).isEqualTo("tiny");
            InferenceRecord base = find(r.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElseThrow());
            assertThat(base.route()).isEqualTo(InferenceRecord.Route.BASE);
            assertThat(base.policyVersion()).isZero();
        } finally {
            routing.put(RoutingTable.Route.base("assistant", "tiny"));
        }
    }

    @Test
    void aClientThatGoesAwayCancelsTheUpstreamRequest() throws Exception {
        double abortedBefore = tap.count("feedloop.tap.client.aborted");
        double errorsBefore = tap.count("feedloop.tap.upstream.errors");
        double droppedBefore = tap.count("feedloop.tap.dropped", "reason", "client_aborted");
        long tokensBefore = serve.engine().counters()[1];
        HttpRequest req = HttpRequest.newBuilder(URI.create(tap.url() + "/v1/completions")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"prompt\":\"Once\",\"max_tokens\":400,"
                        + "\"ignore_eos\":true,\"stream\":true}")).build();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = r.body()) {
            assertThat(in.read(new byte[64])).isPositive(); // the stream started
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> tap.count("feedloop.tap.client.aborted") > abortedBefore);
        // generation stops: the token counter settles far below the 400 the request asked for
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            long a = serve.engine().counters()[1];
            Thread.sleep(700);
            return serve.engine().counters()[1] == a;
        });
        assertThat(serve.engine().counters()[1] - tokensBefore).isLessThan(400);
        // an abort is the client's doing: not an engine error; the capture that will not happen is counted
        assertThat(tap.count("feedloop.tap.upstream.errors")).isEqualTo(errorsBefore);
        assertThat(tap.count("feedloop.tap.dropped", "reason", "client_aborted")).isEqualTo(droppedBefore + 1);
        // the request's hold on the model was released once: a new stream counts as exactly one in flight
        await().atMost(Duration.ofSeconds(10)).until(() -> tap.tap().inFlight().count("tiny") == 0);
        HttpResponse<InputStream> next = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = next.body()) {
            assertThat(in.read(new byte[64])).isPositive();
            assertThat(tap.tap().inFlight().count("tiny")).isEqualTo(1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> tap.tap().inFlight().count("tiny") == 0);
    }

    @Test
    void aClientThatLeavesWhileTheTapWaitsForAnEngineConnectionIsCountedAndReleased(EmbeddedKafka kafka) throws Exception {
        try (TapFixture t = TapFixture.start(kafka.bootstrapServers(), serve.baseUrl(), "tap.upstream-connections=1")) {
            HttpRequest longStream = HttpRequest.newBuilder(URI.create(t.url() + "/v1/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"tiny\",\"prompt\":\"Once\",\"max_tokens\":400,\"ignore_eos\":true,\"stream\":true}")).build();
            HttpResponse<InputStream> first = http.send(longStream, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = first.body()) {
                assertThat(in.read(new byte[64])).isPositive(); // the only engine connection is busy
                // a second client sends a whole request, then leaves while the tap waits for that connection
                String body = "{\"model\":\"tiny\",\"prompt\":\"Hi\",\"max_tokens\":4}";
                try (java.net.Socket socket = new java.net.Socket("127.0.0.1", t.tap().port())) {
                    socket.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: tap\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    await().atMost(Duration.ofSeconds(10)).until(() -> t.tap().inFlight().count("tiny") == 2);
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> t.count("feedloop.tap.client.aborted") == 1.0);
                assertThat(t.tap().inFlight().count("tiny")).isEqualTo(1);
                assertThat(t.count("feedloop.tap.dropped", "reason", "client_aborted")).isEqualTo(1.0);
            }
            // the first client leaves too; nothing stays in flight, and neither counts as an engine error
            await().atMost(Duration.ofSeconds(20)).until(() -> t.count("feedloop.tap.client.aborted") == 2.0);
            await().atMost(Duration.ofSeconds(20)).until(() -> t.tap().inFlight().count("tiny") == 0);
            assertThat(t.count("feedloop.tap.dropped", "reason", "client_aborted")).isEqualTo(2.0);
            assertThat(t.count("feedloop.tap.upstream.errors")).isZero();
        }
    }

    @Test
    void anUnreachableEngineGivesA502InTheEnginesErrorShape(EmbeddedKafka kafka) throws Exception {
        try (TapFixture orphan = TapFixture.start(kafka.bootstrapServers(), "http://127.0.0.1:1")) {
            HttpResponse<byte[]> r = post(orphan.url() + "/v1/chat/completions",
                    "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", Map.of());
            assertThat(r.statusCode()).isEqualTo(502);
            JsonNode e = JSON.readTree(r.body()).path("error");
            assertThat(e.path("message").asText()).contains("unreachable");
            assertThat(e.path("code").asInt()).isEqualTo(502);
            assertThat(orphan.count("feedloop.tap.upstream.errors")).isEqualTo(1.0);
        }
    }

    @Test
    void samplingRouteOptOutAndTheBodyCapAreHonouredAndCounted(EmbeddedKafka kafka) throws Exception {
        try (TapFixture t = TapFixture.start(kafka.bootstrapServers(), serve.baseUrl(), "capture.exclude-routes=/v1/completions",
                "capture.max-body-bytes=1024")) {
            HttpResponse<byte[]> excluded = post(t.url() + "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"max_tokens\":2}",
                    Map.of());
            assertThat(excluded.statusCode()).isEqualTo(200);
            assertThat(excluded.headers().firstValue(TapProxy.INFERENCE_ID_HEADER)).isPresent();
            // a streamed answer of 12 tokens is well over 1 KiB of SSE events
            HttpResponse<byte[]> big = post(t.url() + "/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"hello\"}],\"max_tokens\":12,\"ignore_eos\":true,\"stream\":true}", Map.of());
            assertThat(big.body().length).isGreaterThan(1024);
            assertThat(big.statusCode()).isEqualTo(200);
            HttpResponse<byte[]> small = post(t.url() + "/v1/chat/completions",
                    "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2}", Map.of());
            String id = small.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElseThrow();
            List<ConsumerRecord<byte[], byte[]>> records = t.read(t.config().topics().inference(), 1, Duration.ofSeconds(30));
            assertThat(records).hasSize(1);
            assertThat(new String(records.get(0).key(), StandardCharsets.UTF_8)).isEqualTo(id);
            assertThat(t.count("feedloop.tap.dropped", "reason", "excluded_route")).isEqualTo(1.0);
            assertThat(t.count("feedloop.tap.dropped", "reason", "too_large")).isEqualTo(1.0);
        }
        try (TapFixture t = TapFixture.start(kafka.bootstrapServers(), serve.baseUrl(), "capture.sample-rate=0")) {
            for (int i = 0; i < 3; i++) {
                assertThat(post(t.url() + "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"hi\",\"max_tokens\":1}", Map.of())
                        .statusCode()).isEqualTo(200);
            }
            assertThat(t.count("feedloop.tap.dropped", "reason", "sampled_out")).isEqualTo(3.0);
            assertThat(t.read(t.config().topics().inference(), 1, Duration.ofSeconds(3))).isEmpty();
        }
    }

    private InferenceRecord find(String inferenceId) {
        List<InferenceRecord> found = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            for (ConsumerRecord<byte[], byte[]> c : tap.read(tap.config().topics().inference(), 1, Duration.ofSeconds(2))) {
                if (new String(c.key(), StandardCharsets.UTF_8).equals(inferenceId)) {
                    EventRecords.Decoded d = EventRecords.decode(c, List.of(EventType.INFERENCE_RECORD), Clock.systemUTC());
                    assertThat(d).isInstanceOf(EventRecords.Ok.class);
                    assertThat(c.headers().lastHeader(CloudEventHeaders.TRACEPARENT)).isNotNull();
                    assertThat(new String(c.headers().lastHeader(CloudEventHeaders.ID).value(), StandardCharsets.UTF_8))
                            .isEqualTo(inferenceId);
                    found.add((InferenceRecord) ((EventRecords.Ok) d).event());
                    return true;
                }
            }
            return false;
        });
        return found.get(0);
    }

    private HttpResponse<byte[]> get(String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private HttpResponse<byte[]> post(String url, String body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
