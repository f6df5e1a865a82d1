package dev.feedloop.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.sidecar.testing.Kcat;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code feedloop kafka} as a user runs it: the packaged jar in its own process, answered by kcat,
 * stopped with SIGTERM, restarted on the same data directory.
 */
class KafkaCommandIT {
    @TempDir
    Path dir;

    @Test
    void standaloneBrokerAnswersKcatAndSurvivesARestart() throws Exception {
        Kcat.require();
        Path jar = Path.of("target", "feedloop.jar");
        assertThat(jar).as("the fat jar is built in the package phase, before integration tests").exists();
        int port = freePort();
        Path data = dir.resolve("kafka-data");

        Path log = dir.resolve("first.log");
        Process first = start(jar, port, data, log);
        try {
            Kcat.Result list = Kcat.run(null, "-L", "-b", "127.0.0.1:" + port);
            assertThat(list.exitCode()).as(list.stderr()).isZero();
            assertThat(list.stdout()).contains("topic \"feedloop.adapters.v1\" with 1 partitions",
                    "topic \"feedloop.inference.v1\" with 3 partitions");
            Kcat.Result put = Kcat.run("hello-after-restart\n", "-P", "-b", "127.0.0.1:" + port, "-t", "feedloop.deadletter.v1");
            assertThat(put.exitCode()).as(put.stderr()).isZero();
        } finally {
            stop(first);
        }
        // 143 = 128 + SIGTERM, the JVM's exit code after shutdown hooks ran
        assertThat(first.exitValue()).isIn(0, 143);
        assertThat(Files.readString(log)).contains("embedded Kafka broker at 127.0.0.1:" + port + " stopped",
                "feedloop kafka: broker stopped cleanly");

        Process second = start(jar, port, data, dir.resolve("second.log"));
        try {
            Kcat.Result get = Kcat.run(null, "-C", "-b", "127.0.0.1:" + port, "-t", "feedloop.deadletter.v1", "-o", "beginning", "-e", "-q");
            assertThat(get.exitCode()).as(get.stderr()).isZero();
            assertThat(get.stdout()).contains("hello-after-restart");
        } finally {
            stop(second);
        }
    }

    private static Process start(Path jar, int port, Path data, Path log) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("java", "-jar", jar.toString(), "kafka", "--port", Integer.toString(port), "--data",
                data.toString()).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("Kafka broker ready: bootstrap.servers=127.0.0.1:" + port)) {
                return p;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        p.destroyForcibly();
        throw new AssertionError("feedloop kafka did not report ready (exit " + (p.waitFor(5, TimeUnit.SECONDS) ? p.exitValue() : "?") + ")");
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy(); // SIGTERM: the shutdown hook stops the broker cleanly
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("feedloop kafka did not stop within 60 s of SIGTERM");
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
