package dev.feedloop.sidecar.tap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.feedloop.contracts.api.ApiError;
import dev.feedloop.contracts.codec.CloudEventHeaders;
import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.schema.Violation;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.window.WriteOrderWindow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/feedback}: the application's channel for user feedback (one event or a batch).
 *
 * <p>Contract, in the order the checks run:
 *
 * <ol>
 *   <li>{@code POST} — else 405;
 *   <li>a body no larger than {@code feedback.max-body-bytes} — else 413 (the body handler reads
 *       the body before anything else looks at the request);
 *   <li>a bearer token, when one is configured ({@code feedback.token} or the file {@code
 *       feedback.token-file}, re-read every 30 s so a rotated secret takes effect) — else 401;
 *   <li>{@code Content-Type: application/json} — else 415;
 *   <li>a {@code feedback.v1} object or a non-empty array of at most {@code feedback.max-batch} of
 *       them; {@code schema_version}, {@code tenant} ({@code tap.tenant}), {@code time} (now) and
 *       {@code feedback_id} (a new UUID) may be left out and are filled in. Any violation → 400 with
 *       an {@link ApiError} naming each field by JSON Pointer ({@code /2/rating} in a batch); a batch
 *       is accepted whole or not at all;
 *   <li>{@code edited_text} and {@code comment} are redacted;
 *   <li>a {@code feedback_id} stored inside {@code feedback.dedupe-window} (by this tap process, which
 *       remembers at most {@code feedback.dedupe-max-ids}, forgetting the oldest first) is
 *       answered {@code duplicate} and not published again; one still being published makes the
 *       request wait for that outcome;
 *   <li>the rest is published to {@code feedloop.feedback.v1}, keyed by inference id; 202 only after
 *       Kafka acknowledged every event of the request, 503 ({@code Retry-After}) if it did not. Ids
 *       whose send failed are forgotten, acknowledged ones are not, so a retry publishes only what is
 *       missing.
 * </ol>
 *
 * <p>Threading: checks run on the event loop; {@code producer.send} (which may block for metadata) runs
 * on one dedicated publisher thread with a bounded queue (503 when full); the answer is written back
 * on the request's context.
 */
public final class FeedbackApi implements AutoCloseable {
    /** The route. */
    public static final String PATH = "/v1/feedback";

