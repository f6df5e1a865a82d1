package dev.feedloop.sidecar.bench;

import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A vLLM-protocol upstream for the tap benchmark that answers in microseconds: it replays responses
 * recorded from {@code feedloop serve} (vLLM's OpenAI-compatible protocol on the embedded engine)
 * byte for byte — the JSON body with its {@code Content-Length}, or the SSE stream event by event
 * with {@code Transfer-Encoding: chunked} and a fixed gap between events, as vLLM writes one event per
 * generated token. The tap cannot tell it from the engine; the benchmark's latency is then the
 * tap's, not the tiny model's.
 */
final class RecordedUpstream extends VerticleBase {
    /** What {@code feedloop serve} answered. */
    record Recording(byte[] json, List<byte[]> events) {}

    private final Recording recording;
    private final long eventGapMs;
    private HttpServer server;

    RecordedUpstream(Recording recording, long eventGapMs) {
        this.recording = recording;
        this.eventGapMs = eventGapMs;
    }

    /** Records one non-streaming and one streaming chat answer of the tiny model. */
    static Recording record(Path dir, int maxTokens) throws IOException, InterruptedException {
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 1, TinyCheckpoint.Spec.standard());
        try (ServeRuntime serve = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName("tiny"))) {
            HttpClient http = HttpClient.newHttpClient();
            byte[] json = post(http, serve.baseUrl(), TapBench.body(false, maxTokens, 0));
            byte[] sse = post(http, serve.baseUrl(), TapBench.body(true, maxTokens, 0));
            List<byte[]> events = new ArrayList<>();
            String s = new String(sse, StandardCharsets.UTF_8);
            int at = 0;
            for (int end = s.indexOf("\n\n", at); end >= 0; end = s.indexOf("\n\n", at)) {
                events.add(s.substring(at, end + 2).getBytes(StandardCharsets.UTF_8));
                at = end + 2;
            }
            if (events.size() < 3 || !s.endsWith("data: [DONE]\n\n")) {
                throw new IOException("unexpected stream from feedloop serve: " + s);
            }
            return new Recording(json, events);
        }
    }

    private static byte[] post(HttpClient http, String base, String body) throws IOException, InterruptedException {
        HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
            throw new IOException("feedloop serve answered " + r.statusCode() + ": " + new String(r.body(), StandardCharsets.UTF_8));
        }
        return r.body();
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public Future<?> start() {
        Buffer json = Buffer.buffer(recording.json());
        List<Buffer> events = recording.events().stream().map(Buffer::buffer).toList();
        server = vertx.createHttpServer();
        server.requestHandler(req -> req.body().onSuccess(body -> {
            HttpServerResponse out = req.response();
            if (!req.path().equals("/v1/chat/completions")) {
                out.setStatusCode(404).putHeader("content-type", "application/json")
                        .end("{\"error\":{\"message\":\"Not Found\",\"type\":\"NotFoundError\",\"param\":null,\"code\":404}}");
                return;
            }
            boolean stream = body.toString(StandardCharsets.UTF_8).contains("\"stream\":true");
            if (!stream) {
                out.putHeader("content-type", "application/json").end(json);
                return;
            }
            out.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8");
            send(out, events, 0);
        }));
        return server.listen(0, "127.0.0.1");
    }

    private void send(HttpServerResponse out, List<Buffer> events, int i) {
        if (out.closed()) {
            return;
        }
        if (i == events.size() - 1) {
            out.end(events.get(i));
            return;
        }
        out.write(events.get(i));
        vertx.setTimer(eventGapMs, t -> send(out, events, i + 1));
    }
}
