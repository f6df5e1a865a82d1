package dev.feedloop.sidecar.tap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.swap.InFlight;
import dev.feedloop.sidecar.swap.RoutingTable;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The tap: an OpenAI-compatible reverse proxy in front of the local serving engine.
 *
 * <p><b>Contract: the tap never makes serving worse.</b> Every request is forwarded; responses are
 * relayed as they arrive (SSE chunk by chunk, byte for byte, with backpressure); upstream errors are
 * relayed unchanged; a client that goes away cancels the upstream request. Only after the response has
 * completed is the exchange offered to the {@link CapturePipeline}, which never blocks and never fails
 * the request. {@code /v1/chat/completions} and {@code /v1/completions} are captured and get an
 * {@code x-feedloop-inference-id} header; a request for the public alias is routed to the promoted
 * adapter (or the canary) from the {@link RoutingTable}. Other paths pass through untouched.
 *
 * <p>Threading: everything runs on this verticle's event loop; nothing blocks.
 */
public final class TapProxy extends VerticleBase {
    /** Response header carrying the inference id the application sends feedback against. */
    public static final String INFERENCE_ID_HEADER = "x-feedloop-inference-id";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
            "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length");
    private static final Set<String> CAPTURED = Set.of("/v1/chat/completions", "/v1/completions");

    private final FeedloopConfig.TapConfig tap;
    private final FeedloopConfig.CaptureConfig capture;
    private final RoutingTable routing;
    private final InFlight inFlight;
    private final CapturePipeline<TapExchange> pipeline;
    private final FeedbackApi feedback;
    private final MeterRegistry registry;
    private HttpClient upstream;
    private HttpServer server;
    private Router router;
    private Counter upstreamErrors;
    private final java.util.Map<String, io.micrometer.core.instrument.Timer> timers = new java.util.concurrent.ConcurrentHashMap<>();
    private Counter aborted;

    /**
     * @param feedback the feedback API served on the same port, or null for none
     */
    public TapProxy(FeedloopConfig.TapConfig tap, FeedloopConfig.CaptureConfig capture, RoutingTable routing, InFlight inFlight,
            CapturePipeline<TapExchange> pipeline, FeedbackApi feedback, MeterRegistry registry) {
        this.tap = tap;
        this.capture = capture;
        this.routing = routing;
        this.inFlight = inFlight;
        this.pipeline = pipeline;
        this.feedback = feedback;
        this.registry = registry;
    }

    /** The bound port. */
    public int actualPort() {
        return server.actualPort();
    }

    /** Requests in flight per served model, which the swap agent drains on. */
    InFlight inFlight() {
        return inFlight;
    }

    /** The router (after start), for checking the routes against the OpenAPI document. */
    public Router router() {
        return router;
    }

    @Override
    public Future<?> start() {
        URI u = tap.upstream();
        upstream = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setDefaultHost(u.getHost())
                .setDefaultPort(u.getPort() > 0 ? u.getPort() : ("https".equals(u.getScheme()) ? 443 : 80))
                .setSsl("https".equals(u.getScheme())).setTcpNoDelay(true).setIdleTimeout(60),
                new PoolOptions().setHttp1MaxSize(tap.upstreamConnections()));
        upstreamErrors = Counter.builder("feedloop.tap.upstream.errors").description("requests the engine could not be reached for")
                .register(registry);
        aborted = Counter.builder("feedloop.tap.client.aborted").description("clients that went away before the response ended")
                .register(registry);
        router = Router.router(vertx);
        if (feedback != null) {
            feedback.mount(vertx, router);
        }
        router.errorHandler(413, ctx -> {
            if (feedback != null && FeedbackApi.PATH.equals(ctx.request().path())) {
                feedback.tooLarge(ctx);
            } else {
                openAiError(ctx.response(), 413, "the request body exceeds tap.max-body-bytes (" + tap.maxBodyBytes() + " bytes)",
                        "BadRequestError");
            }
        });
        router.route().handler(BodyHandler.create().setBodyLimit(tap.maxBodyBytes()).setHandleFileUploads(false));
        router.route().handler(this::proxy);
        server = vertx.createHttpServer();
        return server.requestHandler(router).listen(tap.port(), "0.0.0.0");
    }

    private void proxy(RoutingContext ctx) {
        HttpServerRequest in = ctx.request();
        HttpServerResponse out = ctx.response();
        Instant started = Instant.now();
        long t0 = System.nanoTime();
        String path = in.path();
        boolean generation = in.method().name().equals("POST") && CAPTURED.contains(path);
        Buffer body = ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
        byte[] original = body.getBytes();
        String traceparent = in.getHeader(CloudEventHeaders.TRACEPARENT);
        if (traceparent == null || !CloudEventHeaders.isValidTraceparent(traceparent)) {
            traceparent = newTraceparent();
        }
        String inferenceId = generation ? UUID.randomUUID().toString() : null;
        String alias = null;
        RoutingTable.Decision decision = null;
        Buffer forward = body;
        if (generation) {
            JsonNode json = parse(original);
            String model = json != null && json.path("model").isTextual() ? json.get("model").asText() : null;
            if (model != null && model.equals(tap.alias()) && !tap.baseModel().isEmpty()) {
                decision = routing.route(tap.alias(), ThreadLocalRandom.current().nextDouble());
                if (decision != null) {
                    alias = model;
                    ((ObjectNode) json).put("model", decision.servedModel());
                    forward = Buffer.buffer(json.toString());
                }
            }
            if (decision == null) {
                long version = policyVersionOf(model);
                String named = model != null ? model : tap.baseModel().isEmpty() ? "default" : tap.baseModel();
                decision = new RoutingTable.Decision(named, version > 0 ? model : null, version,
                        InferenceRecord.Route.DIRECT);
            }
        }
        String served = decision == null ? null : decision.servedModel();
        Flight flight = new Flight(served);
        if (served != null) {
            inFlight.begin(served);
        }
        RequestOptions options = new RequestOptions().setMethod(in.method()).setURI(in.uri());
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        in.headers().forEach((k, v) -> {
            if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT))) {
                headers.add(k, v);
            }
        });
        headers.set(CloudEventHeaders.TRACEPARENT, traceparent);
        options.setHeaders(headers);
        Buffer toSend = forward;
        String trace = traceparent;
        String aliasFinal = alias;
        RoutingTable.Decision decisionFinal = decision;
        boolean capturing = generation && !capture.excludeRoutes().contains(path)
                && ThreadLocalRandom.current().nextDouble() < capture.sampleRate();
        if (generation && !capturing) {
            pipeline.drop(capture.excludeRoutes().contains(path) ? "excluded_route" : "sampled_out");
        }
        flight.capturing = capturing;
        // installed before waiting for an upstream connection: a client may leave while the tap waits
        out.closeHandler(v -> {
            if (!out.ended()) {
                abort(flight);
            }
        });
        if (out.closed()) { // gone already: the close handler will not fire
            abort(flight);
            return;
        }
        upstream.request(options).onComplete(ar -> {
            if (ar.failed()) {
                fail(out, flight, ar.cause());
                return;
            }
            HttpClientRequest req = ar.result();
            if (flight.aborted) {
                req.reset(); // the client left while the tap waited for the connection: send nothing
                return;
            }
            flight.upstreamRequest = req;
            req.send(toSend).onComplete(rr -> {
                if (rr.failed()) {
                    fail(out, flight, rr.cause());
                    return;
                }
                relay(rr.result(), out, inferenceId, capturing, new Capture(inferenceId, path, original, started, t0, aliasFinal,
                        decisionFinal, trace, flight));
            });
        });
    }

    /** What is known of an exchange before its response. */
    private record Capture(String inferenceId, String path, byte[] request, Instant started, long t0, String alias,
            RoutingTable.Decision decision, String traceparent, Flight flight) {}

    /**
     * One request's hold on its served model (the swap agent drains on it): released exactly once,
     * whichever of the response's end, the client's abort or an upstream failure comes first. Event
     * loop only.
     */
    private final class Flight {
        private final String served;
        private boolean released;
        boolean aborted;
        /** Still to be offered to the capture pipeline (or counted as a drop). */
        boolean capturing;
        /** The request to the engine, once a connection was obtained. */
        HttpClientRequest upstreamRequest;

        Flight(String served) {
            this.served = served;
        }

        void release() {
            if (served != null && !released) {
                released = true;
                inFlight.end(served);
            }
        }

        /** Counts a capture that will not happen, once. */
        void uncaptured(String reason) {
            if (capturing) {
                capturing = false;
                pipeline.drop(reason);
            }
        }
    }

    private void relay(HttpClientResponse resp, HttpServerResponse out, String inferenceId, boolean capturing, Capture c) {
        out.setStatusCode(resp.statusCode());
        out.setStatusMessage(resp.statusMessage());
        resp.headers().forEach((k, v) -> {
            if (!HOP_BY_HOP.contains(k.toLowerCase(Locale.ROOT))) {
                out.headers().add(k, v);
            }
        });
        String length = resp.getHeader("content-length");
        if (length != null) {
            out.putHeader("content-length", length);
        } else {
            out.setChunked(true);
        }
        if (inferenceId != null) {
            out.putHeader(INFERENCE_ID_HEADER, inferenceId);
        }
        boolean stream = String.valueOf(resp.getHeader("content-type")).startsWith("text/event-stream");
        ByteArrayOutputStream captured = capturing ? new ByteArrayOutputStream() : null;
        long[] firstByte = {-1};
        boolean[] tooBig = {false};
        resp.handler(chunk -> {
            if (firstByte[0] < 0) {
                firstByte[0] = System.nanoTime();
            }
            out.write(chunk);
            if (captured != null && !tooBig[0]) {
                if (captured.size() + chunk.length() + c.request().length > capture.maxBodyBytes()) {
                    tooBig[0] = true;
                } else {
                    captured.writeBytes(chunk.getBytes());
                }
            }
            if (out.writeQueueFull()) {
                resp.pause();
                out.drainHandler(v -> resp.resume());
            }
        });
        resp.exceptionHandler(e -> {
            c.flight().release();
            c.flight().uncaptured("upstream_failed");
            if (c.flight().aborted) {
                return; // the client went away and the tap reset the upstream request: not the engine's fault
            }
            upstreamErrors.increment();
            if (!out.ended() && !out.closed()) {
                out.reset();
            }
        });
        resp.endHandler(v -> {
            if (out.closed()) {
                return;
            }
            out.end();
            record(c.path(), resp.statusCode(), System.nanoTime() - c.t0());
            c.flight().release();
            if (captured == null) {
                return;
            }
            c.flight().capturing = false;
            if (tooBig[0]) {
                pipeline.drop("too_large");
                return;
            }
            Double firstMs = stream && firstByte[0] > 0 ? (firstByte[0] - c.t0()) / 1e6 : null;
            TapExchange ex = new TapExchange(c.inferenceId(), c.path(), c.request(), captured.toByteArray(), resp.statusCode(),
                    c.started(), Instant.now(), firstMs, c.alias(), c.decision(), c.traceparent());
            pipeline.offer(ex, ex.bytes());
        });
    }

    /** The client went away before its response ended: count it, release the model, cancel upstream work. */
    private void abort(Flight flight) {
        if (flight.aborted) {
            return;
        }
        flight.aborted = true;
        aborted.increment();
        flight.uncaptured("client_aborted");
        flight.release();
        if (flight.upstreamRequest != null) {
            flight.upstreamRequest.reset(); // may fail the send or the response at once: their handlers see the abort
        }
    }

    private void fail(HttpServerResponse out, Flight flight, Throwable cause) {
        flight.release();
        flight.uncaptured("upstream_failed");
        if (flight.aborted) {
            return; // the client went away and the tap reset the upstream request: not the engine's fault
        }
        upstreamErrors.increment();
        if (out.ended() || out.closed()) {
            return;
        }
        openAiError(out, 502, "the serving engine at " + tap.upstream() + " is unreachable: " + cause.getMessage(),
                "ServiceUnavailableError");
    }

    /** An error in the engine's own shape ({@code {"error": {...}}}), so OpenAI clients raise it normally. */
    private static void openAiError(HttpServerResponse out, int status, String message, String type) {
        if (out.ended() || out.closed()) {
            return;
        }
        ObjectNode e = JSON.createObjectNode();
        ObjectNode err = e.putObject("error");
        err.put("message", message);
        err.put("type", type);
        err.putNull("param");
        err.put("code", status);
        out.setStatusCode(status).putHeader("Content-Type", "application/json").end(e.toString());
    }

    /** Time to the last byte relayed, by endpoint and status class. */
    private void record(String path, int status, long nanos) {
        String endpoint = switch (path) {
            case "/v1/chat/completions" -> "chat_completions";
            case "/v1/completions" -> "completions";
            default -> "other";
        };
        String key = endpoint + (status / 100);
        timers.computeIfAbsent(key, k -> io.micrometer.core.instrument.Timer.builder("feedloop.tap.requests")
                .description("requests relayed to the engine, time to the last byte")
                .tags("endpoint", endpoint, "status", (status / 100) + "xx")
                .publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofMillis(1))
                .maximumExpectedValue(java.time.Duration.ofMinutes(10)).register(registry))
                .record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    /** N for a model named {@code <alias>-v<N>}, else 0. */
    private long policyVersionOf(String model) {
        String prefix = tap.alias() + "-v";
        if (model != null && model.startsWith(prefix)) {
            try {
                return Long.parseLong(model.substring(prefix.length()));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            return n != null && n.isObject() ? n : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String newTraceparent() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return String.format("00-%016x%016x-%016x-01", r.nextLong() | 1, r.nextLong(), r.nextLong() | 1);
    }

    @Override
    public Future<?> stop() {
        return upstream == null ? Future.succeededFuture() : upstream.close();
    }
}
