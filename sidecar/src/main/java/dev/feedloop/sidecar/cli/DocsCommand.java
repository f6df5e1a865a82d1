package dev.feedloop.sidecar.cli;

import dev.feedloop.sidecar.config.ConfigSchema;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code feedloop docs config-table}: regenerates the README's config table from the code. */
@Command(name = "docs", hidden = true, description = "Print generated documentation.",
        subcommands = DocsCommand.ConfigTable.class)
final class DocsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return Main.EXIT_USAGE;
    }

    @Command(name = "config-table", description = "The config keys as a Markdown table.")
    static final class ConfigTable implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            spec.commandLine().getOut().print(ConfigSchema.markdownTable());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
