package dev.feedloop.sidecar.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** How a command whose issue has not landed says so: one line on stderr, exit code 2. */
final class Unavailable {
    private Unavailable() {}

    static int report(CommandSpec spec, String what) {
        spec.commandLine().getErr().println("feedloop " + spec.qualifiedName(" ").replaceFirst("^feedloop ", "")
                + ": not available yet: " + what + ".");
        return Main.EXIT_USAGE;
    }

    /** A command that accepts any arguments and reports which issue brings it. */
    abstract static class Command implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Unmatched
        List<String> args = new ArrayList<>();

        /** What brings this command, e.g. {@code issue #4 (Policy engine on DJL)}. */
        abstract String landsWith();

        @Override
        public Integer call() {
            return report(spec, landsWith());
        }
    }
}
