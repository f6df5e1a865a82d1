package dev.feedloop.sidecar.cli;

import dev.feedloop.sidecar.config.LoadedConfig;
import dev.feedloop.sidecar.plugin.PluginCatalog;
import java.util.concurrent.Callable;
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
            PluginCatalog.load(Thread.currentThread().getContextClassLoader()).resolve(loaded.config().plugins().enabled());
            return run(loaded);
        }

        abstract Integer run(LoadedConfig loaded);
    }

    @Command(name = "tap", mixinStandardHelpOptions = true,
            description = "Run the tap role in a serving pod: OpenAI-compatible proxy with capture, feedback API, "
                    + "adapter hot-swap and alias routing.")
    static final class Tap extends Role {
        @Override
        Integer run(LoadedConfig loaded) {
            return Unavailable.report(spec, "the tap role lands with issue #6 (Tap: traffic capture, feedback API, redaction)");
        }
    }

    @Command(name = "trainer", mixinStandardHelpOptions = true,
            description = "Run the trainer role: collector, OAIF judge, replay buffer, online DPO on LoRA, gate and rollout.")
    static final class Trainer extends Role {
        @Override
        Integer run(LoadedConfig loaded) {
            return Unavailable.report(spec, "the trainer role lands after issues #4 (policy engine) and #6 (collector)");
        }
    }

    @Command(name = "all", mixinStandardHelpOptions = true,
            description = "Run every role in one process; with no kafka.bootstrap.servers it starts the embedded broker.")
    static final class All extends Role {
        @Override
        Integer run(LoadedConfig loaded) {
            return Unavailable.report(spec, "the all-in-one role lands once the tap (#6) and trainer roles exist");
        }
    }
}
