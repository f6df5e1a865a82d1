package dev.feedloop.sidecar.tap;

import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import dev.feedloop.sidecar.swap.InFlight;
import dev.feedloop.sidecar.swap.RoutingTable;
import dev.feedloop.sidecar.swap.SwapAgent;
import dev.feedloop.sidecar.telemetry.ManagementServer;
import dev.feedloop.sidecar.telemetry.Metrics;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tap role, assembled from config: proxy + capture + feedback API + (optionally) the swap agent,
 * with the management server. Used by {@code feedloop tap}, the tests and {@code feedloop bench tap}.
 *
 * <p>Startup refuses, with one message, what cannot work: no {@code kafka.bootstrap.servers}, an
 * unknown redactor or serving backend, an unreadable token file. Once started, nothing the tap depends
 * on besides the engine can make a request fail.
 */
public final class TapRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TapRuntime.class);

    /** Capture producer: never hold up the capture thread for long, give up on a record after 30 s. */
    public static final Map<String, Object> CAPTURE_PRODUCER = Map.of(
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
            ProducerConfig.LINGER_MS_CONFIG, 20,
            ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024,
            ProducerConfig.BUFFER_MEMORY_CONFIG, 32L << 20);
    /** Feedback producer: the client waits for the ack, so fail within seconds and let it retry. */
    public static final Map<String, Object> FEEDBACK_PRODUCER = Map.of(
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 3_000,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 8_000,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 3_000,
            ProducerConfig.LINGER_MS_CONFIG, 1);

    private final Vertx vertx;
    private final Metrics metrics;
    private final TapProxy proxy;
    private final ManagementServer management;
    private final CapturePipeline<TapExchange> pipeline;
    private final FeedbackApi feedback;
    private final KafkaProducer<byte[], byte[]> captureProducer;
    private final KafkaProducer<byte[], byte[]> feedbackProducer;
    private final SwapAgent swapAgent;
    private final RoutingTable routing;
    private final ExecutorService blocking;
    private final List<AutoCloseable> plugins;

    private TapRuntime(Vertx vertx, Metrics metrics, TapProxy proxy, ManagementServer management, CapturePipeline<TapExchange> pipeline,
            FeedbackApi feedback, KafkaProducer<byte[], byte[]> captureProducer, KafkaProducer<byte[], byte[]> feedbackProducer,
            SwapAgent swapAgent, RoutingTable routing, ExecutorService blocking, List<AutoCloseable> plugins) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.proxy = proxy;
        this.management = management;
        this.pipeline = pipeline;
        this.feedback = feedback;
        this.captureProducer = captureProducer;
        this.feedbackProducer = feedbackProducer;
        this.swapAgent = swapAgent;
        this.routing = routing;
        this.blocking = blocking;
        this.plugins = plugins;
    }

    /**
     * Starts the tap.
     *
     * @param catalog where plugins come from
     * @param assembler turns a captured exchange into a redacted record, given the redactor (null for none)
     * @throws IllegalArgumentException with one clear message for config that cannot work
     */
    public static TapRuntime start(FeedloopConfig config, PluginCatalog catalog, Clock clock,
            Function<Redactor, Function<TapExchange, InferenceRecord>> assembler) {
        if (config.kafka().bootstrapServers().isEmpty()) {
            throw new IllegalArgumentException("the tap role needs kafka.bootstrap.servers (FEEDLOOP_KAFKA_BOOTSTRAP_SERVERS); "
                    + "'feedloop all' starts an embedded broker instead");
        }
        List<AutoCloseable> closeOnFailure = new ArrayList<>();
        List<AutoCloseable> plugins = new ArrayList<>();
        Metrics metrics = Metrics.create();
        ExecutorService blocking = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "feedloop-tap-blocking");
            t.setDaemon(true);
            return t;
        });
        closeOnFailure.add(blocking::shutdownNow);
        Vertx vertx = Vertx.vertx();
        closeOnFailure.add(() -> vertx.close().await(10, TimeUnit.SECONDS));
        try {
            String source = "/feedloop/tap/" + hostName();
            Redactor redactor = null;
            String redactorName = config.capture().redactor();
            if (!redactorName.equals("none")) {
                redactor = catalog.redactors().find(redactorName).orElseThrow(() -> new PluginException(
                        "capture.redactor names unknown redactor '" + redactorName + "'; available: " + catalog.available()))
                        .create(context(config, redactorName, clock, blocking, metrics));
                plugins.add(redactor);
            } else {
                LOG.warn("capture.redactor=none: prompts, responses and feedback text leave the pod unredacted");
            }
            KafkaClients clients = new KafkaClients(config.kafka(), "feedloop-tap");
            KafkaProducer<byte[], byte[]> captureProducer = clients.producer("capture", CAPTURE_PRODUCER);
            closeOnFailure.add(captureProducer);
            KafkaProducer<byte[], byte[]> feedbackProducer = clients.producer("feedback", FEEDBACK_PRODUCER);
            closeOnFailure.add(feedbackProducer);
            CapturePipeline<TapExchange> pipeline = new CapturePipeline<>(config.capture().queueRecords(), config.capture().queueBytes(),
                    assembler.apply(redactor), captureProducer, config.topics().inference(), source, metrics.registry(),
                    config.capture().threads());
            closeOnFailure.add(pipeline);
            FeedbackApi feedback = new FeedbackApi(config.feedback(), config.tap().tenant(), redactor, feedbackProducer,
                    config.topics().feedback(), source, clock, metrics.registry());
            closeOnFailure.add(feedback);

            RoutingTable routing = new RoutingTable();
            InFlight inFlight = new InFlight();
            if (!config.tap().baseModel().isEmpty()) {
                routing.put(RoutingTable.Route.base(config.tap().alias(), config.tap().baseModel()));
            }
            SwapAgent agent = null;
            if (!config.swap().backend().isEmpty()) {
                if (config.tap().baseModel().isEmpty()) {
                    throw new IllegalArgumentException("swap.backend is set but tap.base-model is empty: the swap agent needs the "
                            + "engine's name for the base model");
                }
                String backendName = config.swap().backend();
                ServingBackend backend = catalog.servingBackends().find(backendName).orElseThrow(() -> new PluginException(
                        "swap.backend names unknown serving backend '" + backendName + "'; available: " + catalog.available()))
                        .create(context(config, backendName, clock, blocking, metrics));
                plugins.add(backend);
                String storeName = config.swap().store();
                AdapterStore store = catalog.adapterStores().find(storeName).orElseThrow(() -> new PluginException(
                        "swap.store names unknown adapter store '" + storeName + "'; available: " + catalog.available()))
                        .create(context(config, storeName, clock, blocking, metrics));
                plugins.add(store);
                agent = new SwapAgent(new SwapAgent.Settings(config.tap().alias(), config.tap().baseModel(), config.topics().adapters(),
                        config.swap().cacheDir(), config.swap().canaryShare(), config.swap().maxLoraRank(), config.swap().drainTimeout()),
                        clients, backend, store, routing, inFlight, new SwapAgent.Listener() {}, clock);
                closeOnFailure.add(agent);
            }

            TapProxy proxy = new TapProxy(config.tap(), config.capture(), routing, inFlight, pipeline, feedback, metrics.registry());
            vertx.deployVerticle(proxy).await(30, TimeUnit.SECONDS);

            URI upstream = config.tap().upstream();
            HttpClient health = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(upstream.getHost())
                    .setDefaultPort(upstream.getPort() > 0 ? upstream.getPort() : "https".equals(upstream.getScheme()) ? 443 : 80)
                    .setSsl("https".equals(upstream.getScheme())));
            AtomicBoolean upstreamUp = new AtomicBoolean(false);
            vertx.setPeriodic(1, 5_000, id -> health.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/health")
                    .setTimeout(4_000)).compose(r -> r.send()).onComplete(ar -> upstreamUp.set(ar.succeeded()
                    && ar.result().statusCode() == 200)));
            Gauge.builder("feedloop.tap.upstream.up", upstreamUp, b -> b.get() ? 1 : 0)
                    .description("1 when the serving engine's /health answers 200").register(metrics.registry());
            ManagementServer management = new ManagementServer(metrics, () -> {
                Map<String, Boolean> checks = new LinkedHashMap<>();
                checks.put("upstream", upstreamUp.get());
                return checks;
            }, "0.0.0.0", config.management().port());
            vertx.deployVerticle(management).await(30, TimeUnit.SECONDS);
            if (agent != null) {
                agent.start();
            }
            if (config.topics().create()) {
                ensureTopicsInBackground(clients, config.topics());
            }
            LOG.info("tap ready on port {} for {} (alias '{}'), management on {}, capture to {} with redactor {}", proxy.actualPort(),
                    upstream, config.tap().alias(), management.actualPort(), config.topics().inference(), redactorName);
            return new TapRuntime(vertx, metrics, proxy, management, pipeline, feedback, captureProducer, feedbackProducer, agent,
                    routing, blocking, plugins);
        } catch (RuntimeException | Error e) {
            for (int i = closeOnFailure.size() - 1; i >= 0; i--) {
                try {
                    closeOnFailure.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            for (AutoCloseable p : plugins) {
                try {
                    p.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the tap could not start: " + e.getMessage(), e);
        }
    }

    /** Creates missing topics without holding up startup: the tap serves whether or not Kafka is there. */
    private static void ensureTopicsInBackground(KafkaClients clients, FeedloopConfig.TopicsConfig topics) {
        Thread t = new Thread(() -> {
            try (org.apache.kafka.clients.admin.Admin admin = clients.admin()) {
                dev.feedloop.sidecar.kafka.TopicSetup.ensure(admin, topics);
            } catch (RuntimeException e) {
                LOG.warn("could not check or create the topics (capture will count drops until they exist): {}", e.getMessage());
            }
        }, "feedloop-tap-topics");
        t.setDaemon(true);
        t.start();
    }

    private static PluginContext context(FeedloopConfig config, String name, Clock clock, ExecutorService blocking, Metrics metrics) {
        return new PluginContext(name, config.plugins().settingsOf(name), clock, blocking, metrics.forPlugin(name));
    }

    private static String hostName() {
        String pod = System.getenv("HOSTNAME");
        if (pod != null && !pod.isBlank()) {
            return pod;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    /** The proxy's port. */
    public int port() {
        return proxy.actualPort();
    }

    /** The proxy's base URL on loopback. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** The management port. */
    public int managementPort() {
        return management.actualPort();
    }

    /** The proxy's router: the feedback API's routes and the proxy catch-all. */
    public io.vertx.ext.web.Router proxyRouter() {
        return proxy.router();
    }

    /** The management server's router. */
    public io.vertx.ext.web.Router managementRouter() {
        return management.router();
    }

    /** The metrics registry. */
    public Metrics metrics() {
        return metrics;
    }

    /** The alias routing table. */
    public RoutingTable routing() {
        return routing;
    }

    /** Requests in flight per served model. */
    public InFlight inFlight() {
        return proxy.inFlight();
    }

    /** The capture pipeline. */
    public CapturePipeline<TapExchange> pipeline() {
        return pipeline;
    }

    /** The swap agent, or null when {@code swap.backend} is empty. */
    public SwapAgent swapAgent() {
        return swapAgent;
    }

    /** Stops accepting requests, drains the capture queue (bounded), and closes everything. */
    @Override
    public void close() {
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("vert.x did not close cleanly: {}", e.toString());
        }
        if (swapAgent != null) {
            swapAgent.close();
        }
        feedback.close();
        pipeline.close();
        captureProducer.close(Duration.ofSeconds(5));
        feedbackProducer.close(Duration.ofSeconds(5));
        for (AutoCloseable p : plugins) {
            try {
                p.close();
            } catch (Exception e) {
                LOG.warn("plugin did not close cleanly: {}", e.toString());
            }
        }
        blocking.shutdownNow();
    }
}
