package dev.feedloop.sidecar.swap;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tap-side swap agent: follows the compacted adapters topic and keeps the local serving engine and
 * the {@link RoutingTable} in step with it, without restarting anything.
 *
 * <p><b>Loop</b> (on its own thread): read the whole topic from the beginning (it is compacted: one
 * record per version, its latest status), ask the engine what it has loaded, then reconcile with
 * {@link SwapPlan}; afterwards reconcile on every new record, and retry pending work every second.
 *
 * <p><b>Activation</b> of version N: fetch into {@code cache/<alias>-vN} and verify every file's size
 * and sha256 against the release ({@link AdapterStore#fetch}); check that the target stack accepts
 * the adapter ({@link AdapterConfig#validateForServing}); activate it under the never-reused name
 * {@code <alias>-v<N>}; only then route traffic to it. A version that fails verification or is refused
 * is reported, counted, and never tried again; the previous route keeps serving.
 *
 * <p><b>Restart safety</b>: all state is rebuilt from the topic and the engine's own list; a version
 * the engine already holds is not activated again. <b>Retirement</b> waits until the version's
 * in-flight requests (see {@link InFlight}) have drained, or {@code drainTimeout} passed.
 */
public final class SwapAgent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SwapAgent.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(120);

    /**
     * Settings.
     *
     * @param alias the public alias this tap serves
     * @param baseModel the engine's name for the base model
     * @param topic the adapters topic
     * @param cacheDir where fetched versions are kept
     * @param canaryShare share of the alias's requests routed to a candidate
     * @param maxLoraRank the target stack's largest accepted rank
     * @param drainTimeout how long retirement waits for in-flight requests
     */
    public record Settings(String alias, String baseModel, String topic, Path cacheDir, double canaryShare, int maxLoraRank,
            Duration drainTimeout) {}

    /** What happened, for logs, metrics, tests and benchmarks. Called on the agent thread; must be quick. */
    public interface Listener {
        /** A version became servable and routable. */
        default void activated(String servedName, Instant at) {}

        /** A version was refused (integrity, stack limits, engine rejection). */
        default void refused(String servedName, String reason) {}

        /** A version was unloaded. */
        default void retired(String servedName) {}

        /** The routing table changed. */
        default void routed(RoutingTable.Route route) {}
    }

    private final Settings settings;
    private final KafkaClients clients;
    private final ServingBackend backend;
    private final AdapterStore store;
    private final RoutingTable routing;
    private final InFlight inFlight;
    private final Listener listener;
    private final Clock clock;
    private final Map<String, AdapterRelease> releases = new LinkedHashMap<>(); // served name -> latest
    private final Set<String> loaded = new HashSet<>();
    private final Set<String> failed = new HashSet<>();
    private final Map<String, Instant> retireRequested = new HashMap<>();
    private final Map<String, Instant> retryAt = new HashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private final Thread thread;

    public SwapAgent(Settings settings, KafkaClients clients, ServingBackend backend, AdapterStore store, RoutingTable routing,
            InFlight inFlight, Listener listener, Clock clock) {
        this.settings = settings;
        this.clients = clients;
        this.backend = backend;
        this.store = store;
        this.routing = routing;
        this.inFlight = inFlight;
        this.listener = listener;
        this.clock = clock;
        routing.put(RoutingTable.Route.base(settings.alias(), settings.baseModel()));
        this.thread = new Thread(this::run, "feedloop-swap-" + settings.alias());
        this.thread.setDaemon(true);
    }

    /** Starts following the topic. */
    public SwapAgent start() {
        thread.start();
        return this;
    }

    /** Waits until the topic has been read to its end once and the engine reconciled with it. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try (KafkaConsumer<byte[], byte[]> c = clients.consumer("feedloop-swap-" + settings.alias() + "-" + System.nanoTime())) {
            consumer = c;
            List<TopicPartition> parts = new ArrayList<>();
            c.partitionsFor(settings.topic()).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (running.get() && parts.stream().anyMatch(p -> c.position(p) < end.get(p))) {
                c.poll(Duration.ofMillis(200)).forEach(this::accept);
            }
            syncLoaded();
            reconcile();
            caughtUp.countDown();
            while (running.get()) {
                boolean changed = false;
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(250))) {
                    changed |= accept(r);
                }
                if (changed || pendingWork()) {
                    reconcile();
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("swap agent for alias {} stopped", settings.alias(), e);
        }
    }

    private boolean accept(ConsumerRecord<byte[], byte[]> record) {
        EventRecords.Decoded d = EventRecords.decode(record, List.of(EventType.ADAPTER_RELEASE), clock);
        if (d instanceof EventRecords.Ok ok && ok.event() instanceof AdapterRelease r && r.name().equals(settings.alias())) {
            AdapterRelease previous = releases.put(r.servedName(), r);
            return previous == null || previous.status() != r.status();
        }
        if (d instanceof EventRecords.Dead dead) {
            LOG.warn("ignoring an invalid record on {}: {}", settings.topic(), dead.deadLetter().detail());
        }
        return false;
    }

    private void syncLoaded() {
        try {
            List<String> names = backend.loadedAdapters().toCompletableFuture().get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            loaded.clear();
            for (String n : names) {
                if (n.startsWith(settings.alias() + "-v")) {
                    loaded.add(n);
                }
            }
        } catch (Exception e) {
            LOG.warn("cannot list the engine's adapters ({}); assuming none", rootMessage(e));
        }
    }

    private boolean pendingWork() {
        Instant now = clock.instant();
        return !retireRequested.isEmpty() || retryAt.values().stream().anyMatch(t -> !t.isAfter(now));
    }

    /** Brings the engine and the routing table in line with the topic. Runs on the agent thread. */
    private void reconcile() {
        SwapPlan plan = SwapPlan.of(releases.values(), loaded, failed);
        Instant now = clock.instant();
        boolean activatedAny = false;
        for (AdapterRelease r : plan.activate()) {
            Instant wait = retryAt.get(r.servedName());
            if (wait != null && wait.isAfter(now)) {
                continue;
            }
            if (activate(r)) {
                activatedAny = true;
            }
        }
        SwapPlan after = activatedAny ? SwapPlan.of(releases.values(), loaded, failed) : plan;
        RoutingTable.Route route = new RoutingTable.Route(settings.alias(), settings.baseModel(),
                after.promoted() == null ? null : after.promoted().servedName(), after.promoted() == null ? 0 : after.promoted().version(),
                after.candidate() == null ? null : after.candidate().servedName(), after.candidate() == null ? 0 : after.candidate().version(),
                after.candidate() == null ? 0 : settings.canaryShare());
        if (!route.equals(routing.get(settings.alias()))) {
            routing.put(route);
            listener.routed(route);
            LOG.info("alias {} now routes to {} (canary {} at {})", settings.alias(),
                    route.promoted() == null ? "the base model" : route.promoted(), route.candidate(), route.canaryShare());
        }
        for (String name : after.retire()) {
            retire(name, now);
        }
        retireRequested.keySet().removeIf(n -> !after.retire().contains(n));
    }

    private boolean activate(AdapterRelease r) {
        String name = r.servedName();
        Path target = settings.cacheDir().resolve(name);
        try {
            deleteTree(target);
            Files.createDirectories(settings.cacheDir());
            store.fetch(r, target).toCompletableFuture().get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            AdapterConfig config = AdapterConfig.read(target);
            List<String> problems = config.validateForServing(settings.maxLoraRank());
            if (!problems.isEmpty()) {
                refuse(name, "the serving stack would reject it: " + String.join("; ", problems));
                deleteTree(target);
                return false;
            }
            backend.activate(new ServingBackend.Adapter(name, target, r.baseModel()))
                    .toCompletableFuture().get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            loaded.add(name);
            retryAt.remove(name);
            listener.activated(name, clock.instant());
            LOG.info("activated {} from {}", name, r.uri());
            return true;
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException || e instanceof CompletionException
                    ? e.getCause() : e;
            if (cause instanceof AdapterStore.StoreException se && se.reason() == AdapterStore.StoreException.Reason.INTEGRITY
                    || cause instanceof ServingBackend.BackendException be && be.reason() == ServingBackend.BackendException.Reason.REJECTED
                    || cause instanceof IOException && !(cause instanceof ConnectException)) {
                refuse(name, rootMessage(cause));
            } else {
                LOG.warn("cannot activate {} yet ({}); retrying", name, rootMessage(cause));
                retryAt.put(name, clock.instant().plusSeconds(2));
            }
            try {
                deleteTree(target);
            } catch (IOException ignored) {
                // best effort
            }
            return false;
        }
    }

    private void refuse(String name, String reason) {
        failed.add(name);
        listener.refused(name, reason);
        LOG.error("refused adapter {}: {}", name, reason);
    }

    private void retire(String name, Instant now) {
        Instant since = retireRequested.computeIfAbsent(name, n -> now);
        boolean drained = inFlight.count(name) == 0;
        if (!drained && Duration.between(since, now).compareTo(settings.drainTimeout()) < 0) {
            return;
        }
        try {
            backend.retire(name).toCompletableFuture().get(CALL_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (!(cause instanceof ServingBackend.BackendException be && be.reason() == ServingBackend.BackendException.Reason.NOT_FOUND)) {
                LOG.warn("cannot retire {} yet ({})", name, rootMessage(cause));
                return;
            }
        }
        loaded.remove(name);
        retireRequested.remove(name);
        try {
            deleteTree(settings.cacheDir().resolve(name));
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", settings.cacheDir().resolve(name), e.getMessage());
        }
        listener.retired(name);
        LOG.info("retired {}{}", name, drained ? "" : " after the drain timeout");
    }

    /** Served names the engine holds according to the agent. */
    public Set<String> loaded() {
        return Set.copyOf(loaded);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c == t ? String.valueOf(t.getMessage()) : t.getMessage() + " (" + c.getMessage() + ")";
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        }
    }

    /** Stops following the topic (the engine keeps what it has loaded). */
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
}
