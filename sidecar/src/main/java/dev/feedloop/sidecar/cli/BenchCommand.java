package dev.feedloop.sidecar.cli;

import dev.feedloop.sidecar.bench.CodecBench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code feedloop bench <name>}: benchmarks that print one JSON object on stdout. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks; each prints one JSON object on stdout (progress on stderr).",
        subcommands = {
            BenchCommand.Codec.class,
            BenchCommand.Train.class,
            BenchCommand.Generate.class,
            BenchCommand.Swap.class,
            BenchCommand.Serve.class,
            BenchCommand.Tap.class,
            BenchCommand.Ingest.class
        })
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_USAGE;
    }

    @Command(name = "codec", mixinStandardHelpOptions = true,
            description = "Encode+validate and decode+validate throughput of every wire event, single thread.")
    static final class Codec implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--seconds", defaultValue = "2", description = "Measured seconds per event type and direction (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Override
        public Integer call() {
            if (!(seconds > 0 && seconds <= 600)) {
                throw new CommandFailedException("--seconds must be in (0, 600], got " + seconds);
            }
            spec.commandLine().getOut().println(CodecBench.run(seconds, spec.commandLine().getErr()));
            return 0;
        }
    }

    @Command(name = "train", description = "LoRA DPO step time, tokens/s and MFU of the DJL engine.")
    static final class Train extends Unavailable.Command {
        @Override
        String landsWith() {
            return "this benchmark lands with issue #4 (Policy engine on DJL)";
        }
    }

    @Command(name = "generate", description = "Generation tokens/s with and without the KV cache.")
    static final class Generate extends Unavailable.Command {
        @Override
        String landsWith() {
            return "this benchmark lands with issue #4 (Policy engine on DJL)";
        }
    }

    @Command(name = "swap", description = "Publish-to-first-served-response latency of adapter hot-swaps under load.")
    static final class Swap extends Unavailable.Command {
        @Override
        String landsWith() {
            return "this benchmark lands with issue #5 (Serving and hot-swap)";
        }
    }

    @Command(name = "serve", description = "Requests/s and tokens/s of the embedded serving engine.")
    static final class Serve extends Unavailable.Command {
        @Override
        String landsWith() {
            return "this benchmark lands with issue #5 (Serving and hot-swap)";
        }
    }

    @Command(name = "tap", description = "Latency the tap adds and its throughput, streaming and not.")
    static final class Tap extends Unavailable.Command {
        @Override
        String landsWith() {
            return "this benchmark lands with issue #6 (Tap)";
        }
    }

    @Command(name = "ingest", description = "Events/s through tap capture, Kafka and the collector.")
    static final class Ingest extends Unavailable.Command {
        @Override
        String landsWith() {
            return "this benchmark lands with issue #6 (Tap)";
        }
    }
}
