package dev.feedloop.sidecar.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code feedloop}: the top-level command; prints help when run without a subcommand. */
@Command(
        name = "feedloop",
        mixinStandardHelpOptions = true,
        versionProvider = VersionInfo.class,
        description = {
            "Online alignment sidecar for LLM serving: taps traffic into Kafka, collects feedback and judge "
                    + "preferences, trains LoRA adapters with online DPO, and hot-swaps them behind a gate and a canary.",
            ""
        },
        subcommands = {
            DemoCommand.class,
            RoleCommands.Tap.class,
            RoleCommands.Trainer.class,
            RoleCommands.All.class,
            ServeCommand.class,
            KafkaCommand.class,
            ModelCommand.class,
            BenchCommand.class,
            VersionCommand.class,
            DocsCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = {"", "Run 'feedloop <command> --help' for a command's options. Docs: README.md and docs/."})
final class FeedloopCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Main.EXIT_USAGE;
    }
}
