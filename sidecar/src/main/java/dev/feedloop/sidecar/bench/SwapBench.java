package dev.feedloop.sidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.AdapterRelease;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code feedloop bench swap}: how long it takes from publishing a new adapter version (store publish
 * and release on the adapters topic) to the first client response served by it, under continuous load
 * through the routing table, and how many client requests fail while versions are swapped.
 */
public final class SwapBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SwapBench() {}

    /** Runs {@code swaps} promotions under {@code clients} concurrent clients; returns one JSON object. */
    public static String run(int swaps, int clients, PrintWriter progress) throws Exception {
        Path dir = Files.createTempDirectory("feedloop-bench-swap");
        try (SwapRig rig = SwapRig.start(dir, null)) {
            rig.startAgent(0.0);
            List<Long> latencies = new ArrayList<>();
            long ok;
            long failed;
            List<String> failures;
            try (SwapRig.Load load = rig.load(clients)) {
                Thread.sleep(500);
                for (int v = 1; v <= swaps; v++) {
                    String name = SwapRig.ALIAS + "-v" + v;
                    Instant t0 = Instant.now();
                    rig.publish(v, AdapterRelease.Status.PROMOTED, false);
                    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                    while (!load.firstServed.containsKey(name)) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException(name + " was not served within 60 s; agent events: " + rig.events);
                        }
                        Thread.sleep(5);
                    }
                    long ms = Duration.between(t0, load.firstServed.get(name)).toMillis();
                    latencies.add(ms);
                    progress.printf("bench swap: %s served %d ms after publish%n", name, ms);
                    progress.flush();
                }
                Thread.sleep(500);
                ok = load.ok.get();
                failed = load.failed.get();
                failures = List.copyOf(load.failures);
            }
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            ObjectNode o = JSON.createObjectNode();
            o.put("bench", "swap");
            o.put("swaps", swaps);
            o.put("clients", clients);
            o.put("p50_ms", sorted.get((int) Math.ceil(0.5 * sorted.size()) - 1));
            o.put("p95_ms", sorted.get((int) Math.ceil(0.95 * sorted.size()) - 1));
            o.put("max_ms", sorted.get(sorted.size() - 1));
            ArrayNode each = o.putArray("publish_to_first_response_ms");
            latencies.forEach(each::add);
            o.put("requests", ok + failed);
            o.put("failed_requests", failed);
            if (!failures.isEmpty()) {
                o.put("first_failure", failures.get(0));
            }
            o.put("path", "store publish -> adapters topic -> swap agent (fetch over HTTP, sha256, vLLM driver load) -> routing");
            return o.toString();
        } finally {
            ServeBench.deleteTree(dir);
        }
    }
}
