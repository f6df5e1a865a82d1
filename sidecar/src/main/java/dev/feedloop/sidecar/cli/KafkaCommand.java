package dev.feedloop.sidecar.cli;

import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.config.LoadedConfig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.kafka.KafkaClients;
import dev.feedloop.sidecar.kafka.TopicSetup;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code feedloop kafka}: a standalone single-node KRaft broker for local work. */
@Command(name = "kafka", mixinStandardHelpOptions = true,
        description = {"Run a single-node Kafka broker (KRaft) in this process until Ctrl-C or SIGTERM.",
            "Creates Feedloop's topics (adapters compacted) unless --no-topics. Data survives restarts."})
final class KafkaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--port", paramLabel = "PORT", description = "Client port (default: broker.port, 9092; 0 = any free port).")
    Integer port;

    @Option(names = "--host", paramLabel = "HOST", description = "Listen and advertised address (default: broker.host, 127.0.0.1).")
    String host;

    @Option(names = "--controller-port", paramLabel = "PORT", description = "KRaft controller port (default: remembered, else any free).")
    Integer controllerPort;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default: broker.data-dir, .feedloop/kafka).")
    Path data;

    @Option(names = "--no-topics", description = "Do not create Feedloop's topics.")
    boolean noTopics;

    @Override
    public Integer call() throws InterruptedException {
        LoadedConfig loaded = config.load(System.getenv());
        if (config.printConfig) {
            spec.commandLine().getOut().print(loaded.render());
            spec.commandLine().getOut().flush();
            return 0;
        }
        FeedloopConfig.BrokerConfig b = loaded.config().broker();
        EmbeddedKafka.Settings settings = new EmbeddedKafka.Settings(
                host != null ? host : b.host(),
                port != null ? port : b.port(),
                controllerPort != null ? controllerPort : b.controllerPort(),
                data != null ? data : b.dataDir(),
                Map.of());
        EmbeddedKafka kafka = EmbeddedKafka.start(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            spec.commandLine().getErr().println("feedloop kafka: broker stopped cleanly");
            spec.commandLine().getErr().flush();
            stopped.countDown();
        }, "feedloop-kafka-shutdown"));
        if (!noTopics) {
            // The local broker is plaintext: kafka.* security settings meant for a real cluster do not apply here.
            KafkaClients clients = new KafkaClients(ConfigLoader.defaults().kafka().withBootstrapServers(kafka.bootstrapServers()),
                    "feedloop-kafka");
            try (Admin admin = clients.admin()) {
                TopicSetup.Result r = TopicSetup.ensure(admin, loaded.config().topics());
                spec.commandLine().getErr().println("topics: created " + r.created() + ", existing " + r.existing());
            }
        }
        spec.commandLine().getOut().println("Kafka broker ready: bootstrap.servers=" + kafka.bootstrapServers()
                + " data=" + kafka.dataDir() + " (Ctrl-C to stop)");
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
