package dev.feedloop.sidecar.cli;

import dev.feedloop.sidecar.config.LoadedConfig;
import dev.feedloop.sidecar.embedded.FoundationDemo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code feedloop demo}: the main job, runnable on a laptop with nothing else installed. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the Feedloop loop end to end on this machine with an embedded Kafka broker.",
            "Foundation stage: publishes events of every kind plus two malformed records through the real broker, "
                    + "consumes them back, validates each against its schema and dead-letters the bad ones with the reason.",
            "Loop stage: starts feedloop serve with a tiny model, a tap in front of it and the trainer's collector; sends chat "
                    + "and completion requests through the tap and feedback to POST /v1/feedback, and reports the captured, "
                    + "redacted records and the preference pairs and unpaired examples the collector made of them.",
            "Prints a JSON report on stdout. Training, the gate and rollout join the loop with their issues."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Broker data directory (default: a fresh temporary directory, deleted afterwards).")
    Path data;

    @Option(names = "--events", paramLabel = "N", defaultValue = "100",
            description = "How many inference records, feedback events, preference pairs and unpaired examples to publish (adapter releases: at most 5; default: ${DEFAULT-VALUE}).")
    int events;

    @Option(names = "--skip-loop", description = "Run only the foundation stage (no model, tap or collector).")
    boolean skipLoop;

    @Override
    public Integer call() throws Exception {
        LoadedConfig loaded = config.load(System.getenv());
        if (config.printConfig) {
            spec.commandLine().getOut().print(loaded.render());
            spec.commandLine().getOut().flush();
            return 0;
        }
        if (events < 1 || events > 1_000_000) {
            throw new CommandFailedException("--events must be from 1 to 1000000, got " + events);
        }
        FoundationDemo.Report report = FoundationDemo.run(loaded.config(), data, events, !skipLoop, spec.commandLine().getErr());
        spec.commandLine().getOut().println(report.toJson());
        spec.commandLine().getOut().flush();
        if (!report.ok()) {
            throw new CommandFailedException("demo failed: " + report.problem());
        }
        return 0;
    }
}
