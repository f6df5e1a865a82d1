package dev.feedloop.sidecar.cli;

import picocli.CommandLine.Command;

/** {@code feedloop model}: model tools of the DJL policy engine (issue #4). */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Model tools: init-tiny (make a tiny HF checkpoint), score (per-token log-probs), pretrain.")
final class ModelCommand extends Unavailable.Command {
    @Override
    String landsWith() {
        return "model tools land with issue #4 (Policy engine on DJL)";
    }
}
