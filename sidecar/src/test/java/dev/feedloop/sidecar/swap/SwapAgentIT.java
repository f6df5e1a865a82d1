package dev.feedloop.sidecar.swap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.AdapterRelease.Status;
import dev.feedloop.sidecar.bench.SwapRig;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.testing.WithKafka;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hot-swap loop for real: releases on a Kafka topic, the vLLM driver over HTTP, the embedded
 * engine, the adapter store over HTTP, and concurrent clients that must never see a failed request.
 */
@WithKafka
class SwapAgentIT {
    @TempDir
    Path dir;

    @Test
    void versionsAreActivatedRoutedRefusedAndRetiredUnderLoadWithoutAFailedRequest(EmbeddedKafka kafka) throws Exception {
        try (SwapRig rig = SwapRig.start(dir, kafka.bootstrapServers())) {
            rig.startAgent(0.5);
            assertThat(rig.routing().route(SwapRig.ALIAS, 0.1).servedModel()).isEqualTo(SwapRig.BASE);
            try (SwapRig.Load load = rig.load(4)) {
                // v1 as a candidate: loaded, gets the canary share only
                AdapterRelease v1 = rig.publish(1, Status.CANDIDATE, false);
                await().atMost(Duration.ofSeconds(60)).until(() -> load.firstServed.containsKey("assistant-v1"));
                assertThat(rig.routing().get(SwapRig.ALIAS).candidate()).isEqualTo("assistant-v1");
                assertThat(rig.routing().get(SwapRig.ALIAS).promoted()).isNull();

                // promoted: all traffic
                rig.send(v1.withStatus(Status.PROMOTED, "canary held", v1.time()));
                await().atMost(Duration.ofSeconds(60)).until(() -> "assistant-v1".equals(rig.routing().get(SwapRig.ALIAS).promoted()));
                assertThat(rig.routing().route(SwapRig.ALIAS, 0.99).servedModel()).isEqualTo("assistant-v1");

                // a tampered v2 is refused, v1 keeps serving
                rig.publish(2, Status.PROMOTED, true);
                await().atMost(Duration.ofSeconds(60)).until(() -> rig.events.stream().anyMatch(e -> e.startsWith("refused assistant-v2")));
                assertThat(rig.events).anySatisfy(e -> assertThat(e).contains("refused assistant-v2").contains("sha256"));
                assertThat(rig.routing().get(SwapRig.ALIAS).promoted()).isEqualTo("assistant-v1");

                // v3 and v4 promoted in turn: v1 becomes the previous of v3, then is retired
                rig.publish(3, Status.PROMOTED, false);
                await().atMost(Duration.ofSeconds(60)).until(() -> "assistant-v3".equals(rig.routing().get(SwapRig.ALIAS).promoted()));
                AdapterRelease v4 = rig.publish(4, Status.PROMOTED, false);
                await().atMost(Duration.ofSeconds(60)).until(() -> rig.events.contains("retired assistant-v1"));
                await().atMost(Duration.ofSeconds(60)).until(() -> load.firstServed.containsKey("assistant-v4"));

                // v4 rolled back: traffic goes back to v3 at once
                rig.send(v4.withStatus(Status.ROLLED_BACK, "canary regressed", v4.time()));
                await().atMost(Duration.ofSeconds(60)).until(() -> "assistant-v3".equals(rig.routing().get(SwapRig.ALIAS).promoted()));
                await().atMost(Duration.ofSeconds(60)).until(() -> rig.events.contains("retired assistant-v4"));
                Thread.sleep(500);
                assertThat(load.failed.get()).as("failed requests: %s", load.failures).isZero();
                assertThat(load.ok.get()).isGreaterThan(20);
            }

            // a restarted agent rebuilds its state from the topic and the engine, activating nothing twice
            int activations = (int) rig.events.stream().filter(e -> e.startsWith("activated")).count();
            rig.stopAgent();
            rig.routing().put(RoutingTable.Route.base(SwapRig.ALIAS, SwapRig.BASE));
            rig.startAgent(0.5);
            assertThat(rig.routing().get(SwapRig.ALIAS).promoted()).isEqualTo("assistant-v3");
            assertThat(rig.events.stream().filter(e -> e.startsWith("activated"))).hasSize(activations);
            assertThat(rig.agent().loaded()).contains("assistant-v3").doesNotContain("assistant-v1", "assistant-v4");
        }
    }
}
