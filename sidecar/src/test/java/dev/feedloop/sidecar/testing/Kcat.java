package dev.feedloop.sidecar.testing;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Runs Debian's {@code kcat}, an independent Kafka client (librdkafka), as a subprocess. CI installs
 * it ({@code .ci/run}); under {@code CI=true} a missing kcat fails the test instead of skipping it.
 */
public final class Kcat {
    private Kcat() {}

    /** The kcat executable, or a skipped (locally) / failed (CI) test. */
    public static String require() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "kcat");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        if (System.getenv("CI") != null) {
            fail("kcat is not installed; CI must install it (apt-get install kcat)");
        }
        Assumptions.abort("kcat is not installed (apt-get install kcat)");
        return null;
    }

    /** The result of one run. */
    public record Result(int exitCode, String stdout, String stderr) {}

    /** Runs kcat with arguments and optional stdin, waiting at most 60 s. */
    public static Result run(String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(require());
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile("kcat", ".out");
        Path err = Files.createTempFile("kcat", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
            Process p = pb.start();
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("kcat " + String.join(" ", args) + " did not finish within 60 s");
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
