package dev.feedloop.sidecar.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code feedloop version}. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Print the version of Feedloop and its main components.")
final class VersionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print a JSON object.")
    boolean json;

    @Override
    public Integer call() {
        if (json) {
            spec.commandLine().getOut().printf("{\"feedloop\":\"%s\",\"kafka\":\"%s\",\"vertx\":\"%s\",\"java\":\"%s\"}%n",
                    VersionInfo.version(), VersionInfo.kafka(), VersionInfo.vertx(), System.getProperty("java.version"));
        } else {
            spec.commandLine().getOut().println(new VersionInfo().getVersion()[0]);
        }
        return 0;
    }
}
