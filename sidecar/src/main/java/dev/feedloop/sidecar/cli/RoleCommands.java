package dev.feedloop.sidecar.cli;

import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.sidecar.config.FeedloopConfig;
import dev.feedloop.sidecar.config.LoadedConfig;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import dev.feedloop.sidecar.tap.TapRecords;
import dev.feedloop.sidecar.tap.TapRuntime;
import dev.feedloop.sidecar.train.TrainerRuntime;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The three roles. Each loads and validates its config first, so a bad config fails fast. */
final class RoleCommands {
    private RoleCommands() {}

    abstract static class Role implements Callable<Integer> {
        @Mixin
        ConfigOptions config;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            LoadedConfig loaded = config.load(System.getenv());
            if (config.printConfig) {
                spec.commandLine().getOut().print(loaded.render());
                spec.commandLine().getOut().flush();
                return 0;
            }
            PluginCatalog catalog = PluginCatalog.load(Thread.currentThread().getContextClassLoader());
            catalog.resolve(loaded.config().plugins().enabled());
            return run(loaded, catalog);
        }

        abstract Integer run(LoadedConfig loaded, PluginCatalog catalog);

        /** Blocks until the JVM is asked to stop, then closes the role. */
        Integer runUntilStopped(AutoCloseable role, String name) {
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    role.close();
                } catch (Exception e) {
                    System.err.println("feedloop " + name + ": did not stop cleanly: " + e);
                }
                stopped.countDown();
            }, "feedloop-" + name + "-shutdown"));
            try {
                stopped.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 0;
        }
    }

    @Command(name = "tap", mixinStandardHelpOptions = true,
            description = "Run the tap role in a serving pod: OpenAI-compatible proxy with capture, feedback API, "
                    + "adapter hot-swap and alias routing.")
    static final class Tap extends Role {
        @Override
        Integer run(LoadedConfig loaded, PluginCatalog catalog) {
            FeedloopConfig c = loaded.config();
            TapRuntime tap;
            try {
                tap = TapRuntime.start(c, catalog, Clock.systemUTC(), TapRecords.assembler(c.tap().tenant()));
            } catch (IllegalArgumentException | PluginException e) {
                throw new CommandFailedException(e.getMessage());
            }
            spec.commandLine().getOut().println("feedloop tap: ready on " + tap.baseUrl() + " -> " + c.tap().upstream() + " (alias '"
                    + c.tap().alias() + "'), capture to " + c.topics().inference() + ", feedback to " + c.topics().feedback()
                    + ", metrics on :" + tap.managementPort() + "/metrics");
            spec.commandLine().getOut().flush();
            return runUntilStopped(tap, "tap");
        }
    }

    @Command(name = "trainer", mixinStandardHelpOptions = true,
            description = {"Run the trainer role: collector, OAIF judge, replay buffer, online DPO on LoRA, gate and rollout.",
                "Available now: the collector (feedback joined to inference records, published as preference pairs and "
                        + "unpaired examples) and the KServe source (kserve.topic)."})
    static final class Trainer extends Role {
        @Override
        Integer run(LoadedConfig loaded, PluginCatalog catalog) {
            FeedloopConfig c = loaded.config();
            TrainerRuntime trainer;
            try {
                trainer = TrainerRuntime.start(c, catalog, Clock.systemUTC());
            } catch (IllegalArgumentException | PluginException e) {
                throw new CommandFailedException(e.getMessage());
            }
            spec.commandLine().getOut().println("feedloop trainer: collector ready: " + c.topics().inference() + " + "
                    + c.topics().feedback() + " -> " + c.topics().preferences()
                    + (c.kserve().topic().isEmpty() ? "" : "; KServe source on " + c.kserve().topic())
                    + ", metrics on :" + trainer.managementPort() + "/metrics");
            spec.commandLine().getOut().println("feedloop trainer: OAIF, training, the gate and rollout are not available yet");
            spec.commandLine().getOut().flush();
            return runUntilStopped(trainer, "trainer");
        }
    }

    @Command(name = "all", mixinStandardHelpOptions = true,
            description = "Run every role in one process; with no kafka.bootstrap.servers it starts the embedded broker.")
    static final class All extends Role {
        @Override
        Integer run(LoadedConfig loaded, PluginCatalog catalog) {
            return Unavailable.report(spec, "the all-in-one role lands with the trainer loop, after #6; run 'feedloop tap' and 'feedloop trainer' meanwhile");
        }
    }
}
