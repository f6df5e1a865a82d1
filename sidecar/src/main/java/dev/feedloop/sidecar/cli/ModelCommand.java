package dev.feedloop.sidecar.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code feedloop model}: model tools of the DJL policy engine (issue #4). */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Model tools: init-tiny (make a tiny HF checkpoint), score (per-token log-probs), pretrain.")
final class ModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return Unavailable.report(spec, "model tools land with issue #4 (Policy engine on DJL)");
    }
}