    private static final Logger LOG = LoggerFactory.getLogger(FeedbackApi.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final EventCodec<Feedback> CODEC = EventCodec.of(Feedback.class);
    private static final long TOKEN_RELOAD_MS = 30_000;

    private final FeedloopConfig.FeedbackConfig config;
    private final String defaultTenant;
    private final Redactor redactor;
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final String source;
    private final Clock clock;
    /** Feedback id → the outcome of the request that publishes it. Guarded by itself. */
    private final WriteOrderWindow<String, CompletableFuture<Void>> seen;
    private final ThreadPoolExecutor publisher;
    private final AtomicReference<byte[]> token = new AtomicReference<>();
    private final MeterRegistry registry;
    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private Vertx vertx;
    private long reloadTimer = -1;

    /**
     * @param redactor applied to free text, or null for none
     * @throws IllegalArgumentException if the token file cannot be read
     */
    public FeedbackApi(FeedloopConfig.FeedbackConfig config, String defaultTenant, Redactor redactor, Producer<byte[], byte[]> producer,
            String topic, String source, Clock clock, MeterRegistry registry) {
        this.config = config;
        this.defaultTenant = defaultTenant;
        this.redactor = redactor;
        this.producer = producer;
        this.topic = topic;
        this.source = source;
        this.clock = clock;
        this.registry = registry;
        this.seen = new WriteOrderWindow<>(config.dedupeWindow(), config.dedupeMaxIds(), Ticker.systemTicker(), null);
        this.publisher = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1024), r -> {
            Thread t = new Thread(r, "feedloop-feedback-publish");
            t.setDaemon(true);
            return t;
        });
        if (!config.token().isEmpty()) {
            token.set(config.token().getBytes(StandardCharsets.UTF_8));
        } else if (!config.tokenFile().isEmpty()) {
            token.set(readTokenFile(Path.of(config.tokenFile())));
        } else {
            LOG.warn("POST {} accepts feedback without authentication: set feedback.token or feedback.token-file", PATH);
        }
    }

    /** Whether requests must carry a bearer token. */
    public boolean authenticated() {
        return token.get() != null;
    }

    /** Adds the route to a router (before any catch-all) and starts the token-file reload. */
    public void mount(Vertx vertx, Router router) {
        this.vertx = vertx;
        router.post(PATH).handler(BodyHandler.create().setBodyLimit(config.maxBodyBytes()).setHandleFileUploads(false))
                .handler(this::handle);
        router.route(PATH).handler(ctx -> {
            ctx.response().putHeader("Allow", "POST");
            error(ctx, 405, ApiError.of("method_not_allowed", ctx.request().method() + " " + PATH + " is not supported; use POST"));
        });
        if (config.token().isEmpty() && !config.tokenFile().isEmpty()) {
            Path file = Path.of(config.tokenFile());
            reloadTimer = vertx.setPeriodic(TOKEN_RELOAD_MS, id -> vertx.executeBlocking(() -> readTokenFile(file), false)
                    .onSuccess(token::set)
                    .onFailure(e -> LOG.warn("keeping the previous feedback token: {}", e.getMessage())));
        }
    }

    /** Answers a 413 raised by the body limit, as an {@link ApiError}. */
    public void tooLarge(RoutingContext ctx) {
        count(requests, "request", "too_large");
        error(ctx, 413, ApiError.of("payload_too_large", "the body exceeds feedback.max-body-bytes (" + config.maxBodyBytes() + " bytes)"));
    }

    private void handle(RoutingContext ctx) {
        byte[] expected = token.get();
        if (expected != null && !authorized(ctx.request().getHeader("Authorization"), expected)) {
            count(requests, "request", "unauthorized");
            ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"feedloop\"");
            error(ctx, 401, ApiError.of("unauthorized", "a valid 'Authorization: Bearer <token>' header is required"));
            return;
        }
        String contentType = ctx.request().getHeader("Content-Type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            count(requests, "request", "unsupported_media_type");
            error(ctx, 415, ApiError.of("unsupported_media_type", "Content-Type must be application/json, got " + contentType));
            return;
        }
        JsonNode body;
        try {
            body = JSON.readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            invalid(ctx, "the body is not JSON", List.of(new ApiError.Detail("", "malformed JSON" + where + ": " + e.getOriginalMessage())));
            return;
        } catch (IOException e) {
            invalid(ctx, "the body could not be read", List.of(new ApiError.Detail("", String.valueOf(e.getMessage()))));
            return;
        }
        boolean batch = body != null && body.isArray();
        List<JsonNode> items = new ArrayList<>();
        if (batch) {
            body.forEach(items::add);
            if (items.isEmpty()) {
                invalid(ctx, "the batch is empty", List.of(new ApiError.Detail("", "an array must hold at least one feedback event")));
                return;
            }
            if (items.size() > config.maxBatch()) {
                invalid(ctx, "the batch is too large", List.of(new ApiError.Detail("",
                        "an array may hold at most " + config.maxBatch() + " feedback events (feedback.max-batch), got " + items.size())));
                return;
            }
        } else if (body != null && body.isObject()) {
            items.add(body);
        } else {
            invalid(ctx, "the body must be a feedback object or an array of them", List.of(new ApiError.Detail("",
                    "expected an object or an array, got " + (body == null || body.isMissingNode() ? "nothing" : body.getNodeType()
                            .toString().toLowerCase(Locale.ROOT)))));
            return;
        }
        List<Feedback> parsed = new ArrayList<>(items.size());
        List<ApiError.Detail> details = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            String prefix = batch ? "/" + i : "";
            JsonNode item = items.get(i);
            if (!item.isObject()) {
                details.add(new ApiError.Detail(prefix, "expected a feedback object, got " + item.getNodeType().toString().toLowerCase(Locale.ROOT)));
                continue;
            }
            ObjectNode o = ((ObjectNode) item).deepCopy();
            fillDefaults(o);
            try {
                parsed.add(CODEC.decodeTree(o));
            } catch (EventValidationException e) {
                for (Violation v : e.violations()) {
                    details.add(new ApiError.Detail(prefix + v.path(), v.message()));
                }
            }
        }
        if (!details.isEmpty()) {
            count(events, "event", "invalid", items.size());
            invalid(ctx, details.size() == 1 ? "1 invalid field" : details.size() + " invalid fields", details);
            return;
        }
        // Each id maps to the outcome of the request that publishes it: an id still in flight makes a
        // retry wait for that outcome (202 duplicate once stored, 503 if it failed), never a 202 for an
        // event that was not stored. Ids whose send failed are forgotten; ids Kafka acknowledged stay,
        // so a retry after a partial failure publishes only what is missing.
        List<Feedback> fresh = new ArrayList<>();
        List<CompletableFuture<Void>> freshOutcomes = new ArrayList<>();
        List<CompletableFuture<Void>> outcomes = new ArrayList<>(parsed.size());
        List<String> statuses = new ArrayList<>(parsed.size());
        List<Feedback> redacted = parsed.stream().map(this::redact).toList(); // before any id is taken: a failing redactor takes none
        for (int i = 0; i < parsed.size(); i++) {
            Feedback f = parsed.get(i);
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> earlier;
            synchronized (seen) {
                earlier = seen.putIfAbsent(f.feedbackId(), mine);
            }
            if (earlier == null) {
                fresh.add(redacted.get(i));
                freshOutcomes.add(mine);
                outcomes.add(mine);
                statuses.add("accepted");
            } else {
                outcomes.add(earlier);
                statuses.add("duplicate");
            }
        }
        Context context = vertx.getOrCreateContext();
        String traceparent = ctx.request().getHeader(CloudEventHeaders.TRACEPARENT);
        String trace = traceparent != null && CloudEventHeaders.isValidTraceparent(traceparent) ? traceparent : null;
        if (!fresh.isEmpty()) {
            try {
                publisher.execute(() -> publish(fresh, freshOutcomes, trace));
            } catch (RejectedExecutionException e) {
                for (int i = 0; i < fresh.size(); i++) {
                    forget(fresh.get(i).feedbackId(), freshOutcomes.get(i), "overloaded");
                }
                count(requests, "request", "overloaded");
                count(events, "event", "overloaded", fresh.size());
                ctx.response().putHeader("Retry-After", "1");
                error(ctx, 503, ApiError.of("overloaded", "too many feedback requests are waiting for Kafka; retry later"));
                return;
            }
        }
        CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new)).whenComplete((v, failure) -> context.runOnContext(x -> {
            int stored = (int) freshOutcomes.stream().filter(o -> !o.isCompletedExceptionally()).count();
            count(events, "event", "accepted", stored);
            count(events, "event", "duplicate", parsed.size() - fresh.size());
            if (failure == null) {
                count(requests, "request", "accepted");
                accepted(ctx, parsed, statuses);
            } else {
                count(requests, "request", "kafka_unavailable");
                count(events, "event", "kafka_unavailable", fresh.size() - stored);
                Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                        ? failure.getCause() : failure;
                ctx.response().putHeader("Retry-After", "5");
                error(ctx, 503, ApiError.of("kafka_unavailable", "feedback could not be stored: " + cause.getMessage()
                        + "; retry later (it is idempotent: events already stored are answered duplicate)"));
            }
        }));
    }

    /** Drops {@code id} from the dedupe cache if {@code outcome} is still its entry, and fails the outcome. */
    private void forget(String id, CompletableFuture<Void> outcome, String why) {
        synchronized (seen) {
            seen.remove(id, outcome);
        }
        outcome.completeExceptionally(new IllegalStateException(why));
    }

    /**
     * Runs on the publisher thread: sends every event and settles its outcome when Kafka answers. A send
     * that throws (no metadata within {@code max.block.ms}, a full buffer) fails the rest of the batch
     * at once instead of blocking the thread again for each of them.
     */
    private void publish(List<Feedback> batch, List<CompletableFuture<Void>> outcomes, String traceparent) {
        String refused = null;
        for (int i = 0; i < batch.size(); i++) {
            Feedback f = batch.get(i);
            CompletableFuture<Void> outcome = outcomes.get(i);
            if (refused != null) {
                forget(f.feedbackId(), outcome, refused);
                continue;
            }
            try {
                producer.send(EventRecords.toRecord(topic, f, source, traceparent), (meta, e) -> {
                    if (e == null) {
                        outcome.complete(null);
                    } else {
                        forget(f.feedbackId(), outcome, e.getClass().getSimpleName() + ": " + e.getMessage());
                    }
                });
            } catch (RuntimeException e) {
                refused = e.getClass().getSimpleName() + ": " + e.getMessage();
                forget(f.feedbackId(), outcome, refused);
            }
        }
    }

    private void fillDefaults(ObjectNode o) {
        if (!o.has("schema_version")) {
            o.put("schema_version", Event.SCHEMA_VERSION);
        }
        if (!o.has("tenant")) {
            o.put("tenant", defaultTenant);
        }
        if (!o.has("time")) {
            o.put("time", clock.instant().toString());
        }
        if (!o.has("feedback_id")) {
            o.put("feedback_id", UUID.randomUUID().toString());
        }
    }

    private Feedback redact(Feedback f) {
        if (redactor == null || (f.editedText() == null && f.comment() == null)) {
            return f;
        }
        String edited = f.editedText() == null ? null : redactor.redact(f.editedText()).text();
        String comment = f.comment() == null ? null : redactor.redact(f.comment()).text();
        return new Feedback(f.schemaVersion(), f.feedbackId(), f.inferenceId(), f.tenant(), f.time(), f.kind(), f.rating(),
                f.choiceIndex(), edited, f.relatedInferenceId(), comment, f.userId());
    }

    private static void accepted(RoutingContext ctx, List<Feedback> parsed, List<String> statuses) {
        ObjectNode out = JSON.createObjectNode();
        ArrayNode results = out.putArray("results");
        for (int i = 0; i < parsed.size(); i++) {
            results.addObject().put("feedback_id", parsed.get(i).feedbackId()).put("inference_id", parsed.get(i).inferenceId())
                    .put("status", statuses.get(i));
        }
        ctx.response().setStatusCode(202).putHeader("Content-Type", "application/json").end(out.toString());
    }

    private void invalid(RoutingContext ctx, String message, List<ApiError.Detail> details) {
        count(requests, "request", "invalid");
        error(ctx, 400, new ApiError("invalid_request", message, details));
    }

    static void error(RoutingContext ctx, int status, ApiError error) {
        if (ctx.response().ended()) {
            return;
        }
        ObjectNode out = JSON.createObjectNode().put("code", error.code()).put("message", error.message());
        ArrayNode d = out.putArray("details");
        for (ApiError.Detail detail : error.details()) {
            d.addObject().put("field", detail.field()).put("reason", detail.reason());
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(out.toString());
    }

    private void count(Map<String, Counter> counters, String kind, String outcome) {
        count(counters, kind, outcome, 1);
    }

    private void count(Map<String, Counter> counters, String kind, String outcome, int n) {
        if (n <= 0) {
            return;
        }
        counters.computeIfAbsent(outcome, o -> Counter.builder("feedloop.feedback." + kind + "s").tag("outcome", o)
                .description("POST /v1/feedback " + kind + "s by outcome").register(registry)).increment(n);
    }

    private static boolean authorized(String header, byte[] expected) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(header.substring(7).trim().getBytes(StandardCharsets.UTF_8), expected);
    }

    private static byte[] readTokenFile(Path file) {
        try {
            String t = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (t.isEmpty()) {
                throw new IllegalArgumentException("feedback.token-file " + file + " is empty");
            }
            return t.getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("feedback.token-file " + file + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** Ids remembered for deduplication. */
    public long rememberedIds() {
        return seen.size();
    }

    @Override
    public void close() {
        if (vertx != null && reloadTimer >= 0) {
            vertx.cancelTimer(reloadTimer);
        }
        publisher.shutdown();
        try {
            publisher.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
