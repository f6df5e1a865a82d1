package dev.feedloop.sidecar.cli;

import picocli.CommandLine.Command;

/** {@code feedloop serve}: the embedded serving engine (issue #5). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model with vLLM's OpenAI-compatible API and runtime LoRA loading (embedded DJL engine).")
final class ServeCommand extends Unavailable.Command {
    @Override
    String landsWith() {
        return "the embedded serving engine lands with issue #5 (Serving and hot-swap)";
    }
}
