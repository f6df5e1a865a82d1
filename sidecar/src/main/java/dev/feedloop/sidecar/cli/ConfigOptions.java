package dev.feedloop.sidecar.cli;

import dev.feedloop.sidecar.config.ConfigLoader;
import dev.feedloop.sidecar.config.LoadedConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/** {@code --config}, {@code --set} and {@code --print-config}, shared by every role command. */
final class ConfigOptions {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML config file (default: $FEEDLOOP_CONFIG if set, else none).")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key; repeatable. Wins over the file and FEEDLOOP_* variables.")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--print-config", description = "Print the effective config (secrets redacted) and exit.")
    boolean printConfig;

    /** Loads config from the file, the environment and the overrides. */
    LoadedConfig load(Map<String, String> env) {
        Path f = file;
        if (f == null && env.get("FEEDLOOP_CONFIG") != null && !env.get("FEEDLOOP_CONFIG").isBlank()) {
            f = Path.of(env.get("FEEDLOOP_CONFIG"));
        }
        return ConfigLoader.load(f, env, overrides);
    }
}
