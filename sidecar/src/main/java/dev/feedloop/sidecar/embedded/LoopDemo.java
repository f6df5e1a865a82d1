package dev.feedloop.sidecar.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.contracts.event.UnpairedExample;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import dev.feedloop.sidecar.tap.FeedbackApi;
import dev.feedloop.sidecar.tap.TapProxy;
import dev.feedloop.sidecar.tap.TapRecords;
import dev.feedloop.sidecar.tap.TapRuntime;
import dev.feedloop.sidecar.train.TrainerRuntime;
import java.io.IOException;
import java.io.PrintWriter;
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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The ingest half of the loop, as far as it exists: {@code feedloop serve} with a tiny model, a tap in
 * front of it and the trainer's collector behind Kafka. An application's traffic goes through the tap
 * (chat with two answers, a streamed chat, a completion), its feedback goes to {@code POST /v1/feedback}
 * (a choice, thumbs up and down, an edit, plus one invalid and one repeated event), and the collector
 * turns it into preference pairs and unpaired examples. The report shows what each step produced.
 */
final class LoopDemo {
    private static final ObjectMapper JSON = new ObjectMapper();

    private LoopDemo() {}

    /** What the loop stage found; {@code problem} is null when everything arrived. */
    record Result(ObjectNode json, String problem) {}

