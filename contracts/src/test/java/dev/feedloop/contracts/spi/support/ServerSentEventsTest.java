package dev.feedloop.contracts.spi.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.support.ServerSentEvents.Decoder;
import dev.feedloop.contracts.spi.support.ServerSentEvents.Event;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link ServerSentEvents} against the stream dialects of vLLM/SGLang, axum (LoRAX, TGI) and the spec's corners. */
class ServerSentEventsTest {
    /** Two vLLM chat chunks and the sentinel, exactly as vLLM writes them. */
    private static final String VLLM = "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,"
            + "\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n"
            + "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hé\"},"
            + "\"finish_reason\":\"stop\"}]}\n\n"
            + "data: [DONE]\n\n";

    /** A LoRAX /generate_stream body: axum writes no space after the colon. */
    private static final String AXUM = "data:{\"token\":{\"id\":17,\"text\":\"Hi\",\"logprob\":-0.5,\"special\":false},"
            + "\"generated_text\":null,\"details\":null}\n\n"
            + "data:{\"token\":{\"id\":2,\"text\":\"</s>\",\"logprob\":-0.1,\"special\":true},"
            + "\"generated_text\":\"Hi\",\"details\":{\"finish_reason\":\"eos_token\",\"generated_tokens\":2}}\n\n";

    private static List<Event> feedAll(Decoder decoder, byte[] bytes, int chunk) {
        List<Event> out = new ArrayList<>();
        for (int i = 0; i < bytes.length; i += chunk) {
            out.addAll(decoder.feed(bytes, i, Math.min(chunk, bytes.length - i)));
        }
        return out;
    }

    @Test
    void vllmStreamWithSpaceAfterColonEndsAtDone() {
        Decoder decoder = ServerSentEvents.decoder();

        List<Event> events = feedAll(decoder, VLLM.getBytes(StandardCharsets.UTF_8), 4096);

        assertThat(events).hasSize(2);
        assertThat(events.get(0).data()).startsWith("{\"id\":\"chatcmpl-1\"").endsWith("}]}");
        assertThat(events.get(1).data()).contains("\"content\":\"Hé\"");
        assertThat(events).extracting(Event::type).containsOnly("message");
        assertThat(decoder.done()).isTrue();
        assertThat(decoder.incomplete()).isFalse();
    }

    @Test
    void axumStreamWithoutSpaceAfterColonReadsTheSame() {
        Decoder decoder = ServerSentEvents.decoder();

        List<Event> events = feedAll(decoder, AXUM.getBytes(StandardCharsets.UTF_8), 4096);

        assertThat(events).extracting(Event::data).allSatisfy(d -> assertThat(d).startsWith("{\"token\""));
        assertThat(events).hasSize(2);
        assertThat(decoder.done()).as("LoRAX's native stream has no [DONE]").isFalse();
        assertThat(decoder.incomplete()).isFalse();
    }

    @Test
    void axumDoneWithoutSpaceIsTheSentinelToo() {
        assertThat(ServerSentEvents.parse("data:{\"a\":1}\n\ndata:[DONE]\n\n")).extracting(Event::data)
                .containsExactly("{\"a\":1}");
    }

    @Test
    void everyChunkingGivesTheSameEvents() {
        byte[] bytes = (VLLM.replace("\n", "\r\n")).getBytes(StandardCharsets.UTF_8);
        List<Event> whole = feedAll(ServerSentEvents.decoder(), bytes, bytes.length);

        for (int chunk = 1; chunk <= 7; chunk++) {
            assertThat(feedAll(ServerSentEvents.decoder(), bytes, chunk)).as("chunks of %d bytes", chunk)
                    .isEqualTo(whole);
        }
        assertThat(whole).hasSize(2);
        assertThat(whole.get(1).data()).as("a two-byte character split across chunks").contains("Hé");
    }

    @Test
    void crLfSplitAcrossChunksIsOneLineEnd() {
        Decoder decoder = ServerSentEvents.decoder();
        List<Event> events = new ArrayList<>();
        events.addAll(decoder.feed(ByteBuffer.wrap("data: a\r".getBytes(StandardCharsets.UTF_8))));
        events.addAll(decoder.feed(ByteBuffer.wrap("\ndata: b\r".getBytes(StandardCharsets.UTF_8))));
        events.addAll(decoder.feed(ByteBuffer.wrap("\n\r\n".getBytes(StandardCharsets.UTF_8))));

        assertThat(events).extracting(Event::data).containsExactly("a\nb");
    }

    @Test
    void bareCrEndsLinesToo() {
        assertThat(ServerSentEvents.parse("data: x\r\rdata: y\r\r")).extracting(Event::data).containsExactly("x", "y");
    }

    @Test
    void multiLineDataIsJoinedWithLineFeeds() {
        assertThat(ServerSentEvents.parse("data: {\ndata:  \"a\": 1\ndata: }\n\n")).extracting(Event::data)
                .containsExactly("{\n \"a\": 1\n}");
    }

