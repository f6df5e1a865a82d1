package dev.feedloop.sidecar.kserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.InferenceRecord.Choice;
import dev.feedloop.contracts.event.InferenceRecord.SamplingParams;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.Usage;
import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import dev.feedloop.sidecar.telemetry.Metrics;
import dev.feedloop.sidecar.testing.PatternRedactor;
import dev.feedloop.sidecar.testing.WithKafka;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * KServe payload-logger events, produced exactly as KServe's agent and a binary-mode Knative KafkaSink
 * write them (no key, {@code ce_*} headers, raw bodies, an SSE response labelled with the request's
 * {@code application/json}), through the real broker into inference records and dead letters.
 */
@WithKafka
class KServeSourceIT {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T07:00:00Z"), ZoneOffset.UTC);
    private static final String REQUEST = "org.kubeflow.serving.inference.request";
    private static final String RESPONSE = "org.kubeflow.serving.inference.response";
    private static final String POD = "llm-predictor-00001-deployment-7d9f8c6b5-x2x9q";
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    private static final Instant T = Instant.parse("2026-11-25T06:42:21.123456789Z");

    private record Setup(KafkaClients clients, FeedloopConfig.TopicsConfig topics, String kserveTopic) {}

    private static Setup setup(EmbeddedKafka kafka) throws Exception {
        KafkaClients clients = new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()), "it");
        String p = "it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        FeedloopConfig.TopicsConfig d = ConfigLoader.defaults().topics();
        FeedloopConfig.TopicsConfig topics = new FeedloopConfig.TopicsConfig(p + d.inference(), p + d.feedback(),
                p + d.preferences(), p + d.adapters(), p + d.deadLetter(), 2, -1, true);
        String kserveTopic = p + "llm-traffic";
        try (Admin admin = clients.admin()) {
            TopicSetup.ensure(admin, topics);
            admin.createTopics(List.of(new NewTopic(kserveTopic, 2, (short) 1))).all().get();
        }
        return new Setup(clients, topics, kserveTopic);
    }

    /** A binary-mode record as the KafkaSink writes it: value = body, attributes as ce_* headers, no key. */
    private static ProducerRecord<byte[], byte[]> binary(String topic, int partition, String type, String id, Instant time,
            String body, String metadata) {
        RecordHeaders h = new RecordHeaders();
        add(h, "ce_specversion", "1.0");
        add(h, "ce_id", id);
        add(h, "ce_type", type);
        add(h, "ce_source", POD);
        add(h, "ce_time", DateTimeFormatter.ISO_INSTANT.format(time));
        add(h, "ce_recordedtime", DateTimeFormatter.ISO_INSTANT.format(time.plusMillis(2)));
        add(h, "ce_inferenceservicename", "llm");
        add(h, "ce_namespace", "models");
        add(h, "ce_component", "predictor");
        add(h, "ce_endpoint", "default");
        add(h, "ce_metadata", metadata);
        add(h, "content-type", "application/json");
        return new ProducerRecord<>(topic, partition, null, null, utf8(body), h);
    }

    /** The same, with header names in other cases. */
    private static ProducerRecord<byte[], byte[]> shouting(String topic, int partition, String type, String id, Instant time,
            String body, String metadata) {
        RecordHeaders h = new RecordHeaders();
        add(h, "CE_SPECVERSION", "1.0");
        add(h, "Ce_Id", id);
        add(h, "CE_TYPE", type);
        add(h, "Ce_Source", POD);
        add(h, "Ce_Time", DateTimeFormatter.ISO_INSTANT.format(time));
        add(h, "Ce_InferenceServiceName", "llm");
        add(h, "Ce_Namespace", "models");
        add(h, "Ce_Metadata", metadata);
        add(h, "Content-Type", "application/json");
        return new ProducerRecord<>(topic, partition, null, null, utf8(body), h);
    }

    /** A structured-mode record: the whole CloudEvent as JSON. */
    private static ProducerRecord<byte[], byte[]> structured(String topic, int partition, String type, String id, Instant time,
            String dataField) {
        String envelope = "{\"specversion\":\"1.0\",\"id\":\"" + id + "\",\"source\":\"" + POD + "\",\"type\":\"" + type
                + "\",\"time\":\"" + DateTimeFormatter.ISO_INSTANT.format(time) + "\",\"datacontenttype\":\"application/json\","
                + "\"inferenceservicename\":\"llm\",\"namespace\":\"models\",\"component\":\"predictor\",\"endpoint\":\"default\","
                + "\"metadata\":\"{}\"," + dataField + "}";
        RecordHeaders h = new RecordHeaders();
        add(h, "content-type", "application/cloudevents+json; charset=UTF-8");
        return new ProducerRecord<>(topic, partition, null, null, utf8(envelope), h);
    }

    private static void add(RecordHeaders h, String k, String v) {
        h.add(k, utf8(v));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String sse(String... data) {
        StringBuilder sb = new StringBuilder();
        for (String d : data) {
            sb.append("data: ").append(d).append("\n\n");
        }
        return sb.toString();
    }

    private static double count(Metrics metrics, String name, String... tags) {
        return metrics.count(name, tags);
    }

    @Test
    void pairsInterleavedEventsIntoRedactedRecordsAndDeadLettersGarbage(EmbeddedKafka kafka) throws Exception {
        Setup s = setup(kafka);
        String topic = s.kserveTopic();
        String idA = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e01";
        String idB = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e02";
        String idC = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e03";
        String idD = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e04";
        String idE = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e05";
        String idF = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e06";
        String idH = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e08";
        String idI = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e09";
        String idJ = "5b0f3c1e-8a44-4c7d-9d1e-0f3b9a6c2e10";

        // A: chat, JSON response, served by an adapter, with an e-mail address to redact
        String reqA = "{\"model\":\"assistant-v3\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},"
                + "{\"role\":\"user\",\"content\":\"Mail ann@example.com the prime above 10.\"}],"
                + "\"temperature\":0.7,\"max_tokens\":16,\"seed\":42,\"logprobs\":true,\"return_token_ids\":true}";
        String respA = "{\"id\":\"chatcmpl-a\",\"object\":\"chat.completion\",\"created\":1764052941,\"model\":\"assistant-v3\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"11\",\"reasoning\":null,\"tool_calls\":[]},"
                + "\"logprobs\":{\"content\":[{\"token\":\"1\",\"logprob\":-0.21,\"bytes\":[49],\"top_logprobs\":[]},"
                + "{\"token\":\"1\",\"logprob\":-0.0003,\"bytes\":[49],\"top_logprobs\":[]}]},"
                + "\"finish_reason\":\"stop\",\"stop_reason\":null,\"token_ids\":[16,16]}],"
                + "\"usage\":{\"prompt_tokens\":25,\"total_tokens\":27,\"completion_tokens\":2,\"prompt_tokens_details\":null},"
                + "\"prompt_logprobs\":null,\"prompt_token_ids\":[1,2,3],\"kv_transfer_params\":null}";
        // B: completions, streamed: one SSE blob labelled application/json
        String reqB = "{\"model\":\"base-model\",\"prompt\":\"Once upon a time\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"max_tokens\":3}";
        String respB = sse(
                "{\"id\":\"cmpl-b\",\"object\":\"text_completion\",\"created\":1,\"model\":\"base-model\","
                        + "\"choices\":[{\"index\":0,\"text\":\" there\",\"logprobs\":null,\"finish_reason\":null}]}",
                "{\"id\":\"cmpl-b\",\"object\":\"text_completion\",\"created\":1,\"model\":\"base-model\","
                        + "\"choices\":[{\"index\":0,\"text\":\" was\",\"logprobs\":null,\"finish_reason\":\"length\",\"stop_reason\":null}]}",
                "{\"id\":\"cmpl-b\",\"object\":\"text_completion\",\"created\":1,\"model\":\"base-model\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":4,\"total_tokens\":6,\"completion_tokens\":2}}",
                "[DONE]");
        // C: chat, streamed, trace context in ce_metadata, header names in other cases; the response comes first
        String metaC = "{\"Traceparent\":[\"" + TRACEPARENT + "\"],\"X-Request-Id\":[\"r-3\"]}";
        String reqC = "{\"model\":\"assistant-v12\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Say hi\"}]}],"
                + "\"stream\":true,\"n\":1}";
        String respC = sse(
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"assistant-v12\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}",
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"assistant-v12\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"logprobs\":null,\"finish_reason\":null}]}",
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"assistant-v12\","
                        + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},\"logprobs\":null,\"finish_reason\":\"stop\",\"stop_reason\":null}]}",
                "[DONE]");
        // D: structured mode, a token-id prompt; the response comes first, as data_base64
        String reqD = "\"data\":{\"model\":\"tiny\",\"prompt\":[1,2,3],\"max_tokens\":2}";
        String respD = "\"data_base64\":\"" + Base64.getEncoder().encodeToString(utf8(
                "{\"choices\":[{\"index\":0,\"text\":\"ab\",\"finish_reason\":\"length\",\"token_ids\":[5,6]}],"
                        + "\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}")) + "\"";
        String chatHi = "{\"model\":\"assistant-v3\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String okHi = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}]}";

        List<ProducerRecord<byte[], byte[]>> events = List.of(
                binary(topic, 0, REQUEST, idA, T, reqA, "{}"),
                shouting(topic, 1, RESPONSE, idC, T.plusMillis(2250), respC, metaC),
                binary(topic, 1, REQUEST, idB, T.plusSeconds(1), reqB, "{}"),
                new ProducerRecord<>(topic, 0, null, null, utf8("\u0000\u0001 garbage, not an event")),              // G
                binary(topic, 0, REQUEST, idE, T.plusSeconds(3), chatHi, "{}"),                                     // E: unanswered
                binary(topic, 1, RESPONSE, idA, T.plusMillis(880), respA, "{}"),
                binary(topic, 0, REQUEST, idI, T.plusSeconds(4), "", "{}"),                                         // I: GET /v1/models
                binary(topic, 1, REQUEST, idH, T.plusSeconds(5), "{\"model\":\"x\",\"messages\":[{", "{}"),         // H: broken JSON
                structured(topic, 0, RESPONSE, idD, T.plusMillis(6040), respD),
                shouting(topic, 0, REQUEST, idC, T.plusSeconds(2), reqC, metaC),
                binary(topic, 1, REQUEST, idJ, T.plusSeconds(7),
                        "{\"inputs\":[{\"name\":\"input-0\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}", "{}"),
                withType(binary(topic, 1, REQUEST, "k-1", T, chatHi, "{}"), "dev.knative.sources.ping"),           // K
                binary(topic, 0, RESPONSE, idB, T.plusMillis(2500), respB, "{}"),
                binary(topic, 1, RESPONSE, idF, T.plusSeconds(8), okHi, "{}"),                                      // F: orphan
                binary(topic, 1, RESPONSE, idI, T.plusSeconds(4),
                        "{\"object\":\"list\",\"data\":[{\"id\":\"assistant-v3\",\"object\":\"model\"}]}", "{}"),
                binary(topic, 0, RESPONSE, idH, T.plusSeconds(5), okHi, "{}"),
                binary(topic, 0, RESPONSE, idJ, T.plusSeconds(7),
                        "{\"outputs\":[{\"name\":\"output-0\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"yo\"]}]}", "{}"),
                structured(topic, 1, REQUEST, idD, T.plusSeconds(6), reqD));
        List<RecordMetadata> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = s.clients().producer()) {
            for (ProducerRecord<byte[], byte[]> e : events) {
                sent.add(producer.send(e).get());
            }
        }

        Metrics metrics = Metrics.create();
        KServeSource.Settings settings = KServeSource.Settings.of(topic, "acme").withGroupId("kserve-" + UUID.randomUUID())
                .withTtl(Duration.ofSeconds(2));
        try (KServeSource source = new KServeSource(settings, s.clients(), s.topics(), new PatternRedactor(), metrics, CLOCK).start()) {
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(count(metrics, "feedloop.kserve.published")).isEqualTo(4);
                assertThat(count(metrics, "feedloop.kserve.unanswered")).isEqualTo(1);
                assertThat(count(metrics, "feedloop.kserve.orphaned")).isEqualTo(1);
            });
            assertThat(source.isRunning()).isTrue();
            assertThat(source.failure()).isEmpty();
        }
        assertThat(count(metrics, "feedloop.kserve.events", "kind", "request")).isEqualTo(8);
        assertThat(count(metrics, "feedloop.kserve.events", "kind", "response")).isEqualTo(8);
        assertThat(count(metrics, "feedloop.kserve.ignored")).as("H's response, I and J").isEqualTo(5);
        assertThat(count(metrics, "feedloop.kserve.deadlettered", "reason", "SCHEMA_VIOLATION")).isEqualTo(1);
        assertThat(count(metrics, "feedloop.kserve.deadlettered", "reason", "MALFORMED_JSON")).isEqualTo(1);
        assertThat(count(metrics, "feedloop.kserve.deadlettered", "reason", "UNEXPECTED_EVENT_TYPE")).isEqualTo(1);
        assertThat(count(metrics, "feedloop.kserve.duplicates")).isZero();
        assertThat(count(metrics, "feedloop.kserve.evicted")).isZero();
        assertThat(metrics.scrape()).contains("feedloop_kserve_published_total 4.0", "feedloop_kserve_pending 0.0");

        // the inference records, every field
        Map<String, InferenceRecord> records = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : drain(s.clients(), s.topics().inference(), 4)) {
            EventRecords.Decoded d = EventRecords.decode(r, List.of(EventType.INFERENCE_RECORD), CLOCK);
            assertThat(d).isInstanceOf(EventRecords.Ok.class);
            InferenceRecord rec = (InferenceRecord) ((EventRecords.Ok) d).event();
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(rec.inferenceId());
            assertThat(EventRecords.headers(r.headers())).containsEntry("ce_source", KServeSource.CE_SOURCE)
                    .containsEntry("ce_id", rec.inferenceId());
            records.put(rec.inferenceId(), rec);
        }
        assertThat(records.get(idA)).isEqualTo(new InferenceRecord(Event.SCHEMA_VERSION, idA, "acme", InferenceRecord.Source.KSERVE,
                InferenceRecord.Endpoint.CHAT_COMPLETIONS, T, T.plusMillis(880), null, "assistant-v3", "assistant-v3", 3,
                InferenceRecord.Route.DIRECT,
                new InferenceRecord.Request(List.of(Message.of(Message.Role.SYSTEM, "You are terse."),
                        Message.of(Message.Role.USER, "Mail <EMAIL> the prime above 10.")), null, null,
                        new SamplingParams(0.7, null, null, 16, null, 42L, null, true)),
                List.of(new Choice(0, "11", "stop", List.of(16, 16), List.of(-0.21, -0.0003))), new Usage(25, 2, 27),
                new InferenceRecord.Latency(880, null), 200, null, false, null, Map.of("EMAIL", 1)));
        assertThat(records.get(idB)).isEqualTo(new InferenceRecord(Event.SCHEMA_VERSION, idB, "acme", InferenceRecord.Source.KSERVE,
                InferenceRecord.Endpoint.COMPLETIONS, T.plusSeconds(1), T.plusMillis(2500), null, "base-model", null, 0,
                InferenceRecord.Route.DIRECT,
                new InferenceRecord.Request(null, "Once upon a time", null, new SamplingParams(null, null, null, 3, null, null, null, null)),
                List.of(new Choice(0, " there was", "length", null, null)), new Usage(4, 2, 6),
                new InferenceRecord.Latency(1500, null), 200, null, true, null, Map.of()));
        assertThat(records.get(idC)).isEqualTo(new InferenceRecord(Event.SCHEMA_VERSION, idC, "acme", InferenceRecord.Source.KSERVE,
                InferenceRecord.Endpoint.CHAT_COMPLETIONS, T.plusSeconds(2), T.plusMillis(2250), null, "assistant-v12", "assistant-v12",
                12, InferenceRecord.Route.DIRECT,
                new InferenceRecord.Request(List.of(Message.of(Message.Role.USER, "Say hi")), null, null,
                        new SamplingParams(null, null, null, null, 1, null, null, null)),
                List.of(new Choice(0, "Hi!", "stop", null, null)), null,
                new InferenceRecord.Latency(250, null), 200, null, true, TRACEPARENT, Map.of()));
        assertThat(records.get(idD)).isEqualTo(new InferenceRecord(Event.SCHEMA_VERSION, idD, "acme", InferenceRecord.Source.KSERVE,
                InferenceRecord.Endpoint.COMPLETIONS, T.plusSeconds(6), T.plusMillis(6040), null, "tiny", null, 0,
                InferenceRecord.Route.DIRECT,
                new InferenceRecord.Request(null, "", List.of(1, 2, 3), new SamplingParams(null, null, null, 2, null, null, null, null)),
                List.of(new Choice(0, "ab", "length", List.of(5, 6), null)), new Usage(3, 2, 5),
                new InferenceRecord.Latency(40, null), 200, null, false, null, Map.of()));
        assertThat(records).containsOnlyKeys(idA, idB, idC, idD);

        // the dead letters: garbage, broken JSON, a foreign event type; with where they came from
        Map<DeadLetter.Reason, DeadLetter> dead = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : drain(s.clients(), s.topics().deadLetter(), 3)) {
            DeadLetter dl = (DeadLetter) ((EventRecords.Ok) EventRecords.decode(r, List.of(EventType.DEAD_LETTER), CLOCK)).event();
            dead.put(dl.reason(), dl);
        }
        assertThat(dead).containsOnlyKeys(DeadLetter.Reason.SCHEMA_VIOLATION, DeadLetter.Reason.MALFORMED_JSON,
                DeadLetter.Reason.UNEXPECTED_EVENT_TYPE);
        assertDeadLetter(dead.get(DeadLetter.Reason.SCHEMA_VIOLATION), topic, sent.get(3), events.get(3),
                "not a CloudEvent: no ce_type");
        assertDeadLetter(dead.get(DeadLetter.Reason.MALFORMED_JSON), topic, sent.get(7), events.get(7),
                "request " + idH + " of llm is not JSON (declared application/json)");
        assertDeadLetter(dead.get(DeadLetter.Reason.UNEXPECTED_EVENT_TYPE), topic, sent.get(11), events.get(11),
                "ce_type 'dev.knative.sources.ping' is not one of [" + REQUEST + ", " + RESPONSE + "]");
        assertThat(dead.get(DeadLetter.Reason.MALFORMED_JSON).headers()).containsEntry("ce_id", idH)
                .containsEntry("ce_inferenceservicename", "llm").containsEntry("content-type", "application/json");

        // everything was handled, so everything is committed
        assertThat(committed(s.clients(), settings.groupId(), topic)).isEqualTo(endOffsets(s.clients(), topic));
    }

    private static ProducerRecord<byte[], byte[]> withType(ProducerRecord<byte[], byte[]> r, String type) {
        r.headers().remove("ce_type");
        r.headers().add("ce_type", utf8(type));
        return r;
    }

    private static void assertDeadLetter(DeadLetter dl, String topic, RecordMetadata at, ProducerRecord<byte[], byte[]> original,
            String detail) {
        assertThat(dl.sourceTopic()).isEqualTo(topic);
        assertThat(dl.sourcePartition()).isEqualTo(at.partition());
        assertThat(dl.sourceOffset()).isEqualTo(at.offset());
        assertThat(dl.key()).isNull();
        assertThat(dl.detail()).isEqualTo(detail);
        assertThat(Base64.getDecoder().decode(dl.payloadBase64())).isEqualTo(original.value());
        assertThat(dl.payloadTruncated()).isFalse();
        assertThat(dl.time()).isEqualTo(CLOCK.instant());
    }

    @Test
    void aWaitingRequestHoldsBackTheCommitSoARestartPairsItWithALateResponse(EmbeddedKafka kafka) throws Exception {
        Setup s = setup(kafka);
        String topic = s.kserveTopic();
        String slow = "9c1d2e3f-0000-4000-8000-000000000001";
        String quick = "9c1d2e3f-0000-4000-8000-000000000002";
        String chat = "{\"model\":\"assistant-v1\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String ok = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hello\"},\"finish_reason\":\"stop\"}]}";
        KServeSource.Settings settings = KServeSource.Settings.of(topic, "acme").withGroupId("kserve-" + UUID.randomUUID())
                .withTtl(Duration.ofMinutes(1));
        long slowOffset;
        try (KafkaProducer<byte[], byte[]> producer = s.clients().producer()) {
            slowOffset = producer.send(binary(topic, 0, REQUEST, slow, T, chat, "{}")).get().offset();
            producer.send(binary(topic, 0, REQUEST, quick, T.plusSeconds(1), chat, "{}")).get();
            producer.send(binary(topic, 0, RESPONSE, quick, T.plusSeconds(2), ok, "{}")).get();
        }
        Metrics first = Metrics.create();
        try (KServeSource source = new KServeSource(settings, s.clients(), s.topics(), new PatternRedactor(), first, CLOCK).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> first.count("feedloop.kserve.published") == 1);
            assertThat(source.failure()).isEmpty();
        }
        assertThat(committed(s.clients(), settings.groupId(), topic))
                .as("the waiting request's offset is the commit point").containsEntry(new TopicPartition(topic, 0), slowOffset);

        try (KafkaProducer<byte[], byte[]> producer = s.clients().producer()) {
            producer.send(binary(topic, 1, RESPONSE, slow, T.plusSeconds(9), ok, "{}")).get();
        }
        Metrics second = Metrics.create();
        try (KServeSource source = new KServeSource(settings, s.clients(), s.topics(), new PatternRedactor(), second, CLOCK).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> second.count("feedloop.kserve.published") == 2);
            assertThat(source.failure()).isEmpty();
        }
        List<String> ids = drain(s.clients(), s.topics().inference(), 3).stream()
                .map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
        assertThat(ids).as("at least once: the quick exchange is published again after the restart")
                .containsExactlyInAnyOrder(quick, quick, slow);
        assertThat(committed(s.clients(), settings.groupId(), topic)).isEqualTo(endOffsets(s.clients(), topic));
    }

    @Test
    void aRecordTooLargeForKafkaIsDeadLetteredAndTheSourceGoesOn(EmbeddedKafka kafka) throws Exception {
        Setup s = setup(kafka);
        String topic = s.kserveTopic();
        FeedloopConfig.KafkaConfig base = ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers());
        KafkaClients small = new KafkaClients(new FeedloopConfig.KafkaConfig(base.bootstrapServers(), base.common(),
                Map.of("max.request.size", "4096"), base.consumer(), base.admin()), "it-small");
        String huge = "9c1d2e3f-0000-4000-8000-00000000000a";
        String fine = "9c1d2e3f-0000-4000-8000-00000000000b";
        String chat = "{\"model\":\"assistant-v1\",\"messages\":[{\"role\":\"user\",\"content\":\"write a lot\"}]}";
        String ok = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"done\"},\"finish_reason\":\"stop\"}]}";
        String lengthy = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"" + "x".repeat(8000)
                + "\"},\"finish_reason\":\"length\"}]}";
        RecordMetadata hugeRequest;
        try (KafkaProducer<byte[], byte[]> producer = s.clients().producer()) {
            hugeRequest = producer.send(binary(topic, 0, REQUEST, huge, T, chat, "{}")).get();
            producer.send(binary(topic, 1, RESPONSE, huge, T.plusSeconds(1), lengthy, "{}")).get();
            producer.send(binary(topic, 0, REQUEST, fine, T.plusSeconds(2), chat, "{}")).get();
            producer.send(binary(topic, 1, RESPONSE, fine, T.plusSeconds(3), ok, "{}")).get();
        }
        Metrics metrics = Metrics.create();
        KServeSource.Settings settings = KServeSource.Settings.of(topic, "acme").withGroupId("kserve-" + UUID.randomUUID());
        try (KServeSource source = new KServeSource(settings, small, s.topics(), new PatternRedactor(), metrics, CLOCK).start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> metrics.count("feedloop.kserve.published") == 1
                    && metrics.count("feedloop.kserve.deadlettered", "reason", "PROCESSING_ERROR") == 1);
            assertThat(source.failure()).isEmpty();
            assertThat(source.isRunning()).isTrue();
        }
        List<ConsumerRecord<byte[], byte[]>> dead = drain(s.clients(), s.topics().deadLetter(), 1);
        DeadLetter dl = (DeadLetter) ((EventRecords.Ok) EventRecords.decode(dead.get(0), List.of(EventType.DEAD_LETTER), CLOCK)).event();
        assertThat(dl.detail()).startsWith("the record of exchange " + huge + " (").endsWith(" bytes) is too large for the inference topic");
        assertThat(dl.sourceOffset()).isEqualTo(hugeRequest.offset());
        assertThat(drain(s.clients(), s.topics().inference(), 1).get(0).key()).isEqualTo(utf8(fine));
        assertThat(committed(s.clients(), settings.groupId(), topic)).isEqualTo(endOffsets(s.clients(), topic));
    }

    /** Reads a topic from the beginning until {@code expected} records arrived, then a little longer to catch extras. */
    private static List<ConsumerRecord<byte[], byte[]>> drain(KafkaClients clients, String topic, int expected) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = clients.consumer("it-" + UUID.randomUUID())) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            consumer.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        assertThat(out).hasSize(expected);
        return out;
    }

    private static Map<TopicPartition, Long> committed(KafkaClients clients, String group, String topic) throws Exception {
        try (Admin admin = clients.admin()) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
            return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }

    private static Map<TopicPartition, Long> endOffsets(KafkaClients clients, String topic) throws Exception {
        try (Admin admin = clients.admin()) {
            Map<TopicPartition, OffsetSpec> request = new HashMap<>();
            for (int p = 0; p < 2; p++) {
                request.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            return admin.listOffsets(request).all().get().entrySet().stream()
                    .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
        }
    }
}