    static Result run(FeedloopConfig base, String bootstrap, PrintWriter progress) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("feedloop-demo-loop");
        try {
            Path model = dir.resolve("tiny");
            TinyCheckpoint.write(model, 7, TinyCheckpoint.Spec.standard());
            progress.println("demo: starting feedloop serve (tiny model), a tap in front of it and the trainer's collector ...");
            progress.flush();
            try (ServeRuntime serve = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName("tiny"))) {
                FeedloopConfig.TapConfig t = base.tap();
                String token = "demo-" + UUID.randomUUID(); // the demo's own tap, with a token of its own
                FeedloopConfig config = new FeedloopConfig(new FeedloopConfig.TapConfig(0, URI.create(serve.baseUrl()), t.alias(), "tiny",
                        t.tenant(), t.maxBodyBytes(), t.upstreamConnections()), new FeedloopConfig.ManagementConfig(0),
                        base.kafka().withBootstrapServers(bootstrap), base.topics(), base.broker(), base.plugins(), base.capture(),
                        new FeedloopConfig.FeedbackConfig(token, "", base.feedback().maxBodyBytes(), base.feedback().maxBatch(),
                                base.feedback().dedupeWindow(), base.feedback().dedupeMaxIds()), new FeedloopConfig.SwapConfig("", base.swap().store(), base.swap().cacheDir(),
                                base.swap().canaryShare(), base.swap().maxLoraRank(), base.swap().drainTimeout()),
                        base.collector(), new FeedloopConfig.KServeConfig(""));
                PluginCatalog catalog = PluginCatalog.load(LoopDemo.class.getClassLoader());
                try (TapRuntime tap = TapRuntime.start(config, catalog, Clock.systemUTC(), TapRecords.assembler(t.tenant()));
                        TrainerRuntime trainer = TrainerRuntime.start(config, catalog, Clock.systemUTC())) {
                    return exchange(config, tap, trainer, progress);
                }
            }
        } finally {
            FoundationDemo.deleteTree(dir);
        }
    }

    private static Result exchange(FeedloopConfig config, TapRuntime tap, TrainerRuntime trainer, PrintWriter progress)
            throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        String alias = config.tap().alias();
        String run = UUID.randomUUID().toString().substring(0, 8);
        ObjectNode out = JSON.createObjectNode();
        out.put("tap", tap.baseUrl());
        out.put("model", "tiny Llama with random weights: its text is noise, the plumbing is the point");
        ArrayNode calls = out.putArray("requests");

        HttpResponse<String> two = post(http, tap.baseUrl() + "/v1/chat/completions", "{\"model\":\"" + alias + "\",\"messages\":[{"
                + "\"role\":\"user\",\"content\":\"Suggest a name for a coffee shop. Reply to jane.doe@example.com\"}],"
                + "\"max_tokens\":12,\"n\":2,\"temperature\":1.0,\"seed\":3}", null);
        String choiceId = id(two, calls, "chat, n=2");
        HttpResponse<String> plain = post(http, tap.baseUrl() + "/v1/chat/completions", "{\"model\":\"" + alias + "\",\"messages\":[{"
                + "\"role\":\"user\",\"content\":\"What is two plus two?\"}],\"max_tokens\":8}", null);
        String upId = id(plain, calls, "chat");
        HttpResponse<String> streamed = post(http, tap.baseUrl() + "/v1/chat/completions", "{\"model\":\"" + alias + "\",\"messages\":[{"
                + "\"role\":\"user\",\"content\":\"Tell me about Kafka.\"}],\"max_tokens\":10,\"stream\":true}", null);
        String downId = id(streamed, calls, "chat, streamed");
        HttpResponse<String> completion = post(http, tap.baseUrl() + "/v1/completions", "{\"model\":\"" + alias
                + "\",\"prompt\":\"The capital of France is\",\"max_tokens\":6}", null);
        String editId = id(completion, calls, "completion");

        String token = config.feedback().token();
        String batch = "[{\"feedback_id\":\"demo-" + run + "-choice\",\"inference_id\":\"" + choiceId + "\",\"kind\":\"CHOICE\","
                + "\"choice_index\":1},{\"feedback_id\":\"demo-" + run + "-up\",\"inference_id\":\"" + upId + "\",\"kind\":\"THUMBS_UP\"},"
                + "{\"feedback_id\":\"demo-" + run + "-down\",\"inference_id\":\"" + downId + "\",\"kind\":\"THUMBS_DOWN\","
                + "\"comment\":\"call me on +1 415 555 0100\"},{\"feedback_id\":\"demo-" + run + "-edit\",\"inference_id\":\"" + editId
                + "\",\"kind\":\"EDIT\",\"edited_text\":\" Paris.\"}]";
        ObjectNode fb = out.putObject("feedback");
        HttpResponse<String> accepted = post(http, tap.baseUrl() + FeedbackApi.PATH, batch, token);
        fb.put("batch_status", accepted.statusCode());
        fb.set("batch_answer", JSON.readTree(accepted.body()));
        HttpResponse<String> repeated = post(http, tap.baseUrl() + FeedbackApi.PATH, batch, token);
        fb.put("repeat_status", repeated.statusCode());
        fb.put("repeat_statuses", String.join(",", JSON.readTree(repeated.body()).path("results").findValuesAsText("status")));
        HttpResponse<String> invalid = post(http, tap.baseUrl() + FeedbackApi.PATH, "{\"inference_id\":\"" + upId
                + "\",\"kind\":\"RATING\",\"rating\":9}", token);
        fb.put("invalid_status", invalid.statusCode());
        fb.set("invalid_answer", JSON.readTree(invalid.body()));
        progress.println("demo: 4 requests through the tap, feedback " + accepted.statusCode() + " / repeat " + repeated.statusCode()
                + " / invalid " + invalid.statusCode() + "; waiting for the collector ...");
        progress.flush();

        Set<String> mine = Set.of("demo-" + run + "-choice", "demo-" + run + "-up", "demo-" + run + "-down", "demo-" + run + "-edit");
        Map<String, Event> training = new LinkedHashMap<>();
        InferenceRecord redacted = null;
        KafkaClients clients = new KafkaClients(config.kafka(), "feedloop-demo-loop");
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("feedloop-demo-loop-" + run)) {
            List<TopicPartition> parts = new ArrayList<>();
            for (String topic : List.of(config.topics().preferences(), config.topics().inference())) {
                consumer.partitionsFor(topic).forEach(p -> parts.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Set<String> feedbackSeen = new HashSet<>();
            while (System.nanoTime() < deadline && (feedbackSeen.size() < mine.size() || redacted == null)) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    EventRecords.Decoded d = EventRecords.decode(r, config.topics().typesOn(r.topic()), Clock.systemUTC());
                    if (!(d instanceof EventRecords.Ok ok)) {
                        continue;
                    }
                    if (ok.event() instanceof PreferencePair p && p.feedbackIds().stream().anyMatch(mine::contains)) {
                        training.put(p.pairId(), p);
                        feedbackSeen.addAll(p.feedbackIds());
                    } else if (ok.event() instanceof UnpairedExample u && mine.contains(u.feedbackId())) {
                        training.put(u.exampleId(), u);
                        feedbackSeen.add(u.feedbackId());
                    } else if (ok.event() instanceof InferenceRecord rec && rec.inferenceId().equals(choiceId)) {
                        redacted = rec;
                    }
                }
            }
        }
        ObjectNode captured = out.putObject("captured");
        captured.put("published", tap.metrics().count("feedloop.tap.published"));
        if (redacted != null) {
            captured.put("redacted_prompt", redacted.request().messages().get(0).content());
            captured.put("route", redacted.route().name());
            captured.put("served_model", redacted.servedModel());
            captured.put("choices", redacted.choices().size());
        }
        ArrayNode data = out.putArray("training_data");
        for (Event e : training.values()) {
            ObjectNode o = data.addObject();
            if (e instanceof PreferencePair p) {
                o.put("type", EventType.PREFERENCE_PAIR.slug());
                o.put("source", p.source().name());
                o.put("chosen", p.chosen().text());
                o.put("rejected", p.rejected().text());
            } else if (e instanceof UnpairedExample u) {
                o.put("type", EventType.UNPAIRED_EXAMPLE.slug());
                o.put("source", u.source().name());
                o.put("desirable", u.desirable());
                o.put("completion", u.completion().text());
            }
        }
        String problem = null;
        if (accepted.statusCode() != 202 || repeated.statusCode() != 202 || invalid.statusCode() != 400) {
            problem = "feedback API answered " + accepted.statusCode() + "/" + repeated.statusCode() + "/" + invalid.statusCode();
        } else if (training.size() < 4) {
            problem = "expected training data from 4 feedback events, got " + training.size();
        } else if (redacted == null || redacted.request().messages().get(0).content().contains("jane.doe")) {
            problem = "the captured prompt was not found redacted";
        }
        progress.println("demo: the collector produced " + training.size() + " training events");
        progress.flush();
        return new Result(out, problem);
    }

    private static String id(HttpResponse<String> r, ArrayNode calls, String what) throws IOException {
        ObjectNode o = calls.addObject();
        o.put("call", what);
        o.put("status", r.statusCode());
        String id = r.headers().firstValue(TapProxy.INFERENCE_ID_HEADER).orElse("");
        o.put("inference_id", id);
        if (r.statusCode() != 200) {
            throw new IOException(what + " through the tap answered " + r.statusCode() + ": " + r.body());
        }
        return id;
    }

    private static HttpResponse<String> post(HttpClient http, String url, String body, String token)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
