package dev.feedloop.sidecar.embedded;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) running in this JVM, built
 * from the Kafka broker artifacts on Maven Central. Used by {@code ./feedloop kafka}, by the {@code
 * demo} and {@code all} roles when no bootstrap servers are configured, and by the integration tests.
 *
 * <p>Lifecycle: {@link #start} formats the data directory the first time (a new cluster id is written
 * to {@code meta.properties}), starts the broker and returns once a client can reach it. {@link
 * #close} shuts down cleanly, so a later {@link #start} on the same directory keeps every record. The
 * controller port chosen on first start is remembered in the data directory.
 *
 * <p>Not for production: one node, replication factor 1, no authentication.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String CONTROLLER_PORT_FILE = "feedloop-controller.port";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

    private final Settings settings;
    private final int port;
    private final KafkaRaftServer server;
    private boolean closed;

    /**
     * Where and how to run the broker.
     *
     * @param host address to listen on and advertise
     * @param port client port, 0 = any free port
     * @param controllerPort controller port, 0 = reuse the remembered one or any free port
     * @param dataDir log directory (created if missing)
     * @param overrides extra broker properties
     */
    public record Settings(String host, int port, int controllerPort, Path dataDir, Map<String, String> overrides) {
        public Settings {
            overrides = Map.copyOf(overrides);
        }

        /** Loopback, any free ports, the given data directory. */
        public static Settings ephemeral(Path dataDir) {
            return new Settings("127.0.0.1", 0, 0, dataDir, Map.of());
        }
    }

    private EmbeddedKafka(Settings settings, int port, KafkaRaftServer server) {
        this.settings = settings;
        this.port = port;
        this.server = server;
    }

    /**
     * Formats (first time only) and starts a broker, and waits until it answers.
     *
     * @throws EmbeddedKafkaException if it cannot start, with the reason
     */
    public static EmbeddedKafka start(Settings settings) {
        Instant t0 = Instant.now();
        Path dataDir = settings.dataDir().toAbsolutePath().normalize();
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot create Kafka data directory " + dataDir + ": " + e.getMessage(), e);
        }
        requireUnlocked(dataDir); // before touching anything in a directory a running broker may own
        int port = settings.port() == 0 ? freePort(settings.host()) : settings.port();
        int controllerPort = controllerPort(settings, dataDir);
        requireFree(settings.host(), port, "broker.port");
        requireFree("127.0.0.1", controllerPort, "broker.controller-port");

        Properties props = new Properties();
        props.put("process.roles", "broker,controller");
        props.put("node.id", "1");
        props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        props.put("listeners", "PLAINTEXT://" + settings.host() + ":" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        props.put("advertised.listeners", "PLAINTEXT://" + settings.host() + ":" + port);
        props.put("controller.listener.names", "CONTROLLER");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        props.put("log.dirs", dataDir.toString());
        props.put("metadata.log.dir", dataDir.toString());
        props.put("num.partitions", "3");
        props.put("default.replication.factor", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "3");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "3");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        props.put("auto.create.topics.enable", "false");
        props.put("log.cleaner.backoff.ms", "1000");
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.putAll(settings.overrides());

        KafkaConfig config;
        try {
            config = KafkaConfig.fromProps(props, false);
        } catch (RuntimeException e) {
            throw new EmbeddedKafkaException("invalid embedded broker settings: " + e.getMessage(), e);
        }
        format(dataDir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(server);
            throw new EmbeddedKafkaException("embedded Kafka broker failed to start on " + settings.host() + ":" + port
                    + " (data " + dataDir + "): " + e.getMessage(), e);
        }
        EmbeddedKafka kafka = new EmbeddedKafka(settings, port, server);
        try {
            kafka.awaitReady();
        } catch (RuntimeException e) {
            kafka.close();
            throw e;
        }
        LOG.info("embedded Kafka broker ready at {} (data {}) in {} ms", kafka.bootstrapServers(), dataDir,
                Duration.between(t0, Instant.now()).toMillis());
        return kafka;
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return settings.host() + ":" + port;
    }

    /** The client port actually bound. */
    public int port() {
        return port;
    }

    /** The data directory. */
    public Path dataDir() {
        return settings.dataDir().toAbsolutePath().normalize();
    }

    /** Shuts the broker down cleanly and waits for it. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        shutdownQuietly(server);
        LOG.info("embedded Kafka broker at {} stopped", bootstrapServers());
    }

    private static void shutdownQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.warn("embedded Kafka broker did not shut down cleanly: {}", e.toString());
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Map<String, Object> conf = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
        try (Admin admin = Admin.create(conf)) {
            RuntimeException last = null;
            while (System.nanoTime() < deadline) {
                try {
                    int nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5000)).nodes()
                            .get(10, TimeUnit.SECONDS).size();
                    if (nodes > 0) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = new RuntimeException(e.getCause() == null ? e : e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EmbeddedKafkaException("interrupted while waiting for the embedded broker", e);
                }
                sleep(100);
            }
            throw new EmbeddedKafkaException("embedded Kafka broker at " + bootstrapServers() + " did not become ready within "
                    + READY_TIMEOUT.toSeconds() + " s" + (last == null ? "" : ": " + last.getMessage()), last);
        }
    }

    /** Writes meta.properties and the bootstrap checkpoint on first use; leaves a formatted directory alone. */
    private static void format(Path dataDir) {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            return;
        }
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), false, StandardCharsets.UTF_8);
        try {
            new Formatter()
                    .setPrintStream(quiet)
                    .setClusterId(Uuid.randomUuid().toString())
                    .setNodeId(1)
                    .setControllerListenerName("CONTROLLER")
                    .setMetadataLogDirectory(dataDir.toString())
                    .setDirectories(List.of(dataDir.toString()))
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setReleaseVersion(MetadataVersion.latestProduction())
                    .setUnstableFeatureVersionsEnabled(false)
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new EmbeddedKafkaException("cannot format Kafka data directory " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** Fails if a running broker holds the directory's lock file (Kafka's own {@code .lock}). */
    private static void requireUnlocked(Path dataDir) {
        Path lockFile = dataDir.resolve(".lock");
        if (!Files.exists(lockFile)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw inUse(dataDir);
            }
            lock.release();
        } catch (OverlappingFileLockException e) {
            throw inUse(dataDir);
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot check the lock of Kafka data directory " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static EmbeddedKafkaException inUse(Path dataDir) {
        return new EmbeddedKafkaException("Kafka data directory " + dataDir + " is in use by another running broker");
    }

    private static int controllerPort(Settings settings, Path dataDir) {
        Path file = dataDir.resolve(CONTROLLER_PORT_FILE);
        try {
            if (settings.controllerPort() != 0) {
                Files.writeString(file, Integer.toString(settings.controllerPort()));
                return settings.controllerPort();
            }
            if (Files.exists(file)) {
                int remembered = Integer.parseInt(Files.readString(file).trim());
                if (isFree("127.0.0.1", remembered)) {
                    return remembered;
                }
            }
            int chosen = freePort("127.0.0.1");
            Files.writeString(file, Integer.toString(chosen));
            return chosen;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NumberFormatException e) {
            throw new EmbeddedKafkaException(file + " is corrupt: " + e.getMessage(), e);
        }
    }

    private static int freePort(String host) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new EmbeddedKafkaException("cannot find a free port on " + host + ": " + e.getMessage(), e);
        }
    }

    private static boolean isFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireFree(String host, int port, String key) {
        if (!isFree(host, port)) {
            throw new EmbeddedKafkaException(key + " " + host + ":" + port + " is already in use (another broker running?)");
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted", e);
        }
    }
}
