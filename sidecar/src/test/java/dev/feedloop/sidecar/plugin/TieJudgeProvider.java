package dev.feedloop.sidecar.plugin;

import dev.feedloop.contracts.spi.Judge;
import dev.feedloop.contracts.spi.JudgeProvider;
import dev.feedloop.contracts.spi.PluginContext;
import java.util.concurrent.CompletableFuture;

/** A judge registered through the test classpath's META-INF/services, to exercise discovery end to end. */
public final class TieJudgeProvider implements JudgeProvider {
    @Override
    public String name() {
        return "tie-judge";
    }

    @Override
    public Judge create(PluginContext context) {
        return request -> CompletableFuture.completedFuture(new Judge.Verdict(Judge.Preference.TIE, 0.5, "always a tie"));
    }
}
