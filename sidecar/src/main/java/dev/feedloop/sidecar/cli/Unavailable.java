package dev.feedloop.sidecar.cli;

import picocli.CommandLine.Model.CommandSpec;

/** How a command whose issue has not landed says so: one line on stderr, exit code 2. */
final class Unavailable {
    private Unavailable() {}

    static int report(CommandSpec spec, String what) {
        spec.commandLine().getErr().println("feedloop " + spec.qualifiedName(" ").replaceFirst("^feedloop ", "")
                + ": not available yet: " + what + ".");
        return Main.EXIT_USAGE;
    }
}
