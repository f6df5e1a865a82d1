package dev.feedloop.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new PrintWriter(out, true), new PrintWriter(err, true)).execute(args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void helpListsEveryCommand() {
        Result r = run("--help");
        assertThat(r.code()).isZero();
        for (String command : new String[] {"demo", "tap", "trainer", "all", "serve", "kafka", "model", "bench", "version"}) {
            assertThat(r.out()).containsPattern("(?m)^\\s+" + command + "\\s");
        }
        assertThat(r.out()).doesNotContain("config-table");
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"demo", "tap", "trainer", "all", "serve", "kafka", "model", "bench", "version"}) {
            Result r = run(command, "--help");
            assertThat(r.code()).as(command).isZero();
            assertThat(r.out()).as(command).startsWith("Usage: feedloop " + command);
        }
    }

    @Test
    void badConfigFailsWithOneClearLine() throws IOException {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "tap:\n  port: eighty\n");
        Result r = run("tap", "--config", bad.toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err()).isEqualTo("feedloop: tap.port = 'eighty' (from " + bad + "): must be an integer from 0 to 65535"
                + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void missingConfigFileFailsWithOneLine() {
        Result r = run("trainer", "--config", dir.resolve("nope.yaml").toString());
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).containsExactly("feedloop: config file " + dir.resolve("nope.yaml") + " does not exist");
    }

    @Test
    void commandsWhoseIssuesHaveNotLandedSaySoAndExit2() {
        for (String[] args : new String[][] {{"all"}}) {
            Result r = run(args);
            assertThat(r.code()).as(String.join(" ", args)).isEqualTo(Main.EXIT_USAGE);
            assertThat(r.err()).as(String.join(" ", args)).contains("not available yet").containsPattern("#\\d");
        }
    }

    @Test
    void tapWithoutABrokerFailsWithOneLine() {
        Result r = run("tap", "--set", "tap.port=0", "--set", "management.port=0");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).containsExactly("feedloop: the tap role needs kafka.bootstrap.servers "
                + "(FEEDLOOP_KAFKA_BOOTSTRAP_SERVERS); 'feedloop all' starts an embedded broker instead");
    }

    @Test
    void trainerWithoutABrokerFailsWithOneLine() {
        Result r = run("trainer", "--set", "management.port=0");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).containsExactly("feedloop: the trainer role needs kafka.bootstrap.servers "
                + "(FEEDLOOP_KAFKA_BOOTSTRAP_SERVERS); 'feedloop all' starts an embedded broker instead");
    }

    @Test
    void tapWithAnUnknownRedactorFailsWithOneLine() {
        Result r = run("tap", "--set", "kafka.bootstrap.servers=127.0.0.1:1", "--set", "capture.redactor=nosuch", "--set",
                "tap.port=0", "--set", "management.port=0");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).hasSize(1).first().asString()
                .startsWith("feedloop: capture.redactor names unknown redactor 'nosuch'; available: ");
    }

    @Test
    void producerSettingsKafkaRefusesStopTheTapWithOneLine() {
        Result r = run("tap", "--set", "kafka.bootstrap.servers=127.0.0.1:1", "--set", "kafka.producer.request.timeout.ms=9000",
                "--set", "tap.upstream=http://127.0.0.1:1", "--set", "tap.port=0", "--set", "management.port=0");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).containsExactly("feedloop: the Kafka feedback producer refuses its settings (check kafka.* and "
                + "kafka.producer.* overrides): delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms");
    }

    @Test
    void unknownPluginStopsARoleWithOneLine() {
        Result r = run("trainer", "--set", "plugins.enabled=tie-judge,openai-judge");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).containsExactly("feedloop: plugins.enabled names unknown plugin 'openai-judge'; available: "
                + "{serving-backend=[lorax, nim, sglang, vllm], judge=[tie-judge], adapter-store=[local], redactor=[default]}");
    }

    @Test
    void serveWithAMissingModelFailsWithOneLine() {
        Result r = run("serve", "--model", "/nonexistent/model", "--port", "0");
        assertThat(r.code()).isEqualTo(Main.EXIT_ERROR);
        assertThat(r.err().lines()).containsExactly("feedloop: /nonexistent/model is not a directory (expected a Hugging Face model directory)");
    }

    @Test
    void printConfigShowsEffectiveValuesAndRedactsSecrets() {
        Result r = run("tap", "--print-config", "--set", "tap.port=9999", "--set", "kafka.ssl.key.password=s3cret");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("tap.port: \"9999\"  # --set", "kafka.ssl.key.password: \"[redacted]\"")
                .doesNotContain("s3cret");
    }

    @Test
    void unknownOptionIsAUsageError() {
        Result r = run("demo", "--evnets", "3");
        assertThat(r.code()).isEqualTo(Main.EXIT_USAGE);
        assertThat(r.err()).contains("'--evnets'", "Possible solutions: --events");
    }

    @Test
    void versionPrintsComponents() {
        Result r = run("version", "--json");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("\"feedloop\":\"0.1.0-SNAPSHOT\"", "\"kafka\":\"4.1.1\"");
    }

    @Test
    void docsConfigTablePrintsMarkdown() {
        Result r = run("docs", "config-table");
        assertThat(r.code()).isZero();
        assertThat(r.out()).startsWith("| key | environment | default | allowed | meaning |").contains("`tap.port`");
    }
}
