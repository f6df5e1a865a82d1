package dev.feedloop.sidecar.cli;

import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.sidecar.config.ConfigException;
import dev.feedloop.sidecar.embedded.EmbeddedKafkaException;
import dev.feedloop.sidecar.kafka.TopicSetupException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import picocli.CommandLine;

/**
 * Entry point of the {@code feedloop} jar. Exit codes: 0 success; 1 a runtime or configuration
 * error (one line on stderr); 2 a usage error, or a command whose issue has not landed yet.
 */
public final class Main {
    /** Usage error, or a command that is not available yet. */
    public static final int EXIT_USAGE = 2;
    /** Runtime or configuration error. */
    public static final int EXIT_ERROR = 1;

    private Main() {}

    public static void main(String[] args) {
        // The policy engine must never download anything at run time (native libraries come from the jar).
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (for tests). */
    public static int run(String... args) {
        return commandLine(new PrintWriter(System.out, true), new PrintWriter(System.err, true)).execute(args);
    }

    /** The configured command line, writing to the given streams. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new FeedloopCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (isExpected(e)) {
                commandLine.getErr().println("feedloop: " + e.getMessage());
                return EXIT_ERROR;
            }
            commandLine.getErr().println("feedloop: unexpected error: " + e);
            e.printStackTrace(commandLine.getErr());
            return EXIT_ERROR;
        });
        return cl;
    }

    private static boolean isExpected(Exception e) {
        return e instanceof ConfigException || e instanceof EmbeddedKafkaException || e instanceof TopicSetupException
                || e instanceof PluginException || e instanceof CommandFailedException || e instanceof IOException
                || e instanceof UncheckedIOException || e instanceof IllegalArgumentException;
    }
}
