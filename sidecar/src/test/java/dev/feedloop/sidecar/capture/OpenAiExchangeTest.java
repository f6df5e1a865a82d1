package dev.feedloop.sidecar.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.InferenceRecord.Choice;
import dev.feedloop.contracts.event.InferenceRecord.Endpoint;
import dev.feedloop.contracts.event.InferenceRecord.SamplingParams;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.Usage;
import dev.feedloop.sidecar.testing.PatternRedactor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OpenAiExchangeTest {
    private static final Instant T0 = Instant.parse("2026-11-25T06:42:21.123456789Z");
    private static final Instant T1 = Instant.parse("2026-11-25T06:42:22.004Z");
    private static final String CHAT = "/v1/chat/completions";
    private static final String COMPLETIONS = "/v1/completions";
    private static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static OpenAiExchange.Captured exchange(String path, String request, String response, int status) {
        return new OpenAiExchange.Captured("inf-1", "default", InferenceRecord.Source.TAP, path, utf8(request),
                response == null ? null : utf8(response), status, T0, T1, 41.5, "assistant", "assistant-v3", "assistant-v3", 3,
                InferenceRecord.Route.CANARY, TRACEPARENT);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Builds the record and checks that it is schema-valid and survives an encode/decode round trip. */
    private static InferenceRecord record(OpenAiExchange.Captured c) {
        InferenceRecord r = OpenAiExchange.toRecord(c);
        EventCodec<InferenceRecord> codec = EventCodec.of(InferenceRecord.class);
        assertThat(codec.decode(codec.encode(r))).isEqualTo(r);
        return r;
    }

    private static String sse(String... data) {
        StringBuilder sb = new StringBuilder();
        for (String d : data) {
            sb.append("data: ").append(d).append("\n\n");
        }
        return sb.toString();
    }

    @Test
    void chatJsonResponse() {
        String req = """
                {"model":"assistant","messages":[{"role":"system","content":"You are terse."},
                 {"role":"user","content":"Name a prime above 10.","name":"ann"}],
                 "temperature":0.7,"top_p":0.95,"top_k":40,"max_tokens":32,"seed":42,"stop":"\\n\\n",
                 "frobnicate":true}""";
        String resp = """
                {"id":"chatcmpl-1","object":"chat.completion","created":1730000000,"model":"assistant-v3",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"11","reasoning":null,"tool_calls":[]},
                   "logprobs":null,"finish_reason":"stop","stop_reason":null,"token_ids":null}],
                 "usage":{"prompt_tokens":12,"total_tokens":14,"completion_tokens":2,"prompt_tokens_details":null},
                 "prompt_logprobs":null,"prompt_token_ids":null,"kv_transfer_params":null}""";
        InferenceRecord r = record(exchange(CHAT, req, resp, 200));

        assertThat(r.schemaVersion()).isEqualTo(1);
        assertThat(r.inferenceId()).isEqualTo("inf-1");
        assertThat(r.tenant()).isEqualTo("default");
        assertThat(r.source()).isEqualTo(InferenceRecord.Source.TAP);
        assertThat(r.endpoint()).isEqualTo(Endpoint.CHAT_COMPLETIONS);
        assertThat(r.startedAt()).isEqualTo(T0);
        assertThat(r.completedAt()).isEqualTo(T1);
        assertThat(r.alias()).isEqualTo("assistant");
        assertThat(r.servedModel()).isEqualTo("assistant-v3");
        assertThat(r.servedAdapter()).isEqualTo("assistant-v3");
        assertThat(r.policyVersion()).isEqualTo(3);
        assertThat(r.route()).isEqualTo(InferenceRecord.Route.CANARY);
        assertThat(r.request().messages()).containsExactly(Message.of(Message.Role.SYSTEM, "You are terse."),
                new Message(Message.Role.USER, "Name a prime above 10.", "ann"));
        assertThat(r.request().prompt()).isNull();
        assertThat(r.request().promptTokenIds()).isNull();
        assertThat(r.request().params()).isEqualTo(new SamplingParams(0.7, 0.95, 40, 32, null, 42L, List.of("\n\n"), null));
        assertThat(r.choices()).containsExactly(new Choice(0, "11", "stop", null, null));
        assertThat(r.usage()).isEqualTo(new Usage(12, 2, 14));
        assertThat(r.latency().totalMs()).isCloseTo(880.543211, within(1e-6));
        assertThat(r.latency().firstTokenMs()).isEqualTo(41.5);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.error()).isNull();
        assertThat(r.stream()).isFalse();
        assertThat(r.traceparent()).isEqualTo(TRACEPARENT);
        assertThat(r.redactions()).isEmpty();
    }

    @Test
    void completionJsonResponse() {
        String req = "{\"model\":\"base\",\"prompt\":\"Once upon a time\",\"max_tokens\":5,\"logprobs\":0,\"stop\":[\".\",\"!\"]}";
        String resp = """
                {"id":"cmpl-1","object":"text_completion","created":1,"model":"base",
                 "choices":[{"index":0,"text":" there was","logprobs":{"text_offset":[0,6],"token_logprobs":[-0.5,-0.25],
                   "tokens":[" there"," was"],"top_logprobs":[{" there":-0.5},{" was":-0.25}]},
                   "finish_reason":"length","stop_reason":null,"prompt_logprobs":null}],
                 "usage":{"prompt_tokens":4,"total_tokens":6,"completion_tokens":2},"system_fingerprint":null}""";
        InferenceRecord r = record(exchange(COMPLETIONS, req, resp, 200));

        assertThat(r.endpoint()).isEqualTo(Endpoint.COMPLETIONS);
        assertThat(r.request().messages()).isNull();
        assertThat(r.request().prompt()).isEqualTo("Once upon a time");
        assertThat(r.request().params()).isEqualTo(new SamplingParams(null, null, null, 5, null, null, List.of(".", "!"), true));
        assertThat(r.choices()).containsExactly(new Choice(0, " there was", "length", null, List.of(-0.5, -0.25)));
        assertThat(r.usage()).isEqualTo(new Usage(4, 2, 6));
    }

    @Test
    void nTwoKeepsBothChoicesInIndexOrder() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":2,\"seed\":7}";
        String resp = """
                {"choices":[{"index":1,"message":{"role":"assistant","content":"b"},"finish_reason":"length"},
                            {"index":0,"message":{"role":"assistant","content":"a"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}""";
        InferenceRecord r = record(exchange(CHAT, req, resp, 200));

        assertThat(r.request().params().n()).isEqualTo(2);
        assertThat(r.request().params().seed()).isEqualTo(7L);
        assertThat(r.choices()).containsExactly(new Choice(0, "a", "stop", null, null), new Choice(1, "b", "length", null, null));
    }

    @Test
    void logprobsAndTokenIdsOfAChatResponse() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true,\"top_logprobs\":1,"
                + "\"return_token_ids\":true,\"max_completion_tokens\":8,\"max_tokens\":99}";
        String resp = """
                {"choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},
                   "logprobs":{"content":[{"token":"Hello","logprob":-0.01,"bytes":[72],"top_logprobs":[{"token":"Hello","logprob":-0.01}]},
                                          {"token":"!","logprob":-9999.0,"bytes":[33],"top_logprobs":[]}]},
                   "finish_reason":"stop","token_ids":[9906,0]}],
                 "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5},
                 "prompt_token_ids":[1,2,3]}""";
        InferenceRecord r = record(exchange(CHAT, req, resp, 200));

        assertThat(r.request().params().logprobs()).isTrue();
        assertThat(r.request().params().maxTokens()).as("max_completion_tokens wins").isEqualTo(8);
        assertThat(r.request().promptTokenIds()).containsExactly(1, 2, 3);
        assertThat(r.choices()).containsExactly(new Choice(0, "Hello!", "stop", List.of(9906, 0), List.of(-0.01, -9999.0)));
    }

    @Test
    void completionTokenIdsComeFromTheChoiceAndOddLogprobsAreNormalised() {
        String req = "{\"model\":\"m\",\"prompt\":\"a\",\"logprobs\":1,\"return_token_ids\":true}";
        String resp = """
                {"choices":[{"index":0,"text":" b c","logprobs":{"token_logprobs":[-Infinity,1e-9]},
                  "finish_reason":"stop","token_ids":[5,6],"prompt_token_ids":[1,64]}],
                 "usage":{"prompt_tokens":2,"completion_tokens":2}}""";
        InferenceRecord r = record(exchange(COMPLETIONS, req, resp, 200));

        assertThat(r.request().promptTokenIds()).containsExactly(1, 64);
        assertThat(r.choices()).containsExactly(new Choice(0, " b c", "stop", List.of(5, 6), List.of(-9999.0, 0.0)));
        assertThat(r.usage()).as("total computed when absent").isEqualTo(new Usage(2, 2, 4));
    }

    @Test
    void echoedPromptLogprobsWithANullAreUnusable() {
        String req = "{\"model\":\"m\",\"prompt\":\"a\",\"logprobs\":0,\"echo\":true}";
        String resp = "{\"choices\":[{\"index\":0,\"text\":\"a b\",\"logprobs\":{\"token_logprobs\":[null,-1.5,-0.5]},"
                + "\"finish_reason\":\"stop\",\"token_ids\":[1,-3]}]}";
        InferenceRecord r = record(exchange(COMPLETIONS, req, resp, 200));

        assertThat(r.choices()).containsExactly(new Choice(0, "a b", "stop", null, null));
        assertThat(r.usage()).isNull();
    }

    @Test
    void streamedChatWithTwoInterleavedChoicesAndAUsageChunk() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"count\"}],\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"n\":2,\"logprobs\":true,\"return_token_ids\":true}";
        String body = sse(
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"prompt_token_ids\":[7,8],"
                        + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}",
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}",
                "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"one\"},"
                        + "\"logprobs\":{\"content\":[{\"token\":\"one\",\"logprob\":-0.1,\"top_logprobs\":[]}]},\"token_ids\":[11]}]}",
                "{\"id\":\"c\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\"uno\"},"
                        + "\"logprobs\":{\"content\":[{\"token\":\"uno\",\"logprob\":-2.0,\"top_logprobs\":[]}]},\"token_ids\":[21]}]}",
                "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" two\"},"
                        + "\"logprobs\":{\"content\":[{\"token\":\" two\",\"logprob\":-0.2,\"top_logprobs\":[]}]},\"token_ids\":[12],"
                        + "\"finish_reason\":\"stop\",\"stop_reason\":null}]}",
                "{\"id\":\"c\",\"choices\":[{\"index\":1,\"delta\":{\"content\":\" dos\"},"
                        + "\"logprobs\":{\"content\":[{\"token\":\" dos\",\"logprob\":-0.3,\"top_logprobs\":[]}]},\"token_ids\":[22],"
                        + "\"finish_reason\":\"length\"}]}",
                "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[],"
                        + "\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":4,\"total_tokens\":6}}",
                "[DONE]");
        InferenceRecord r = record(exchange(CHAT, req, body, 200));

        assertThat(r.stream()).isTrue();
        assertThat(r.request().promptTokenIds()).containsExactly(7, 8);
        assertThat(r.choices()).containsExactly(
                new Choice(0, "one two", "stop", List.of(11, 12), List.of(-0.1, -0.2)),
                new Choice(1, "uno dos", "length", List.of(21, 22), List.of(-2.0, -0.3)));
        assertThat(r.usage()).isEqualTo(new Usage(2, 4, 6));
        assertThat(r.error()).isNull();
    }

    @Test
    void streamedCompletion() {
        String req = "{\"model\":\"m\",\"prompt\":\"1, 2,\",\"stream\":true,\"logprobs\":0}";
        String body = sse(
                "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"text\":\" 3\",\"logprobs\":{\"text_offset\":[0],\"token_logprobs\":[-0.5],"
                        + "\"tokens\":[\" 3\"],\"top_logprobs\":[{\" 3\":-0.5}]},\"finish_reason\":null}]}",
                "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\","
                        + "\"choices\":[{\"index\":0,\"text\":\",\",\"logprobs\":{\"token_logprobs\":[-0.125]},"
                        + "\"finish_reason\":\"length\",\"stop_reason\":null}]}",
                "[DONE]");
        InferenceRecord r = record(exchange(COMPLETIONS, req, body, 200));

        assertThat(r.stream()).isTrue();
        assertThat(r.choices()).containsExactly(new Choice(0, " 3,", "length", null, List.of(-0.5, -0.125)));
        assertThat(r.usage()).isNull();
    }

    @Test
    void axumStyleDataWithoutSpaceAndCrlf() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";
        String body = "data:{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"}}]}\r\n\r\n"
                + ": keep-alive\r\n\r\n"
                + "data:{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}],\"extra\":{\"x\":1}}\r\n\r\n"
                + "data:[DONE]\r\n\r\n";
        InferenceRecord r = record(exchange(CHAT, req, body, 200));

        assertThat(r.choices()).containsExactly(new Choice(0, "Hello", "stop", null, null));
    }

    @Test
    void truncatedStreamHasNoFinishReason() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";
        String body = sse("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
                "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"par\"}}]}")
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tial";
        InferenceRecord r = record(exchange(CHAT, req, body, 200));

        assertThat(r.stream()).isTrue();
        assertThat(r.choices()).containsExactly(new Choice(0, "par", null, null, null));
        assertThat(r.error()).isNull();
    }

    @Test
    void midStreamErrorKeepsTheStatusAndWhatWasStreamed() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";
        String nested = sse("{\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"}}]}",
                "{\"error\":{\"message\":\"engine died\",\"type\":\"InternalServerError\",\"param\":null,\"code\":500}}", "[DONE]");
        InferenceRecord r = record(exchange(CHAT, req, nested, 200));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.error()).isEqualTo("engine died");
        assertThat(r.choices()).containsExactly(new Choice(0, "Hi", null, null, null));

        String flat = sse("{\"object\":\"error\",\"message\":\"old shape\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}",
                "[DONE]");
        InferenceRecord old = record(exchange(CHAT, req, flat, 200));
        assertThat(old.error()).isEqualTo("old shape");
        assertThat(old.choices()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{\"error\":{\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\",\"param\":\"model\",\"code\":404}}",
        "{\"object\":\"error\",\"message\":\"The model `x` does not exist.\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}",
        "{\"error\":\"The model `x` does not exist.\"}",
        "{\"detail\":\"The model `x` does not exist.\"}"})
    void errorShapes(String body) {
        String req = "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";
        InferenceRecord r = record(exchange(CHAT, req, body, 404));

        assertThat(r.status()).isEqualTo(404);
        assertThat(r.error()).isEqualTo("The model `x` does not exist.");
        assertThat(r.choices()).isEmpty();
        assertThat(r.usage()).isNull();
        assertThat(r.stream()).isFalse();
    }

    @Test
    void badRequestWithParametersTheSchemaCannotHold() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"temperature\":-1,\"top_p\":1.5,\"n\":0,\"max_tokens\":-5,\"seed\":\"x\",\"stop\":[\"a\",3],\"logprobs\":\"yes\"}";
        String resp = "{\"error\":{\"message\":\"temperature must be non-negative\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}}";
        InferenceRecord r = record(exchange(CHAT, req, resp, 400));

        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("temperature must be non-negative");
        assertThat(r.request().params()).isEqualTo(new SamplingParams(null, null, null, null, null, null, List.of("a"), null));
        assertThat(r.choices()).isEmpty();
    }

    @Test
    void nonJsonErrorBodiesBecomeAPrefix() {
        String req = "{\"model\":\"m\",\"prompt\":\"hi\"}";
        String html = "<html>" + "x".repeat(500) + "</html>";
        InferenceRecord r = record(exchange(COMPLETIONS, req, html, 502));
        assertThat(r.error()).hasSize(OpenAiExchange.ERROR_PREFIX_CHARS + 1).startsWith("<html>xxx").endsWith("…");

        assertThat(record(exchange(COMPLETIONS, req, "", 503)).error()).isEqualTo("HTTP 503");
        assertThat(record(exchange(COMPLETIONS, req, null, 504)).error()).isEqualTo("HTTP 504");
        assertThat(record(exchange(COMPLETIONS, req, "{\"choices\":[]}", 500)).error()).isEqualTo("{\"choices\":[]}");
    }

    @Test
    void multiPartContentIsFlattenedToItsText() {
        String req = """
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"text","text":"What is in"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"}},
                  {"type":"text","text":"this picture?"}]},
                  {"role":"developer","content":[{"type":"image_url","image_url":{"url":"http://x/y.png"}}]}]}""";
        String resp = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"A cat.\"},\"finish_reason\":\"stop\"}]}";
        InferenceRecord r = record(exchange(CHAT, req, resp, 200));

        assertThat(r.request().messages()).containsExactly(Message.of(Message.Role.USER, "What is in\nthis picture?"),
                Message.of(Message.Role.DEVELOPER, ""));
    }

    @Test
    void toolMessagesAndCallOnlyMessages() {
        String req = """
                {"model":"m","messages":[
                  {"role":"user","content":"Weather in Paris?"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                     "function":{"name":"weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"18C, sunny"},
                  {"role":"assistant","content":"","function_call":{"name":"weather","arguments":"{}"}},
                  {"role":"function","name":"weather","content":"19C"}],
                 "tools":[{"type":"function","function":{"name":"weather","parameters":{}}}]}""";
        String resp = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
                + "\"tool_calls\":[{\"id\":\"call_2\",\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{}\"}}]},"
                + "\"finish_reason\":\"tool_calls\"}]}";
        InferenceRecord r = record(exchange(CHAT, req, resp, 200));

        assertThat(r.request().messages()).containsExactly(
                Message.of(Message.Role.USER, "Weather in Paris?"),
                Message.of(Message.Role.ASSISTANT, null),
                Message.of(Message.Role.TOOL, "18C, sunny"),
                Message.of(Message.Role.ASSISTANT, null),
                new Message(Message.Role.TOOL, "19C", "weather"));
        assertThat(r.choices()).containsExactly(new Choice(0, "", "tool_calls", null, null));
    }

    @Test
    void tokenIdPromptsAndBatches() {
        String resp = "{\"choices\":[{\"index\":0,\"text\":\"x\",\"finish_reason\":\"length\",\"prompt_token_ids\":[9]},"
                + "{\"index\":1,\"text\":\"y\",\"finish_reason\":\"length\"},{\"index\":2,\"text\":\"z\",\"finish_reason\":\"stop\"},"
                + "{\"index\":3,\"text\":\"w\",\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":4,\"total_tokens\":8}}";

        InferenceRecord ids = record(exchange(COMPLETIONS, "{\"model\":\"m\",\"prompt\":[1,2,3]}", resp, 200));
        assertThat(ids.request().prompt()).isEmpty();
        assertThat(ids.request().promptTokenIds()).as("the request's ids win").containsExactly(1, 2, 3);
        assertThat(ids.choices()).hasSize(4);
        assertThat(ids.usage()).isEqualTo(new Usage(4, 4, 8));

        InferenceRecord nested = record(exchange(COMPLETIONS, "{\"model\":\"m\",\"prompt\":[[1,2],[3,4]],\"n\":2}", resp, 200));
        assertThat(nested.request().promptTokenIds()).containsExactly(1, 2);
        assertThat(nested.choices()).extracting(Choice::text).containsExactly("x", "y");
        assertThat(nested.usage()).as("usage covers the whole batch").isNull();

        InferenceRecord texts = record(exchange(COMPLETIONS, "{\"model\":\"m\",\"prompt\":[\"first\",\"second\"]}", resp, 200));
        assertThat(texts.request().prompt()).isEqualTo("first");
        assertThat(texts.request().promptTokenIds()).containsExactly(9);
        assertThat(texts.choices()).extracting(Choice::text).containsExactly("x");
    }

    @Test
    void pathsEndingInTheOpenAiRoutes() {
        assertThat(OpenAiExchange.endpointOf("/openai/v1/chat/completions")).contains(Endpoint.CHAT_COMPLETIONS);
        assertThat(OpenAiExchange.endpointOf("/v1/chat/completions/?x=1")).contains(Endpoint.CHAT_COMPLETIONS);
        assertThat(OpenAiExchange.endpointOf("/openai/v1/completions")).contains(Endpoint.COMPLETIONS);
        assertThat(OpenAiExchange.endpointOf("/v1/models")).isEmpty();
        assertThat(OpenAiExchange.endpointOf("/v2/models/m/infer")).isEmpty();
        assertThat(OpenAiExchange.endpointOf(null)).isEmpty();

        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String resp = "{\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"yo\"}}]}";
        assertThat(record(exchange("/openai/v1/chat/completions", req, resp, 200)).choices())
                .containsExactly(new Choice(0, "yo", null, null, null));
        assertThatThrownBy(() -> OpenAiExchange.toRecord(exchange("/v1/embeddings", req, resp, 200)))
                .isInstanceOfSatisfying(CaptureException.class,
                        e -> assertThat(e.reason()).isEqualTo(CaptureException.Reason.UNSUPPORTED_ENDPOINT));
    }

    @Test
    void uncapturableExchangesThrowWithAReason() {
        String chat = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String ok = "{\"choices\":[]}";
        assertReason(exchange(CHAT, "not json", ok, 200), CaptureException.Reason.REQUEST_UNREADABLE);
        assertReason(exchange(CHAT, "", ok, 200), CaptureException.Reason.REQUEST_UNREADABLE);
        assertReason(exchange(CHAT, "[1]", ok, 200), CaptureException.Reason.REQUEST_UNREADABLE);
        assertReason(exchange(CHAT, "{\"model\":\"m\",\"messages\":[]}", ok, 200), CaptureException.Reason.REQUEST_INVALID);
        assertReason(exchange(CHAT, "{\"model\":\"m\",\"prompt\":\"hi\"}", ok, 200), CaptureException.Reason.REQUEST_INVALID);
        assertReason(exchange(CHAT, "{\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}", ok, 200),
                CaptureException.Reason.REQUEST_INVALID);
        assertReason(exchange(CHAT, "{\"messages\":[{\"role\":\"user\",\"content\":7}]}", ok, 200),
                CaptureException.Reason.REQUEST_INVALID);
        assertReason(exchange(COMPLETIONS, "{\"model\":\"m\"}", ok, 200), CaptureException.Reason.REQUEST_INVALID);
        assertReason(exchange(COMPLETIONS, "{\"prompt\":[[1,-2]]}", ok, 200), CaptureException.Reason.REQUEST_INVALID);
        assertReason(exchange(COMPLETIONS, "{\"prompt\":{\"a\":1}}", ok, 200), CaptureException.Reason.REQUEST_INVALID);
        assertReason(exchange(CHAT, chat, "", 200), CaptureException.Reason.RESPONSE_UNREADABLE);
        assertReason(exchange(CHAT, chat, "<html>oops</html>", 200), CaptureException.Reason.RESPONSE_UNREADABLE);
        assertReason(exchange(CHAT, chat, "{\"choices\":[{\"index\":0,", 200), CaptureException.Reason.RESPONSE_UNREADABLE);
        assertReason(exchange(CHAT, chat, "data: {\"choices\":[]}\n\ndata: not json\n\n", 200),
                CaptureException.Reason.RESPONSE_UNREADABLE);
        assertReason(exchange(CHAT, chat, "{\"choices\":[{\"index\":-1}]}", 200), CaptureException.Reason.RESPONSE_UNREADABLE);

        OpenAiExchange.Captured c = exchange(CHAT, chat, ok, 200);
        assertReason(new OpenAiExchange.Captured("bad id!", c.tenant(), c.source(), c.path(), c.requestBody(), c.responseBody(),
                200, T0, T1, null, null, "m", null, 0, c.route(), null), CaptureException.Reason.INVALID_METADATA);
        assertReason(new OpenAiExchange.Captured("i", "Tenant", c.source(), c.path(), c.requestBody(), c.responseBody(),
                200, T0, T1, null, null, "m", null, 0, c.route(), null), CaptureException.Reason.INVALID_METADATA);
        assertReason(new OpenAiExchange.Captured("i", "t", c.source(), c.path(), c.requestBody(), c.responseBody(),
                200, T0, T1, null, null, "", null, 0, c.route(), null), CaptureException.Reason.INVALID_METADATA);
        assertReason(new OpenAiExchange.Captured("i", "t", c.source(), c.path(), c.requestBody(), c.responseBody(),
                99, T0, T1, null, null, "m", null, 0, c.route(), null), CaptureException.Reason.INVALID_METADATA);
    }

    private static void assertReason(OpenAiExchange.Captured c, CaptureException.Reason reason) {
        assertThatThrownBy(() -> OpenAiExchange.toRecord(c))
                .isInstanceOfSatisfying(CaptureException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }

    @Test
    void metadataTheSchemaCannotHoldIsDroppedNotFatal() {
        String req = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        String resp = "{\"choices\":[]}";
        InferenceRecord r = record(new OpenAiExchange.Captured("i-2", "default", InferenceRecord.Source.KSERVE, CHAT, utf8(req),
                utf8(resp), 200, T1, T0, -3.0, null, "m", null, 0, InferenceRecord.Route.DIRECT, "not-a-traceparent"));

        assertThat(r.latency()).isEqualTo(new InferenceRecord.Latency(0, null));
        assertThat(r.traceparent()).isNull();
        assertThat(r.alias()).isNull();
    }

    @Test
    void redactionReplacesEveryTextAndCountsByType() {
        String req = """
                {"model":"m","messages":[{"role":"system","content":"Key sk-abcdef123456 is secret"},
                  {"role":"user","content":"Mail ann@example.com and bob@example.org"},
                  {"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}],
                 "logprobs":true}""";
        String resp = """
                {"choices":[{"index":0,"message":{"role":"assistant","content":"Write to ann@example.com"},"finish_reason":"stop",
                   "token_ids":[1,2,3],"logprobs":{"content":[{"logprob":-0.5}]}},
                  {"index":1,"message":{"role":"assistant","content":"No."},"finish_reason":"stop",
                   "token_ids":[4],"logprobs":{"content":[{"logprob":-0.1}]}}],
                 "prompt_token_ids":[10,11]}""";
        InferenceRecord raw = record(exchange(CHAT, req, resp, 200));
        InferenceRecord withPrior = new InferenceRecord(raw.schemaVersion(), raw.inferenceId(), raw.tenant(), raw.source(),
                raw.endpoint(), raw.startedAt(), raw.completedAt(), raw.alias(), raw.servedModel(), raw.servedAdapter(),
                raw.policyVersion(), raw.route(), raw.request(), raw.choices(), raw.usage(), raw.latency(), raw.status(), raw.error(),
                raw.stream(), raw.traceparent(), Map.of("PHONE", 2, "EMAIL", 1));

        InferenceRecord r = OpenAiExchange.redact(withPrior, new PatternRedactor());
        EventCodec.of(InferenceRecord.class).encode(r);

        assertThat(r.request().messages()).containsExactly(Message.of(Message.Role.SYSTEM, "Key <SECRET> is secret"),
                Message.of(Message.Role.USER, "Mail <EMAIL> and <EMAIL>"), Message.of(Message.Role.ASSISTANT, null));
        assertThat(r.request().promptTokenIds()).as("token ids would spell the redacted text").isNull();
        assertThat(r.choices()).containsExactly(new Choice(0, "Write to <EMAIL>", "stop", null, null),
                new Choice(1, "No.", "stop", List.of(4), List.of(-0.1)));
        assertThat(r.redactions()).isEqualTo(Map.of("PHONE", 2, "EMAIL", 4, "SECRET", 1));
        assertThat(OpenAiExchange.redact(r, new PatternRedactor())).as("redacting again finds nothing").isEqualTo(r);
    }

    @Test
    void redactionOfPromptAndErrorAndCleanRecords() {
        InferenceRecord err = record(exchange(COMPLETIONS, "{\"model\":\"m\",\"prompt\":[5,6]}",
                "{\"error\":{\"message\":\"bad input from ann@example.com\"}}", 400));
        InferenceRecord r = OpenAiExchange.redact(err, new PatternRedactor());
        assertThat(r.error()).isEqualTo("bad input from <EMAIL>");
        assertThat(r.request().promptTokenIds()).as("nothing in the request was redacted").containsExactly(5, 6);
        assertThat(r.redactions()).isEqualTo(Map.of("EMAIL", 1));

        InferenceRecord prompt = record(exchange(COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"to: x@y.io\"}",
                "{\"choices\":[{\"index\":0,\"text\":\"ok\",\"prompt_token_ids\":[1]}]}", 200));
        InferenceRecord p = OpenAiExchange.redact(prompt, new PatternRedactor());
        assertThat(p.request().prompt()).isEqualTo("to: <EMAIL>");
        assertThat(p.request().promptTokenIds()).isNull();

        InferenceRecord clean = record(exchange(CHAT, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"choices\":[{\"index\":0,\"message\":{\"content\":\"yo\"},\"token_ids\":[3]}]}", 200));
        assertThat(OpenAiExchange.redact(clean, new PatternRedactor())).isEqualTo(clean);
    }
}
