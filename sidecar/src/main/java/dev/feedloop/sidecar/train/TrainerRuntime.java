package dev.feedloop.sidecar.train;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.sidecar.collector.Collector;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import dev.feedloop.sidecar.kserve.KServeSource;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import dev.feedloop.sidecar.telemetry.ManagementServer;
import dev.feedloop.sidecar.telemetry.Metrics;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer role as far as it exists: the ingest half. The {@link Collector} joins feedback to its
 * inference records and publishes preference pairs and unpaired examples; with {@code kserve.topic}
 * set, a {@link KServeSource} turns KServe payload-logger events into inference records first. The
 * management server reports both as readiness checks. OAIF, the replay buffer, training, the gate and
 * rollout are not part of this runtime yet.
 */
public final class TrainerRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerRuntime.class);

    private final Vertx vertx;
    private final Metrics metrics;
    private final Collector collector;
    private final KServeSource kserve;
    private final ManagementServer management;
    private final Redactor redactor;

    private TrainerRuntime(Vertx vertx, Metrics metrics, Collector collector, KServeSource kserve, ManagementServer management,
            Redactor redactor) {
        this.vertx = vertx;
        this.metrics = metrics;
        this.collector = collector;
        this.kserve = kserve;
        this.management = management;
        this.redactor = redactor;
    }

    /**
     * Starts the ingest half of the trainer.
     *
     * @throws IllegalArgumentException with one clear message for config that cannot work
     */
    public static TrainerRuntime start(FeedloopConfig config, PluginCatalog catalog, Clock clock) {
        if (config.kafka().bootstrapServers().isEmpty()) {
            throw new IllegalArgumentException("the trainer role needs kafka.bootstrap.servers (FEEDLOOP_KAFKA_BOOTSTRAP_SERVERS); "
                    + "'feedloop all' starts an embedded broker instead");
        }
        List<AutoCloseable> opened = new ArrayList<>();
        Metrics metrics = Metrics.create();
        Vertx vertx = Vertx.vertx();
        opened.add(() -> vertx.close().await(10, TimeUnit.SECONDS));
        try {
            KafkaClients clients = new KafkaClients(config.kafka(), "feedloop-trainer");
            if (config.topics().create()) {
                try (Admin admin = clients.admin()) {
                    TopicSetup.ensure(admin, config.topics());
                }
            }
            Collector.Settings settings = Collector.Settings.defaults(config.topics(), config.tap().alias())
                    .withWindow(config.collector().window()).withMaxEntries(config.collector().maxEntries()).withClock(clock);
            Collector collector = new Collector(settings, clients, metrics);
            opened.add(collector);
            KServeSource kserve = null;
            Redactor redactor = null;
            if (!config.kserve().topic().isEmpty()) {
                String name = config.capture().redactor();
                if (name.equals("none")) {
                    redactor = text -> Redactor.Redaction.clean(text);
                    LOG.warn("capture.redactor=none: KServe payloads are published unredacted");
                } else {
                    redactor = catalog.redactors().find(name).orElseThrow(() -> new PluginException(
                            "capture.redactor names unknown redactor '" + name + "'; available: " + catalog.available()))
                            .create(new PluginContext(name, config.plugins().settingsOf(name), clock, Runnable::run,
                                    metrics.forPlugin(name)));
                }
                opened.add(redactor);
                kserve = new KServeSource(KServeSource.Settings.of(config.kserve().topic(), config.tap().tenant()), clients,
                        config.topics(), redactor, metrics, clock);
                opened.add(kserve);
            }
            KServeSource source = kserve;
            ManagementServer management = new ManagementServer(metrics, () -> {
                Map<String, Boolean> checks = new LinkedHashMap<>();
                checks.put("collector", collector.failure().isEmpty() && collector.progress().running());
                if (source != null) {
                    checks.put("kserve", source.failure().isEmpty() && source.isRunning());
                }
                return checks;
            }, "0.0.0.0", config.management().port());
            vertx.deployVerticle(management).await(30, TimeUnit.SECONDS);
            collector.start();
            if (kserve != null) {
                kserve.start();
            }
            LOG.info("trainer (ingest) ready: collector on {} + {}{}, management on {}", config.topics().inference(),
                    config.topics().feedback(), kserve == null ? "" : ", KServe source on " + config.kserve().topic(),
                    management.actualPort());
            return new TrainerRuntime(vertx, metrics, collector, kserve, management, redactor);
        } catch (RuntimeException | Error e) {
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("the trainer could not start: " + e.getMessage(), e);
        }
    }

    /** The management port. */
    public int managementPort() {
        return management.actualPort();
    }

    /** The metrics. */
    public Metrics metrics() {
        return metrics;
    }

    /** The collector. */
    public Collector collector() {
        return collector;
    }

    @Override
    public void close() {
        if (kserve != null) {
            kserve.close();
        }
        collector.close();
        if (redactor != null) {
            redactor.close();
        }
        try {
            vertx.close().await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("vert.x did not close cleanly: {}", e.toString());
        }
    }
}
