package dev.feedloop.sidecar.cli;

import dev.feedloop.djl.bench.GenerateBench;
import dev.feedloop.djl.bench.TrainBench;
import dev.feedloop.sidecar.bench.CodecBench;
import dev.feedloop.sidecar.bench.IngestBench;
import dev.feedloop.sidecar.bench.ServeBench;
import dev.feedloop.sidecar.bench.SwapBench;
import dev.feedloop.sidecar.bench.TapBench;
import java.util.ArrayList;
import java.util.List;
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
            BenchCommand.Ingest.class,
            BenchCommand.Redact.class
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

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "DPO step time, tokens/s, achieved FLOP/s and MFU of the DJL engine: d=512, 8 layers, 8 heads, "
                    + "sequences of 256, 8 pairs, LoRA r=16 on q/k/v/o.")
    static final class Train implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--steps", defaultValue = "3", description = "Measured steps after one warm-up step (default: ${DEFAULT-VALUE}).")
        int steps;

        @Override
        public Integer call() {
            if (steps < 1) {
                throw new CommandFailedException("--steps must be at least 1");
            }
            TrainBench.Shape5 d = TrainBench.Shape5.standard();
            TrainBench.Shape5 shape = new TrainBench.Shape5(d.hidden(), d.layers(), d.heads(), d.intermediate(), d.vocab(),
                    d.seqLen(), d.promptLen(), d.pairs(), d.rank(), steps, d.warmup());
            spec.commandLine().getOut().println(TrainBench.run(shape, spec.commandLine().getErr()));
            return 0;
        }
    }

    @Command(name = "generate", mixinStandardHelpOptions = true,
            description = "Generation tokens/s of the same model with and without the KV cache (greedy, batch of prompts).")
    static final class Generate implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--batch", defaultValue = "4", description = "Prompts generated together (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--prompt-len", defaultValue = "64", description = "Prompt tokens (default: ${DEFAULT-VALUE}).")
        int promptLen;

        @Option(names = "--new-tokens", defaultValue = "64", description = "Generated tokens per prompt (default: ${DEFAULT-VALUE}).")
        int newTokens;

        @Override
        public Integer call() {
            if (batch < 1 || promptLen < 1 || newTokens < 1) {
                throw new CommandFailedException("--batch, --prompt-len and --new-tokens must be at least 1");
            }
            spec.commandLine().getOut().println(GenerateBench.run(batch, promptLen, newTokens, spec.commandLine().getErr()));
            return 0;
        }
    }

    @Command(name = "swap", mixinStandardHelpOptions = true,
            description = "Publish-to-first-served-response latency of adapter hot-swaps under load, and failed requests.")
    static final class Swap implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--swaps", defaultValue = "8", description = "Versions promoted one after another (default: ${DEFAULT-VALUE}).")
        int swaps;

        @Option(names = "--clients", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
        int clients;

        @Override
        public Integer call() throws Exception {
            if (swaps < 1 || swaps > 1000 || clients < 1 || clients > 64) {
                throw new CommandFailedException("--swaps must be 1..1000 and --clients 1..64");
            }
            spec.commandLine().getOut().println(SwapBench.run(swaps, clients, spec.commandLine().getErr()));
            return 0;
        }
    }

    @Command(name = "serve", mixinStandardHelpOptions = true,
            description = "Requests/s and tokens/s of feedloop serve with the tiny model, concurrent HTTP clients on loopback.")
    static final class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--clients", defaultValue = "4", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
        int clients;

        @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Option(names = "--max-tokens", defaultValue = "32", description = "Tokens per request (default: ${DEFAULT-VALUE}).")
        int maxTokens;

        @Override
        public Integer call() throws Exception {
            if (clients < 1 || clients > 256 || !(seconds > 0 && seconds <= 3600) || maxTokens < 1) {
                throw new CommandFailedException("--clients must be 1..256, --seconds in (0, 3600], --max-tokens >= 1");
            }
            spec.commandLine().getOut().println(ServeBench.run(clients, seconds, maxTokens, spec.commandLine().getErr()));
            return 0;
        }
    }

    @Command(name = "tap", mixinStandardHelpOptions = true,
            description = {"Latency the tap adds and its throughput, streaming and not, and the tap process's peak memory.",
                "The same upstream is called directly and through a 'feedloop tap' process, interleaved."})
    static final class Tap implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--rate", defaultValue = "200", description = "Open-loop requests/s to each path (default: ${DEFAULT-VALUE}).")
        double rate;

        @Option(names = "--seconds", defaultValue = "15", description = "Measured seconds per mode (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Option(names = "--concurrency", defaultValue = "32", description = "Requests in flight in the throughput phase (default: ${DEFAULT-VALUE}).")
        int concurrency;

        @Option(names = "--tap-set", paramLabel = "KEY=VALUE",
                description = "A setting for the tap process, as its --set (repeatable), e.g. capture.sample-rate=0 to time the proxy alone.")
        List<String> tapSettings = new ArrayList<>();

        @Option(names = "--tap-jvm", paramLabel = "FLAG",
                description = "A JVM flag for the tap process (repeatable); when given, replaces the default flags.")
        List<String> tapJvm = new ArrayList<>();

        @Override
        public Integer call() throws Exception {
            if (rate <= 0 || rate > 5000 || seconds < 1 || seconds > 600 || concurrency < 1 || concurrency > 512) {
                throw new CommandFailedException("--rate must be in (0, 5000], --seconds in [1, 600], --concurrency in [1, 512]");
            }
            for (String kv : tapSettings) {
                if (kv.indexOf('=') < 1) {
                    throw new CommandFailedException("--tap-set takes KEY=VALUE, not '" + kv + "'");
                }
            }
            List<String> jvm = tapJvm.isEmpty() ? TapBench.TAP_JVM : List.copyOf(tapJvm);
            spec.commandLine().getOut().println(TapBench.run(rate, seconds, concurrency, jvm, tapSettings, spec.commandLine().getErr()));
            return 0;
        }
    }

    @Command(name = "redact", mixinStandardHelpOptions = true,
            description = "Throughput of the default redactor on clean prose, a chat exchange and PII-dense text (one thread).")
    static final class Redact implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds, after a warm-up (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Override
        public Integer call() throws Exception {
            if (seconds < 1 || seconds > 600) {
                throw new CommandFailedException("--seconds must be 1..600");
            }
            // the redactor is a plugin: on the runtime classpath, not a compile-time dependency
            Class<?> bench = Class.forName("dev.feedloop.redactor.bench.RedactBench");
            spec.commandLine().getOut().println(bench.getMethod("run", double.class).invoke(null, seconds));
            return 0;
        }
    }

    @Command(name = "ingest", mixinStandardHelpOptions = true,
            description = "Events/s through the tap's capture path (parse, redact, validate, produce), Kafka and the collector.")
    static final class Ingest implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--events", defaultValue = "300000", description = "Captured exchanges (default: ${DEFAULT-VALUE}).")
        int events;

        @Option(names = "--warmup", defaultValue = "500000", description = "Exchanges offered first and not measured, so the JIT has compiled the path (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--feedback-share", defaultValue = "0.1", description = "Share of exchanges that get feedback (default: ${DEFAULT-VALUE}).")
        double feedbackShare;

        @Option(names = "--capture-threads", defaultValue = "2", description = "Capture threads (default: ${DEFAULT-VALUE}).")
        int captureThreads;

        @Option(names = "--redactor", defaultValue = "default", description = "Redactor plugin, or none (default: ${DEFAULT-VALUE}).")
        String redactor;

        @Override
        public Integer call() throws Exception {
            if (warmup < 0 || warmup > 50_000_000) {
                throw new CommandFailedException("--warmup must be 0..50000000");
            }
            if (events < 1000 || events > 50_000_000 || feedbackShare < 0 || feedbackShare > 1 || captureThreads < 1
                    || captureThreads > 64) {
                throw new CommandFailedException("--events must be 1000..50000000, --feedback-share in [0, 1], --capture-threads 1..64");
            }
            spec.commandLine().getOut().println(IngestBench.run(events, warmup, feedbackShare, captureThreads, redactor, spec.commandLine().getErr()));
            return 0;
        }
    }
}
