package dev.feedloop.sidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code feedloop bench tap}: what the tap costs. One upstream (a {@link RecordedUpstream} replaying
 * {@code feedloop serve}'s bytes) is called directly and through a tap running as its own process
 * ({@code feedloop tap}, capture to an embedded broker, default redactor), interleaved request by
 * request so both paths see the same machine state:
 *
 * <ul>
 *   <li>open loop at {@code --rate} requests/s to each path: latency to the last byte, {@code
 *       added_p50_ms} / {@code added_p99_ms} = through-tap minus direct percentile, and {@code
 *       throughput_ratio} = the rate the tap path achieved over the rate the direct path achieved;
 *   <li>closed loop with {@code --concurrency} requests in flight, alternating slices: {@code
 *       saturation_ratio} = through-tap requests/s over direct requests/s when the machine is
 *       saturated (the upstream answers in microseconds, so this is the proxy's CPU cost made visible,
 *       not a serving figure);
 *   <li>{@code tap_rss_mb}: the tap process's peak resident set ({@code VmHWM}) over the whole run.
 * </ul>
 */
public final class TapBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern READY = Pattern.compile("ready on (http://[^ ]+) .*metrics on :(\\d+)/metrics");
    /** The JVM flags the tap process runs with by default: a small heap and serial GC, as for a sidecar container. */
    public static final List<String> TAP_JVM = List.of("-XX:+UseSerialGC", "-Xms32m", "-Xmx128m", "-XX:MaxMetaspaceSize=96m",
            "-XX:ReservedCodeCacheSize=48m", "-XX:MaxDirectMemorySize=64m", "-Xss512k", "-XX:+ExitOnOutOfMemoryError");

    private TapBench() {}

    /** A chat request body like an application's. */
    static String body(boolean stream, int maxTokens, int i) {
        return "{\"model\":\"tiny\",\"messages\":[{\"role\":\"system\",\"content\":\"You are a helpful assistant.\"},"
                + "{\"role\":\"user\",\"content\":\"Write one sentence about the number " + i + " for user " + (i % 97)
                + "@example.com.\"}],\"max_tokens\":" + maxTokens + ",\"temperature\":0.7,\"stream\":" + stream + "}";
    }

    /** Runs the benchmark and returns one JSON object. */
    public static String run(double rate, double seconds, int concurrency, List<String> tapJvm, List<String> tapSettings,
            PrintWriter progress) throws Exception {
        Path dir = Files.createTempDirectory("feedloop-bench-tap");
        progress.println("bench tap: recording feedloop serve's answers ...");
        progress.flush();
        RecordedUpstream.Recording recording = RecordedUpstream.record(dir, 16);
        Vertx upstreamVertx = Vertx.vertx();
        Vertx clientVertx = Vertx.vertx();
        Process tap = null;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Settings.ephemeral(dir.resolve("kafka")))) {
            RecordedUpstream upstream = new RecordedUpstream(recording, 1);
            upstreamVertx.deployVerticle(upstream).await(30, TimeUnit.SECONDS);
            String direct = "http://127.0.0.1:" + upstream.port();

            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(tapJvm);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.feedloop.sidecar.cli.Main", "tap",
                    "--set", "kafka.bootstrap.servers=" + kafka.bootstrapServers(), "--set", "tap.upstream=" + direct,
                    "--set", "tap.port=0", "--set", "management.port=0", "--set", "tap.base-model=tiny"));
            for (String kv : tapSettings) {
                cmd.addAll(List.of("--set", kv));
            }
            progress.println("bench tap: starting the tap process (" + String.join(" ", tapJvm) + ") ...");
            progress.flush();
            Path tapLog = Files.createTempFile("feedloop-bench-tap", ".log");
            tap = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(tapLog.toFile()).start();
            progress.println("bench tap: the tap process logs to " + tapLog);
            String[] ready = awaitReady(tap, tapLog, progress);
            String through = ready[0];
            String metricsUrl = "http://127.0.0.1:" + ready[1] + "/metrics";
            RssSampler rss = new RssSampler(tap.pid());
            rss.start();

            HttpClient client = clientVertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize(Math.max(64, concurrency * 2)));
            Context ctx = clientVertx.getOrCreateContext();
            Target d = new Target(client, ctx, URI.create(direct));
            Target t = new Target(client, ctx, URI.create(through));
            progress.println("bench tap: warm-up ...");
            progress.flush();
            openLoop(clientVertx, d, t, rate, Math.min(5, seconds), false);
            openLoop(clientVertx, d, t, rate, Math.min(5, seconds), true);

            ObjectNode out = JSON.createObjectNode();
            out.put("bench", "tap");
            out.put("upstream", "feedloop serve's recorded answers (16 tokens; stream: one SSE event per ms)");
            out.put("rate_per_path_per_s", rate);
            out.put("seconds_per_mode", seconds);
            out.put("concurrency", concurrency);
            for (boolean stream : new boolean[] {false, true}) {
                String mode = stream ? "streaming" : "non_streaming";
                progress.println("bench tap: " + mode + ": open loop at " + rate + " req/s per path for " + seconds + " s ...");
                progress.flush();
                Latencies l = openLoop(clientVertx, d, t, rate, seconds, stream);
                progress.println("bench tap: " + mode + ": closed loop, " + concurrency + " in flight ...");
                progress.flush();
                double[] tput = closedLoop(d, t, concurrency, Math.max(2, seconds / 3), stream);
                ObjectNode m = out.putObject(mode);
                m.put("requests_direct", l.direct.length);
                m.put("requests_through_tap", l.tapped.length);
                m.put("failed", l.failed);
                m.put("direct_p50_ms", ms(pct(l.direct, 0.50)));
                m.put("direct_p99_ms", ms(pct(l.direct, 0.99)));
                m.put("tap_p50_ms", ms(pct(l.tapped, 0.50)));
                m.put("tap_p99_ms", ms(pct(l.tapped, 0.99)));
                m.put("added_p50_ms", ms(pct(l.tapped, 0.50) - pct(l.direct, 0.50)));
                m.put("added_p99_ms", ms(pct(l.tapped, 0.99) - pct(l.direct, 0.99)));
                m.put("direct_requests_per_s", Math.round(l.directRate() * 10) / 10.0);
                m.put("tap_requests_per_s", Math.round(l.tapRate() * 10) / 10.0);
                m.put("throughput_ratio", Math.round(l.tapRate() / l.directRate() * 1000) / 1000.0);
                m.put("saturation_direct_requests_per_s", Math.round(tput[0] * 10) / 10.0);
                m.put("saturation_tap_requests_per_s", Math.round(tput[1] * 10) / 10.0);
                m.put("saturation_ratio", Math.round(tput[1] / tput[0] * 1000) / 1000.0);
            }
            rss.stop();
            out.put("tap_rss_mb", Math.round(rss.peakKb() / 1024.0 * 10) / 10.0);
            out.put("tap_rss_sampled_max_mb", Math.round(rss.sampledMaxKb() / 1024.0 * 10) / 10.0);
            ArrayNode flags = out.putArray("tap_jvm_flags");
            tapJvm.forEach(flags::add);
            ArrayNode settings = out.putArray("tap_settings");
            tapSettings.forEach(settings::add);
            String metrics = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            out.put("captured_published", metric(metrics, "feedloop_tap_published_total"));
            out.put("captured_dropped", metric(metrics, "feedloop_tap_dropped_total"));
            out.put("machine_cpus", Runtime.getRuntime().availableProcessors());
            return out.toString();
        } finally {
            if (tap != null) {
                tap.destroy();
                if (!tap.waitFor(20, TimeUnit.SECONDS)) {
                    tap.destroyForcibly();
                }
            }
            clientVertx.close().await(10, TimeUnit.SECONDS);
            upstreamVertx.close().await(10, TimeUnit.SECONDS);
            ServeBench.deleteTree(dir);
        }
    }

    private static String[] awaitReady(Process p, Path log, PrintWriter progress) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                Matcher m = READY.matcher(line);
                if (m.find()) {
                    return new String[] {m.group(1), m.group(2)};
                }
            }
            if (!p.isAlive()) {
                progress.println(Files.readString(log, StandardCharsets.UTF_8));
                progress.flush();
                throw new IOException("the tap process exited before it was ready (exit " + p.exitValue() + "), log " + log);
            }
            Thread.sleep(100);
        }
        throw new IOException("the tap process was not ready in 120 s, log " + log);
    }

    private static double metric(String text, String name) {
        double sum = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /**
     * One side of the comparison. Requests start on the client's context: a chain built on another
     * thread could attach its body handler after the event loop delivered the whole response, and wait
     * forever.
     */
    private record Target(HttpClient client, Context ctx, URI base) {
        /** Sends one chat request; completes with nanoseconds to the last byte, or -1 on failure. */
        CompletableFuture<Long> call(boolean stream, int i) {
            CompletableFuture<Long> done = new CompletableFuture<>();
            long t0 = System.nanoTime();
            ctx.runOnContext(v -> client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost(base.getHost()).setPort(base.getPort())
                    .setURI("/v1/chat/completions").putHeader("content-type", "application/json").setTimeout(30_000))
                    .compose(req -> req.send(Buffer.buffer(body(stream, 16, i))))
                    .compose(resp -> resp.statusCode() == 200 ? resp.body() : io.vertx.core.Future.failedFuture("HTTP " + resp.statusCode()))
                    .onComplete(ar -> done.complete(ar.succeeded() ? System.nanoTime() - t0 : -1L)));
            return done;
        }
    }

    /**
     * Latencies of one open-loop run, and the rate each path achieved: its successful requests over the
     * time from the first send to its last completion.
     */
    private record Latencies(long[] direct, long[] tapped, int failed, double directRate, double tapRate) {}

    /** Open loop: every 1/rate s, one request to each target (alternating which goes first). */
    private static Latencies openLoop(Vertx vertx, Target d, Target t, double rate, double seconds, boolean stream)
            throws InterruptedException {
        int n = (int) Math.round(rate * seconds);
        long[] direct = new long[n];
        long[] tapped = new long[n];
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(2 * n);
        long periodNs = (long) (1e9 / rate);
        AtomicInteger next = new AtomicInteger();
        AtomicLong lastDirect = new AtomicLong();
        AtomicLong lastTap = new AtomicLong();
        AtomicInteger pendingDirect = new AtomicInteger();
        AtomicInteger pendingTap = new AtomicInteger();
        long start = System.nanoTime();
        Thread scheduler = new Thread(() -> {
            for (int i = 0; i < n; i++) {
                long due = start + i * periodNs;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    if (wait > 200_000) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait - 100_000);
                    } else {
                        Thread.onSpinWait();
                    }
                }
                int k = next.getAndIncrement();
                Target first = k % 2 == 0 ? d : t;
                Target second = first == d ? t : d;
                for (Target target : new Target[] {first, second}) {
                    long[] into = target == d ? direct : tapped;
                    AtomicLong last = target == d ? lastDirect : lastTap;
                    AtomicInteger pending = target == d ? pendingDirect : pendingTap;
                    pending.incrementAndGet();
                    target.call(stream, k).whenComplete((ns, e) -> {
                        pending.decrementAndGet();
                        into[k] = ns == null ? -1 : ns;
                        last.accumulateAndGet(System.nanoTime(), Math::max);
                        if (ns == null || ns < 0) {
                            failed.incrementAndGet();
                        }
                        done.countDown();
                    });
                }
            }
        }, "feedloop-bench-tap-schedule");
        scheduler.start();
        if (!done.await((long) (seconds * 1000) + 60_000, TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("requests did not finish in time: " + done.getCount() + " of " + (2 * n)
                    + " outstanding (" + pendingDirect.get() + " direct, " + pendingTap.get() + " through the tap), "
                    + failed.get() + " failed, " + next.get() + " scheduled");
        }
        long[] okDirect = ok(direct);
        long[] okTapped = ok(tapped);
        return new Latencies(okDirect, okTapped, failed.get(), okDirect.length / ((lastDirect.get() - start) / 1e9),
                okTapped.length / ((lastTap.get() - start) / 1e9));
    }

    private static long[] ok(long[] a) {
        return Arrays.stream(a).filter(x -> x >= 0).sorted().toArray();
    }

    /** Closed loop: {@code concurrency} requests in flight, alternating 1 s slices per target; returns requests/s of each. */
    private static double[] closedLoop(Target d, Target t, int concurrency, double seconds, boolean stream) throws InterruptedException {
        long[] count = new long[2];
        double[] time = new double[2];
        int slices = (int) Math.max(2, Math.round(seconds));
        for (int s = 0; s < 2 * slices; s++) {
            int which = s % 2;
            Target target = which == 0 ? d : t;
            AtomicLong completed = new AtomicLong();
            long end = System.nanoTime() + 1_000_000_000L;
            CountDownLatch stopped = new CountDownLatch(concurrency);
            long t0 = System.nanoTime();
            for (int c = 0; c < concurrency; c++) {
                loop(target, stream, end, completed, stopped, c);
            }
            stopped.await(60, TimeUnit.SECONDS);
            time[which] += (System.nanoTime() - t0) / 1e9;
            count[which] += completed.get();
        }
        return new double[] {count[0] / time[0], count[1] / time[1]};
    }

    private static void loop(Target target, boolean stream, long end, AtomicLong completed, CountDownLatch stopped, int i) {
        if (System.nanoTime() >= end) {
            stopped.countDown();
            return;
        }
        target.call(stream, i).whenComplete((ns, e) -> {
            if (ns != null && ns >= 0) {
                completed.incrementAndGet();
            }
            loop(target, stream, end, completed, stopped, i + 1);
        });
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1);
        return sorted[Math.max(0, i)];
    }

    private static double ms(double nanos) {
        return Math.round(nanos / 1e3) / 1e3;
    }

    /** Samples a process's resident memory from {@code /proc}. */
    private static final class RssSampler {
        private final Path status;
        private volatile boolean running = true;
        private volatile long sampledMaxKb;
        private volatile long peakKb;
        private final Thread thread;

        RssSampler(long pid) {
            this.status = Path.of("/proc", String.valueOf(pid), "status");
            this.thread = new Thread(this::run, "feedloop-bench-rss");
            this.thread.setDaemon(true);
        }

        void start() {
            thread.start();
        }

        private void run() {
            while (running) {
                read();
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void read() {
            try {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        sampledMaxKb = Math.max(sampledMaxKb, kb(line));
                    } else if (line.startsWith("VmHWM:")) {
                        peakKb = Math.max(peakKb, kb(line));
                    }
                }
            } catch (IOException e) {
                running = false;
            }
        }

        private static long kb(String line) {
            return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }

        void stop() throws InterruptedException {
            read();
            running = false;
            thread.interrupt();
            thread.join(1000);
        }

        long peakKb() {
            return peakKb;
        }

        long sampledMaxKb() {
            return sampledMaxKb;
        }
    }
}
