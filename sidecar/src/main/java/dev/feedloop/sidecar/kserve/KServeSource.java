package dev.feedloop.sidecar.kserve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.sidecar.capture.CaptureException;
import dev.feedloop.sidecar.capture.OpenAiExchange;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.telemetry.Metrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds {@link InferenceRecord}s from KServe's payload logger: reads the CloudEvents a Knative
 * KafkaSink writes (serving.md §6.1–6.2; parsing in {@link KServeEvent}), pairs each request with its
 * response, and publishes the redacted record to the inference topic.
 *
 * <p><b>Pairing.</b> A request and its response share {@code ce_id}; they are joined on ({@code ce_id},
 * {@code ce_inferenceservicename}) in a bounded Caffeine cache, in whichever order they arrive (KServe
 * delivers them asynchronously and sets no partition key, so they may sit on different partitions).
 * The first half waits at most {@link Settings#ttl()} (measured on this process's clock from when it
 * was read, not from {@code ce_time}), then is dropped and counted:
 *
 * <ul>
 *   <li>{@code feedloop.kserve.unanswered}: a request without a response. KServe sends no response
 *       event for a non-200 status, so failed requests end here: there is no status or error to
 *       record, and a record without a response would carry no training signal.
 *   <li>{@code feedloop.kserve.orphaned}: a response without a request (the request event was lost,
 *       or arrived after its own TTL).
 *   <li>{@code feedloop.kserve.evicted}: either half, pushed out by {@link Settings#maxPending()}.
 * </ul>
 *
 * <p><b>Which events count.</b> The request path is not in the event, so the body decides: {@code
 * messages} is a chat completion, {@code prompt} a completion. Anything else ({@code /v1/models},
 * KServe v1/v2 predict, an empty body, a non-JSON content type) is counted in {@code
 * feedloop.kserve.ignored}, and so is its partner. Records that are not KServe events (no {@code
 * ce_type} or {@code ce_id}, another {@code ce_type}) and requests declared JSON that do not parse go
 * to the dead-letter topic with the reason, and their partner is ignored. A pair that {@link
 * OpenAiExchange} cannot capture ({@link CaptureException}) is dead-lettered too: the response event
 * if the response was unreadable, else the request event; {@code feedloop.kserve.capture.failed}
 * counts it by reason. Dead letters carry the original, unredacted payload, as the source topic does.
 *
 * <p><b>The record.</b> Source {@code KSERVE}, inference id = {@code ce_id}, started at the request's
 * {@code ce_time}, completed at the response's, status 200, route {@code DIRECT}, alias null, tenant
 * from the settings, served model = the request's {@code model} (else the InferenceService name). If
 * the model (after the last {@code :}, SGLang's {@code base:adapter}) is {@code <alias>-v<N>}, that is
 * the served adapter and N the policy version; otherwise the adapter is null and the version 0. The
 * record is redacted ({@link OpenAiExchange#redact}) before it is published.
 *
 * <p><b>Delivery.</b> One dedicated thread polls, pairs, publishes (idempotent producer, acks=all),
 * waits for the acknowledgements, and only then commits. The committed offset of a partition never
 * passes an event that is still waiting for its partner or whose output is not yet acknowledged, so a
 * restart re-reads every unfinished exchange. This is at-least-once: after a restart, exchanges
 * published since the last commit are published again with the same inference id, and consumers
 * de-duplicate on it. A record Kafka refuses for its size is replaced by a dead letter of the request;
 * any other publishing failure stops the thread without committing past it ({@link #failure()}).
 * Run <b>one consumer per group</b> (one replica): with several, a request and its response may be
 * read by different members and never meet.
 */
public final class KServeSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KServeSource.class);
    /** CloudEvents source of the records this source publishes. */
    public static final String CE_SOURCE = "/feedloop/kserve";
    static final String CHAT_PATH = "/v1/chat/completions";
    static final String COMPLETIONS_PATH = "/v1/completions";
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Pattern ADAPTER = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}-v([1-9][0-9]{0,17})");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Settings.
     *
     * @param topic the topic the KafkaSink writes KServe's events to
     * @param groupId consumer group
     * @param tenant tenant of every record ({@code ^[a-z0-9][a-z0-9._-]{0,62}$})
     * @param ttl how long the first half of an exchange waits for the other
     * @param maxPending most exchanges waiting at once
     */
    public record Settings(String topic, String groupId, String tenant, Duration ttl, long maxPending) {
        /** Default {@link #ttl()}. */
        public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
        /** Default {@link #maxPending()}. */
        public static final long DEFAULT_MAX_PENDING = 100_000;
        /** Default {@link #groupId()}. */
        public static final String DEFAULT_GROUP = "feedloop-kserve";
        private static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");

        /**
         * @throws IllegalArgumentException naming the first invalid setting
         */
        public Settings {
            if (topic == null || topic.isBlank()) {
                throw new IllegalArgumentException("topic must not be empty");
            }
            if (groupId == null || groupId.isBlank()) {
                throw new IllegalArgumentException("groupId must not be empty");
            }
            if (tenant == null || !TENANT.matcher(tenant).matches()) {
                throw new IllegalArgumentException("tenant must match " + TENANT.pattern() + ", got '" + tenant + "'");
            }
            if (ttl == null || ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("ttl must be positive, got " + ttl);
            }
            if (maxPending < 1) {
                throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
            }
        }

        /** Settings with the default group, TTL and bound. */
        public static Settings of(String topic, String tenant) {
            return new Settings(topic, DEFAULT_GROUP, tenant, DEFAULT_TTL, DEFAULT_MAX_PENDING);
        }

        /** These settings with another TTL. */
        public Settings withTtl(Duration newTtl) {
            return new Settings(topic, groupId, tenant, newTtl, maxPending);
        }

        /** These settings with another consumer group. */
        public Settings withGroupId(String newGroupId) {
            return new Settings(topic, newGroupId, tenant, ttl, maxPending);
        }
    }

    private record Key(String id, String inferenceService) {}

    private record Position(TopicPartition partition, long offset) {
        static Position of(ConsumerRecord<?, ?> r) {
            return new Position(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
    }

    /** One half of an exchange; {@code path} and {@code model} are set for requests. */
    private record Half(KServeEvent event, ConsumerRecord<byte[], byte[]> record, String path, String model) {
        Position position() {
            return Position.of(record);
        }
    }

    private sealed interface Pending permits Waiting, Ignored {}

    /** A half waiting for its partner. */
    private record Waiting(Half half) implements Pending {}

    /** Marks an exchange whose request was ignored or dead-lettered, so its response is ignored too. */
    private enum Ignored implements Pending {
        INSTANCE
    }

    /**
     * A send waiting for its acknowledgement; {@code tooLarge} (may be null) replaces it when Kafka
     * refuses the record for its size, so one huge exchange cannot stop the source for good.
     */
    private record InFlight(Future<RecordMetadata> ack, List<Position> releases, Counter onAck, Runnable tooLarge) {}

    private final Settings settings;
    private final KafkaClients clients;
    private final FeedloopConfig.TopicsConfig topics;
    private final Redactor redactor;
    private final Clock clock;
    private final Cache<Key, Pending> pending;
    private final Offsets offsets = new Offsets();
    private final List<InFlight> inFlight = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean();
    private final Thread thread;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private KafkaProducer<byte[], byte[]> producer;
    private volatile Throwable failure;

    private final Counter requests;
    private final Counter responses;
    private final Counter published;
    private final Counter unanswered;
    private final Counter orphaned;
    private final Counter evicted;
    private final Counter ignored;
    private final Counter duplicates;
    private final Map<DeadLetter.Reason, Counter> deadLettered = new EnumMap<>(DeadLetter.Reason.class);
    private final Map<CaptureException.Reason, Counter> captureFailed = new EnumMap<>(CaptureException.Reason.class);

    /**
     * @param settings what to read and how long to wait
     * @param clients Kafka clients
     * @param topics where records ({@code inference}) and dead letters ({@code deadLetter}) go
     * @param redactor applied to every record before it is published; called on this source's thread
     * @param metrics where the {@code feedloop.kserve.*} meters are registered
     * @param clock for dead-letter times
     */
    public KServeSource(Settings settings, KafkaClients clients, FeedloopConfig.TopicsConfig topics, Redactor redactor,
            Metrics metrics, Clock clock) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.redactor = Objects.requireNonNull(redactor, "redactor");
        this.clock = Objects.requireNonNull(clock, "clock");
        MeterRegistry registry = metrics.registry();
        this.pending = Caffeine.newBuilder()
                .expireAfterWrite(settings.ttl())
                .maximumSize(settings.maxPending())
                .executor(Runnable::run) // removals are handled on the poll thread, which owns the offsets
                .<Key, Pending>removalListener(this::removed)
                .build();
        this.requests = counter(registry, "feedloop.kserve.events", "KServe events read", "kind", "request");
        this.responses = counter(registry, "feedloop.kserve.events", "KServe events read", "kind", "response");
        this.published = counter(registry, "feedloop.kserve.published", "inference records published");
        this.unanswered = counter(registry, "feedloop.kserve.unanswered", "requests dropped: no response within the TTL");
        this.orphaned = counter(registry, "feedloop.kserve.orphaned", "responses dropped: no request within the TTL");
        this.evicted = counter(registry, "feedloop.kserve.evicted", "waiting events dropped by the pending bound");
        this.ignored = counter(registry, "feedloop.kserve.ignored", "events that are not OpenAI chat or completions");
        this.duplicates = counter(registry, "feedloop.kserve.duplicates", "second request or response with the same ce_id");
        for (DeadLetter.Reason r : DeadLetter.Reason.values()) {
            deadLettered.put(r, counter(registry, "feedloop.kserve.deadlettered", "events sent to the dead-letter topic",
                    "reason", r.name()));
        }
        for (CaptureException.Reason r : CaptureException.Reason.values()) {
            captureFailed.put(r, counter(registry, "feedloop.kserve.capture.failed", "exchanges that cannot be captured",
                    "reason", r.name()));
        }
        Gauge.builder("feedloop.kserve.pending", pending, Cache::estimatedSize)
                .description("exchanges waiting for their other half").register(registry);
        this.thread = new Thread(this::run, "feedloop-kserve-1");
        this.thread.setDaemon(true);
    }

    private static Counter counter(MeterRegistry registry, String name, String description, String... tags) {
        return Counter.builder(name).description(description).tags(tags).register(registry);
    }

    /**
     * Starts reading on a dedicated thread.
     *
     * @return this
     * @throws IllegalStateException if it was started before
     */
    public KServeSource start() {
        if (thread.getState() != Thread.State.NEW) {
            throw new IllegalStateException("a KServe source starts once");
        }
        producer = clients.producer();
        try {
            consumer = clients.consumer(settings.groupId());
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        running.set(true);
        thread.start();
        LOG.info("KServe source reading {} as {}, publishing to {} (TTL {})", settings.topic(), settings.groupId(),
                topics.inference(), settings.ttl());
        return this;
    }

    /** Whether the thread is reading. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Why the thread stopped on its own, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private void run() {
        KafkaConsumer<byte[], byte[]> c = consumer;
        try {
            c.subscribe(List.of(settings.topic()), new Rebalance());
            while (running.get()) {
                try {
                    ConsumerRecords<byte[], byte[]> batch = c.poll(POLL);
                    pending.cleanUp(); // expire first, so a late partner never pairs with an expired half
                    for (ConsumerRecord<byte[], byte[]> r : batch) {
                        offsets.consumed(r);
                        handle(r);
                    }
                    settle();
                } catch (WakeupException e) {
                    // close() wants us to stop; the loop condition ends it
                }
            }
            try {
                settle();
            } catch (WakeupException e) {
                settle(); // the wakeup was meant for a poll that never came
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("KServe source stopped; offsets are committed only up to what was published", e);
        } finally {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the KServe consumer failed", e);
            }
            producer.close(Duration.ofSeconds(10));
        }
    }

    private void handle(ConsumerRecord<byte[], byte[]> r) {
        KServeEvent e;
        try {
            e = KServeEvent.parse(r);
        } catch (KServeEvent.Malformed m) {
            deadLetter(r, m.reason(), m.getMessage());
            return;
        }
        Key key = new Key(e.id(), e.inferenceService());
        Pending waiting = pending.getIfPresent(key);
        if (e.kind() == KServeEvent.Kind.REQUEST) {
            requests.increment();
            Half request;
            try {
                request = classify(e, r);
            } catch (KServeEvent.Malformed m) {
                deadLetter(r, m.reason(), m.getMessage());
                ignorePartner(key, waiting);
                return;
            }
            if (request == null) {
                ignored.increment();
                offsets.release(Position.of(r));
                ignorePartner(key, waiting);
            } else if (waiting instanceof Waiting w && w.half().event().kind() == KServeEvent.Kind.RESPONSE) {
                pending.invalidate(key);
                complete(request, w.half());
            } else if (waiting != null) {
                duplicate(r, e);
            } else {
                pending.put(key, new Waiting(request));
            }
        } else {
            responses.increment();
            Half response = new Half(e, r, null, null);
            if (waiting instanceof Waiting w && w.half().event().kind() == KServeEvent.Kind.REQUEST) {
                pending.invalidate(key);
                complete(w.half(), response);
            } else if (waiting == Ignored.INSTANCE) {
                pending.invalidate(key);
                ignored.increment();
                offsets.release(Position.of(r));
            } else if (waiting != null) {
                duplicate(r, e);
            } else {
                pending.put(key, new Waiting(response));
            }
        }
    }

    /** The request as an OpenAI chat or completions half, or null if it is something else. */
    private static Half classify(KServeEvent e, ConsumerRecord<byte[], byte[]> r) throws KServeEvent.Malformed {
        if (isBlank(e.data()) || !e.jsonOrUndeclared()) {
            return null;
        }
        JsonNode body;
        try {
            body = JSON.readTree(e.data());
        } catch (IOException ex) {
            throw new KServeEvent.Malformed(DeadLetter.Reason.MALFORMED_JSON, "request " + e.id() + " of "
                    + e.inferenceService() + " is not JSON" + (e.contentType() == null ? "" : " (declared " + e.contentType() + ")"));
        }
        if (body == null || !body.isObject()) {
            return null;
        }
        String path = body.has("messages") ? CHAT_PATH : body.has("prompt") ? COMPLETIONS_PATH : null;
        if (path == null) {
            return null;
        }
        JsonNode model = body.get("model");
        String served = model != null && model.isTextual() && !model.asText().isBlank() ? model.asText()
                : e.inferenceService().isEmpty() ? null : e.inferenceService();
        return new Half(e, r, path, served);
    }

    private static boolean isBlank(byte[] data) {
        for (byte b : data) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    /** The request half is unusable: its response, waiting or still to come, is ignored too. */
    private void ignorePartner(Key key, Pending waiting) {
        if (waiting instanceof Waiting w && w.half().event().kind() == KServeEvent.Kind.RESPONSE) {
            pending.invalidate(key);
            ignored.increment();
            offsets.release(w.half().position());
        } else if (waiting == null) {
            pending.put(key, Ignored.INSTANCE);
        }
    }

    private void duplicate(ConsumerRecord<byte[], byte[]> r, KServeEvent e) {
        duplicates.increment();
        offsets.release(Position.of(r));
        LOG.debug("dropping a second {} with ce_id {} of {}", e.kind(), e.id(), e.inferenceService());
    }

    private void complete(Half request, Half response) {
        KServeEvent req = request.event();
        KServeEvent resp = response.event();
        String model = request.model() == null ? "" : request.model();
        String adapter = null;
        long version = 0;
        Matcher m = ADAPTER.matcher(model.substring(model.lastIndexOf(':') + 1));
        if (m.matches()) {
            adapter = m.group();
            version = Long.parseLong(m.group(1));
        }
        OpenAiExchange.Captured captured = new OpenAiExchange.Captured(req.id(), settings.tenant(),
                InferenceRecord.Source.KSERVE, request.path(), req.data(), resp.data(), 200, req.time(), resp.time(), null, null,
                model, adapter, version, InferenceRecord.Route.DIRECT,
                req.traceparent() != null ? req.traceparent() : resp.traceparent());
        InferenceRecord record;
        try {
            record = OpenAiExchange.redact(OpenAiExchange.toRecord(captured), redactor);
        } catch (CaptureException ex) {
            captureFailed.get(ex.reason()).increment();
            boolean responseAtFault = ex.reason() == CaptureException.Reason.RESPONSE_UNREADABLE;
            Half culprit = responseAtFault ? response : request;
            offsets.release((responseAtFault ? request : response).position());
            boolean unreadable = responseAtFault || ex.reason() == CaptureException.Reason.REQUEST_UNREADABLE;
            deadLetter(culprit.record(), unreadable ? DeadLetter.Reason.MALFORMED_JSON : DeadLetter.Reason.PROCESSING_ERROR,
                    "cannot capture exchange " + req.id() + " of " + req.inferenceService() + ": " + ex.reason() + ": "
                            + ex.getMessage());
            return;
        } catch (RuntimeException ex) {
            // a broken redactor: never publish unredacted text
            offsets.release(response.position());
            deadLetter(request.record(), DeadLetter.Reason.PROCESSING_ERROR, "redacting exchange " + req.id() + " failed: "
                    + ex.getClass().getName());
            return;
        }
        ProducerRecord<byte[], byte[]> out;
        try {
            out = EventRecords.toRecord(topics.inference(), record, CE_SOURCE, record.traceparent());
        } catch (EventValidationException ex) {
            offsets.release(response.position());
            deadLetter(request.record(), DeadLetter.Reason.PROCESSING_ERROR, "the record of exchange " + req.id()
                    + " breaks its schema: " + ex.getMessage());
            return;
        }
        int size = out.value().length;
        send(out, List.of(request.position(), response.position()), published, () -> {
            offsets.release(response.position());
            deadLetter(request.record(), DeadLetter.Reason.PROCESSING_ERROR, "the record of exchange " + req.id() + " ("
                    + size + " bytes) is too large for the inference topic");
        });
    }

    private void deadLetter(ConsumerRecord<byte[], byte[]> r, DeadLetter.Reason reason, String detail) {
        LOG.debug("dead-lettering {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), detail);
        DeadLetter dl = EventRecords.deadLetter(r, reason, detail, clock);
        send(EventRecords.toRecord(topics.deadLetter(), dl, CE_SOURCE, null), List.of(Position.of(r)), deadLettered.get(reason),
                null);
    }

    private void send(ProducerRecord<byte[], byte[]> record, List<Position> releases, Counter onAck, Runnable tooLarge) {
        inFlight.add(new InFlight(producer.send(record), releases, onAck, tooLarge));
    }

    /** Waits for every send's acknowledgement, then commits what is safe to commit. Poll thread only. */
    private void settle() {
        while (!inFlight.isEmpty()) {
            producer.flush();
            List<InFlight> sent = new ArrayList<>(inFlight);
            inFlight.clear();
            for (InFlight f : sent) {
                try {
                    f.ack().get(1, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RecordTooLargeException && f.tooLarge() != null) {
                        f.tooLarge().run(); // sends a dead letter instead; the loop waits for it
                        continue;
                    }
                    throw new IllegalStateException("cannot publish to Kafka; stopping without committing past it", e.getCause());
                } catch (TimeoutException e) {
                    throw new IllegalStateException("cannot publish to Kafka; stopping without committing past it", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for Kafka", e);
                }
                f.onAck().increment();
                f.releases().forEach(offsets::release);
            }
        }
        Map<TopicPartition, OffsetAndMetadata> commit = offsets.toCommit();
        if (!commit.isEmpty()) {
            consumer.commitSync(commit);
            offsets.committed(commit);
        }
    }

    private void removed(Key key, Pending value, RemovalCause cause) {
        if (!cause.wasEvicted() || !(value instanceof Waiting w)) {
            return;
        }
        offsets.release(w.half().position());
        if (cause == RemovalCause.SIZE) {
            evicted.increment();
        } else if (w.half().event().kind() == KServeEvent.Kind.REQUEST) {
            unanswered.increment();
        } else {
            orphaned.increment();
        }
        LOG.debug("dropping {} {} of {}: no partner ({})", w.half().event().kind(), key.id(), key.inferenceService(), cause);
    }

    /** Forgets what was read from partitions this member no longer owns; their new owner re-reads it. */
    private void forget(Collection<TopicPartition> parts) {
        pending.asMap().entrySet().removeIf(e -> e.getValue() instanceof Waiting w
                && parts.contains(w.half().position().partition()));
        offsets.forget(parts);
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> parts) {
            if (failure == null && !parts.isEmpty()) {
                settle();
            }
            forget(parts);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> parts) {
            // positions come from the committed offsets
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> parts) {
            forget(parts);
        }
    }

    /**
     * Stops reading: publishes and commits what is finished; exchanges still waiting for a partner are
     * not committed and are read again by the next start.
     */
    @Override
    public void close() {
        running.set(false);
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Per partition: the offsets read but not yet finished, and the next offset to read. The safe
     * commit is the lower of the two. Poll thread only.
     */
    private static final class Offsets {
        private final Map<TopicPartition, TreeSet<Long>> held = new HashMap<>();
        private final Map<TopicPartition, Long> next = new HashMap<>();
        private final Map<TopicPartition, Long> committed = new HashMap<>();

        void consumed(ConsumerRecord<?, ?> r) {
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            held.computeIfAbsent(tp, k -> new TreeSet<>()).add(r.offset());
            next.merge(tp, r.offset() + 1, Math::max);
        }

        void release(Position p) {
            TreeSet<Long> h = held.get(p.partition());
            if (h != null) {
                h.remove(p.offset());
            }
        }

        Map<TopicPartition, OffsetAndMetadata> toCommit() {
            Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
            next.forEach((tp, n) -> {
                TreeSet<Long> h = held.get(tp);
                long safe = h == null || h.isEmpty() ? n : Math.min(h.first(), n);
                Long done = committed.get(tp);
                if (done == null || safe > done) {
                    out.put(tp, new OffsetAndMetadata(safe));
                }
            });
            return out;
        }

        void committed(Map<TopicPartition, OffsetAndMetadata> commit) {
            commit.forEach((tp, o) -> committed.put(tp, o.offset()));
        }

        void forget(Collection<TopicPartition> parts) {
            for (TopicPartition tp : parts) {
                held.remove(tp);
                next.remove(tp);
                committed.remove(tp);
            }
        }
    }
}