    @Test
    void commentsAndUnknownFieldsAreIgnored() {
        List<Event> events = ServerSentEvents.parse(": keep-alive\n\n:\nretry: 10\nfoo: bar\ndata: x\n\n");

        assertThat(events).extracting(Event::data).containsExactly("x");
    }

    @Test
    void eventTypeAndIdAreReportedAndIdCarriesOver() {
        List<Event> events = ServerSentEvents.parse("event: error\nid: 7\ndata: {\"error\":\"x\"}\n\ndata: y\n\n");

        assertThat(events)
                .containsExactly(new Event("error", "{\"error\":\"x\"}", "7"), new Event("message", "y", "7"));
    }

    @Test
    void eventWithoutDataIsNotDispatched() {
        assertThat(ServerSentEvents.parse("event: ping\n\ndata: z\n\n"))
                .containsExactly(new Event("message", "z", ""));
    }

    @Test
    void emptyDataFieldDispatchesAnEmptyEvent() {
        assertThat(ServerSentEvents.parse("data\n\ndata:\n\n")).extracting(Event::data).containsExactly("", "");
    }

    @Test
    void onlyOneLeadingSpaceIsStripped() {
        assertThat(ServerSentEvents.parse("data:  two\n\n")).extracting(Event::data).containsExactly(" two");
    }

    @Test
    void cutOffEventIsNotDispatchedAndReportedIncomplete() {
        Decoder decoder = ServerSentEvents.decoder();
        byte[] bytes = "data: whole\n\ndata: {\"partial\":".getBytes(StandardCharsets.UTF_8);

        assertThat(decoder.feed(bytes, 0, bytes.length)).extracting(Event::data).containsExactly("whole");
        assertThat(decoder.incomplete()).isTrue();

        Decoder other = ServerSentEvents.decoder();
        byte[] noBlankLine = "data: x\n".getBytes(StandardCharsets.UTF_8);
        assertThat(other.feed(noBlankLine, 0, noBlankLine.length)).isEmpty();
        assertThat(other.incomplete()).isTrue();
    }

    @Test
    void inputAfterDoneIsIgnored() {
        Decoder decoder = ServerSentEvents.decoder();
        byte[] bytes = "data: a\n\ndata: [DONE]\n\ndata: b\n\n".getBytes(StandardCharsets.UTF_8);

        assertThat(decoder.feed(bytes, 0, bytes.length)).extracting(Event::data).containsExactly("a");
        assertThat(decoder.done()).isTrue();
        assertThat(decoder.line("data: c")).isEmpty();
        assertThat(decoder.incomplete()).isFalse();
    }

    @Test
    void midStreamErrorEventIsPassedOnBeforeDone() {
        String body = "data: {\"choices\":[]}\n\n"
                + "data: {\"error\": {\"message\": \"boom\", \"code\": 500}}\n\n"
                + "data: [DONE]\n\n";

        assertThat(ServerSentEvents.parse(body)).extracting(Event::data)
                .containsExactly("{\"choices\":[]}", "{\"error\": {\"message\": \"boom\", \"code\": 500}}");
    }

    @Test
    void leadingByteOrderMarkIsSkipped() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] rest = "data: x\n\n".getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[bom.length + rest.length];
        System.arraycopy(bom, 0, bytes, 0, bom.length);
        System.arraycopy(rest, 0, bytes, bom.length, rest.length);

        assertThat(feedAll(ServerSentEvents.decoder(), bytes, 1)).extracting(Event::data).containsExactly("x");
    }

    @Test
    void linesFromAnHttpLineSubscriberDecodeTheSame() {
        Decoder decoder = ServerSentEvents.decoder();
        List<Event> events = new ArrayList<>();
        for (String line : AXUM.split("\n", -1)) {
            events.addAll(decoder.line(line));
        }

        assertThat(events).isEqualTo(ServerSentEvents.parse(AXUM));
    }

    @Test
    void readStopsAtDoneAndReportsIt() throws IOException {
        List<Event> events = new ArrayList<>();

        boolean done = ServerSentEvents.read(
                new ByteArrayInputStream(VLLM.getBytes(StandardCharsets.UTF_8)), events::add);

        assertThat(done).isTrue();
        assertThat(events).hasSize(2);
        assertThat(ServerSentEvents.read(new ByteArrayInputStream(AXUM.getBytes(StandardCharsets.UTF_8)), e -> { }))
                .isFalse();
    }

    @Test
    void oversizedLinesAndEventsFail() {
        Decoder lines = ServerSentEvents.decoder(8);
        byte[] longLine = "data: 0123456789".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> lines.feed(longLine, 0, longLine.length)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("longer than 8");

        Decoder events = ServerSentEvents.decoder(11);
        events.line("data: 12345");
        assertThatThrownBy(() -> events.line("data: 67890")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("data longer than 11");
        assertThatThrownBy(() -> ServerSentEvents.decoder(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void malformedUtf8BecomesReplacementCharacters() {
        byte[] bytes = {'d', 'a', 't', 'a', ':', (byte) 0xC3, '\n', '\n'};

        assertThat(feedAll(ServerSentEvents.decoder(), bytes, 3)).extracting(Event::data).containsExactly("\uFFFD");
    }
}
