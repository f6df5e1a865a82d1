package dev.feedloop.sidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code feedloop bench serve}: requests/s and generated tokens/s of {@code feedloop serve} with the tiny
 * model, driven over HTTP by concurrent clients on loopback for a fixed time, plus latency percentiles.
 */
public final class ServeBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ServeBench() {}

    /** Runs the benchmark and returns one JSON object. */
    public static String run(int clients, double seconds, int maxTokens, PrintWriter progress) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("feedloop-bench-serve");
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 1, TinyCheckpoint.Spec.standard());
        ServeOptions options = ServeOptions.local(model, 0).withServedModelName("tiny").withCapacity(1, Math.max(8, clients), 256);
        try (ServeRuntime server = ServeRuntime.start(options)) {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            String url = server.baseUrl() + "/v1/chat/completions";
            progress.println("bench serve: " + clients + " clients for " + seconds + " s against " + server.baseUrl());
            progress.flush();
            request(http, url, maxTokens, 0); // warm-up
            List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
            AtomicLong tokens = new AtomicLong();
            AtomicLong failures = new AtomicLong();
            long end = System.nanoTime() + (long) (seconds * 1e9);
            ExecutorService pool = Executors.newFixedThreadPool(clients);
            long t0 = System.nanoTime();
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int id = c;
                running.add(pool.submit(() -> {
                    int i = 0;
                    while (System.nanoTime() < end) {
                        long s = System.nanoTime();
                        try {
                            int n = request(http, url, maxTokens, id * 100_000 + i++);
                            tokens.addAndGet(n);
                            latencies.add(System.nanoTime() - s);
                        } catch (IOException | InterruptedException | RuntimeException e) {
                            failures.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    failures.incrementAndGet();
                }
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            pool.shutdown();
            List<Long> sorted = new ArrayList<>(latencies);
            Collections.sort(sorted);
            ObjectNode o = JSON.createObjectNode();
            o.put("bench", "serve");
            o.put("model", "tiny (init-tiny, d=64, 2 layers)");
            o.put("clients", clients);
            o.put("max_tokens", maxTokens);
            o.put("seconds", Math.round(elapsed * 100) / 100.0);
            o.put("requests", sorted.size());
            o.put("failed_requests", failures.get());
            o.put("requests_per_s", Math.round(sorted.size() / elapsed * 100) / 100.0);
            o.put("tokens_per_s", Math.round(tokens.get() / elapsed * 10) / 10.0);
            o.put("p50_ms", percentile(sorted, 0.5));
            o.put("p95_ms", percentile(sorted, 0.95));
            return o.toString();
        } finally {
            deleteTree(dir);
        }
    }

    private static int request(HttpClient http, String url, int maxTokens, int seed) throws IOException, InterruptedException {
        String body = "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":\"Name a prime number above " + (10 + seed % 50)
                + ".\"}],\"max_tokens\":" + maxTokens + ",\"temperature\":0.8,\"seed\":" + seed + ",\"ignore_eos\":true}";
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(120))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + ": " + r.body());
        }
        JsonNode usage = JSON.readTree(r.body()).get("usage");
        return usage.get("completion_tokens").asInt();
    }

    static double percentile(List<Long> sortedNanos, double q) {
        if (sortedNanos.isEmpty()) {
            return Double.NaN;
        }
        int i = (int) Math.min(sortedNanos.size() - 1, Math.ceil(q * sortedNanos.size()) - 1);
        return Math.round(sortedNanos.get(Math.max(0, i)) / 1e5) / 10.0;
    }

    static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
