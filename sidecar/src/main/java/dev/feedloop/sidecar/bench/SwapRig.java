package dev.feedloop.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.AdapterStoreProvider;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginMetrics;
import dev.feedloop.contracts.spi.PluginRegistry;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackendProvider;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.PeftBridge;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.EventRecords;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import dev.feedloop.sidecar.store.AdapterFileServer;
import dev.feedloop.sidecar.swap.InFlight;
import dev.feedloop.sidecar.swap.RoutingTable;
import dev.feedloop.sidecar.swap.SwapAgent;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * A complete hot-swap loop on one machine, for the swap benchmark and integration tests: a real Kafka
 * broker, the embedded serving engine, the vLLM driver talking to it over HTTP, the {@code local}
 * adapter store serving published versions over HTTP, the swap agent, and a trainer stand-in that
 * publishes adapter versions (random LoRA weights) and their releases.
 */
public final class SwapRig implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The alias the rig serves. */
    public static final String ALIAS = "assistant";
    /** The engine's name for the base model. */
    public static final String BASE = "tiny";

    private final Path dir;
    private final EmbeddedKafka kafka;
    private final KafkaClients clients;
    private final FeedloopConfig.TopicsConfig topics;
    private final ServeRuntime serve;
    private final Vertx vertx;
    private final AdapterFileServer files;
    private final AdapterStore publisher;
    private final AdapterStore fetcher;
    private final ServingBackend backend;
    private final RoutingTable routing = new RoutingTable();
    private final InFlight inFlight = new InFlight();
    private final ExecutorService io;
    private final KafkaProducer<byte[], byte[]> producer;
    /** Events the agent reported. */
    public final List<String> events = new CopyOnWriteArrayList<>();
    /** When each served name was activated. */
    public final Map<String, Instant> activatedAt = new ConcurrentHashMap<>();
    private SwapAgent agent;

    private SwapRig(Path dir, EmbeddedKafka kafka, KafkaClients clients, FeedloopConfig.TopicsConfig topics, ServeRuntime serve,
            Vertx vertx, AdapterFileServer files, AdapterStore publisher, AdapterStore fetcher, ServingBackend backend,
            ExecutorService io) {
        this.dir = dir;
        this.io = io;
        this.kafka = kafka;
        this.clients = clients;
        this.topics = topics;
        this.serve = serve;
        this.vertx = vertx;
        this.files = files;
        this.publisher = publisher;
        this.fetcher = fetcher;
        this.backend = backend;
        this.producer = clients.producer();
    }

    /**
     * Starts everything in {@code dir}.
     *
     * @param bootstrap an existing broker, or null to start an embedded one
     */
    public static SwapRig start(Path dir, String bootstrap) throws Exception {
        EmbeddedKafka kafka = bootstrap == null ? EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir.resolve("kafka"))) : null;
        String servers = bootstrap != null ? bootstrap : kafka.bootstrapServers();
        KafkaClients clients = new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(servers), "swap-rig");
        String p = "rig-" + UUID.randomUUID().toString().substring(0, 8) + ".";
        FeedloopConfig.TopicsConfig d = ConfigLoader.defaults().topics();
        FeedloopConfig.TopicsConfig topics = new FeedloopConfig.TopicsConfig(p + d.inference(), p + d.feedback(), p + d.preferences(),
                p + d.adapters(), p + d.deadLetter(), 1, -1, true);
        try (Admin admin = clients.admin()) {
            TopicSetup.ensure(admin, topics);
        }
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 21, TinyCheckpoint.Spec.standard());
        ServeRuntime serve = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName(BASE).withCapacity(1, 8, 256));
        Vertx vertx = Vertx.vertx();
        Path root = Files.createDirectories(dir.resolve("published"));
        AdapterFileServer files = new AdapterFileServer(root, "127.0.0.1", 0);
        vertx.deployVerticle(files).await(30, TimeUnit.SECONDS);
        ExecutorService blocking = Executors.newFixedThreadPool(2);
        PluginRegistry<AdapterStoreProvider> stores = PluginRegistry.load(AdapterStoreProvider.class, SwapRig.class.getClassLoader());
        AdapterStore publisher = stores.get("local").create(new PluginContext("local",
                Map.of("root", root.toString(), "public-url", files.publicUrl()), Clock.systemUTC(), blocking, PluginMetrics.NOOP));
        AdapterStore fetcher = stores.get("local").create(new PluginContext("local", Map.of(), Clock.systemUTC(), blocking,
                PluginMetrics.NOOP));
        PluginRegistry<ServingBackendProvider> backends = PluginRegistry.load(ServingBackendProvider.class,
                SwapRig.class.getClassLoader());
        ServingBackend backend = backends.get("vllm").create(new PluginContext("vllm",
                Map.of("url", serve.baseUrl(), "max-lora-rank", "64"), Clock.systemUTC(), blocking, PluginMetrics.NOOP));
        return new SwapRig(dir, kafka, clients, topics, serve, vertx, files, publisher, fetcher, backend, blocking);
    }

    /** Starts (or restarts) the swap agent and waits until it has caught up with the topic. */
    public SwapAgent startAgent(double canaryShare) throws InterruptedException {
        SwapAgent.Settings settings = new SwapAgent.Settings(ALIAS, BASE, topics.adapters(), dir.resolve("tap-cache"), canaryShare, 64,
                Duration.ofSeconds(10));
        agent = new SwapAgent(settings, clients, backend, fetcher, routing, inFlight, new SwapAgent.Listener() {
            @Override
            public void activated(String servedName, Instant at) {
                activatedAt.put(servedName, at);
                events.add("activated " + servedName);
            }

            @Override
            public void refused(String servedName, String reason) {
                events.add("refused " + servedName + ": " + reason);
            }

            @Override
            public void retired(String servedName) {
                events.add("retired " + servedName);
            }
        }, Clock.systemUTC()).start();
        if (!agent.awaitCaughtUp(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the swap agent did not catch up with the adapters topic within 60 s");
        }
        return agent;
    }

    /** Stops the agent (the engine keeps its adapters, as after a tap restart). */
    public void stopAgent() {
        if (agent != null) {
            agent.close();
            agent = null;
        }
    }

    /**
     * Trains nothing but publishes version {@code version}: a random adapter written as PEFT, published
     * through the store, and its release (with the given status) produced to the adapters topic.
     *
     * @param tamper publish the release with a wrong sha256 for the weights file
     * @return the release as produced
     */
    public AdapterRelease publish(int version, AdapterRelease.Status status, boolean tamper) throws Exception {
        Path staging = dir.resolve("staging-" + version + "-" + UUID.randomUUID());
        try (LoraAdapter a = LoraAdapter.initialize(ALIAS, new LoraAdapter.Spec(4, 8, false, 0,
                EnumSet.of(Projection.Q_PROJ, Projection.V_PROJ)), serve.engine().policy().model(), version)) {
            float shift = 0.05f * version;
            for (int layer = 0; layer < serve.engine().policy().model().config().numLayers(); layer++) {
                a.b(layer, Projection.V_PROJ).muli(0).addi(shift);
            }
            PeftBridge.write(a, BASE, staging);
        }
        AdapterStore.Published p = publisher.publish(ALIAS, version, staging).toCompletableFuture().get(60, TimeUnit.SECONDS);
        List<AdapterRelease.AdapterFile> fileList = new ArrayList<>(p.files());
        if (tamper) {
            for (int i = 0; i < fileList.size(); i++) {
                AdapterRelease.AdapterFile f = fileList.get(i);
                if (f.path().endsWith(".safetensors")) {
                    fileList.set(i, new AdapterRelease.AdapterFile(f.path(), f.size(),
                            "0000000000000000000000000000000000000000000000000000000000000000"));
                }
            }
        }
        AdapterRelease release = new AdapterRelease(Event.SCHEMA_VERSION, ALIAS, version, "default", Instant.now(), BASE, 4, 8,
                List.of("q_proj", "v_proj"), fileList, p.uri(), status, null, Map.of(), status == AdapterRelease.Status.ROLLED_BACK
                        ? "rolled back" : null);
        send(release);
        return release;
    }

    /** Produces a release (e.g. a new status of a published version). */
    public void send(AdapterRelease release) throws Exception {
        producer.send(EventRecords.toRecord(topics.adapters(), release, "/feedloop/trainer", null)).get(30, TimeUnit.SECONDS);
    }

    /** The routing table the agent maintains. */
    public RoutingTable routing() {
        return routing;
    }

    /** In-flight requests per served model. */
    public InFlight inFlight() {
        return inFlight;
    }

    /** The embedded engine. */
    public ServeRuntime serve() {
        return serve;
    }

    /** The swap agent, if running. */
    public SwapAgent agent() {
        return agent;
    }

    /** Load that calls the alias through the routing table, as the tap will. */
    public final class Load implements AutoCloseable {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final ExecutorService pool;
        /** Requests that completed with 200. */
        public final AtomicLong ok = new AtomicLong();
        /** Requests that failed (non-200 or an exception). */
        public final AtomicLong failed = new AtomicLong();
        /** The first time each served model name answered a request. */
        public final Map<String, Instant> firstServed = new ConcurrentHashMap<>();
        /** The failures, for diagnosis. */
        public final List<String> failures = new CopyOnWriteArrayList<>();

        Load(int threads) {
            pool = Executors.newFixedThreadPool(threads);
            HttpClient http = HttpClient.newHttpClient();
            for (int t = 0; t < threads; t++) {
                pool.submit(() -> {
                    while (running.get()) {
                        RoutingTable.Decision d = routing.route(ALIAS, ThreadLocalRandom.current().nextDouble());
                        inFlight.begin(d.servedModel());
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(serve.baseUrl() + "/v1/chat/completions"))
                                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + d.servedModel()
                                            + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],\"max_tokens\":4}"))
                                    .build(), HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                JsonNode body = JSON.readTree(r.body());
                                firstServed.putIfAbsent(body.get("model").asText(), Instant.now());
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                failures.add(d.servedModel() + " -> " + r.statusCode() + " " + r.body());
                            }
                        } catch (IOException | InterruptedException | RuntimeException e) {
                            failed.incrementAndGet();
                            failures.add(d.servedModel() + " -> " + e);
                        } finally {
                            inFlight.end(d.servedModel());
                        }
                    }
                    return null;
                });
            }
        }

        @Override
        public void close() {
            running.set(false);
            pool.shutdown();
            try {
                pool.awaitTermination(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Starts {@code threads} clients calling the alias until closed. */
    public Load load(int threads) {
        return new Load(threads);
    }

    @Override
    public void close() {
        stopAgent();
        producer.close();
        backend.close();
        publisher.close();
        fetcher.close();
        try {
            vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        serve.close();
        io.shutdown();
        if (kafka != null) {
            kafka.close();
        }
    }
}
