package dev.feedloop.sidecar.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code feedloop serve}: the embedded serving engine (issue #5). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model with vLLM's OpenAI-compatible API and runtime LoRA loading (embedded DJL engine).")
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return Unavailable.report(spec, "the embedded serving engine lands with issue #5 (Serving and hot-swap)");
    }
}
