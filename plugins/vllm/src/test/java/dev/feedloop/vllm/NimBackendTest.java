package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginMetrics;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.Adapter;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.contracts.spi.ServingBackend.SampleRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NIM: publishing into NIM_PEFT_SOURCE, polling /v1/models, its timeout, and version-dependent unloading. */
class NimBackendTest {
    @TempDir
    Path tmp;

    private FakeVllm server;
    private ServingBackend backend;

    /** A clock that moves one second forward each time it is read, so deadlines pass in a few polls. */
    static final class SteppingClock extends Clock {
        private final AtomicLong seconds = new AtomicLong();

        @Override
        public Instant instant() {
            return Instant.EPOCH.plusSeconds(seconds.getAndIncrement());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    @AfterEach
    void stop() {
        if (backend != null) {
            backend.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private Path start(FakeVllm.Options options, Path source, Clock clock, Map<String, String> extra)
            throws IOException {
        server = new FakeVllm(options);
        Map<String, String> config = new HashMap<>(Map.of("url", server.url(), "directory", source.toString(),
                "poll-interval", "10ms", "timeout", "10s"));
        config.putAll(extra);
        backend = new NimBackendProvider().create(
                new PluginContext("nim", config, clock, Runnable::run, PluginMetrics.NOOP));
        return source;
    }

    private Path scannedSource(FakeVllm.Options options) throws IOException {
        Path source = Files.createDirectories(tmp.resolve("peft-source"));
        options.peftSource = source;
        return source;
    }

    @Test
    void activationPublishesThenWaitsForTheRefresh() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.refresh = Duration.ofMillis(200);
        Path source = start(options, scannedSource(options), Clock.systemUTC(), Map.of());

        Await.result(backend.activate(new Adapter("policy-v4", Adapters.servable(tmp.resolve("src")), "tiny-llama")));

        assertThat(server.loaded()).containsEntry("policy-v4", source.resolve("policy-v4").toString());
        assertThat(server.requests("/v1/models").size()).as("polls before the refresh found it").isGreaterThan(1);
        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v4");
    }

    @Test
    void activationTimesOutAsUnavailableWhenTheIdNeverAppears() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.peftSource = Files.createDirectories(tmp.resolve("what-nim-really-scans"));
        Path source = Files.createDirectories(tmp.resolve("misconfigured"));
        start(options, source, new SteppingClock(), Map.of("timeout", "5s", "poll-interval", "1ms"));

        BackendException e = Await.failure(
                backend.activate(new Adapter("policy-v4", Adapters.servable(tmp.resolve("src")), "tiny-llama")));

        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(e).hasMessageContaining("waited PT5S").hasMessageContaining("'policy-v4' to appear");
        assertThat(server.requests("/v1/models")).hasSizeBetween(2, 6);
        assertThat(AdapterFiles.publishedNames(source)).as("the published directory stays")
                .containsExactly("policy-v4");
    }

    @Test
    void transientFailuresWhilePollingAreRetriedAndHardOnesEndTheWait() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        start(options, scannedSource(options), Clock.systemUTC(), Map.of());
        server.respondOnce("/v1/models", 503, "application/json", "{\"error\":{\"message\":\"starting\"}}");

        Await.result(backend.activate(new Adapter("policy-v4", Adapters.servable(tmp.resolve("a")), "tiny-llama")));

        server.respondOnce("/v1/models", 404, "application/json", "{\"detail\":\"Not Found\"}");
        BackendException e = Await.failure(
                backend.activate(new Adapter("policy-v5", Adapters.servable(tmp.resolve("b")), "tiny-llama")));
        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
    }

    @Test
    void retirementWaitsForTheUnloadAndSaysSoWhenTheNimNeverUnloads() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.unloadRemoved = false; // NIM 1.x: removing the directory does not unload
        Path source = start(options, scannedSource(options), Clock.systemUTC(), Map.of("timeout", "300ms"));
        Await.result(backend.activate(new Adapter("policy-v4", Adapters.servable(tmp.resolve("src")), "tiny-llama")));

        BackendException e = Await.failure(backend.retire("policy-v4"));

        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(e).hasMessageContaining("keep serving a removed adapter until restart");
        assertThat(source.toFile().list()).as("the directory is gone either way").isEmpty();
    }

    @Test
    void retiringAnUnpublishedNameIsNotFoundWithoutARequest() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        start(options, scannedSource(options), Clock.systemUTC(), Map.of());

        BackendException e = Await.failure(backend.retire("policy-v9"));

        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void adaptersListedWithoutAParentAreFoundByTheirDirectory() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        options.adapterParentNull = true;
        start(options, scannedSource(options), Clock.systemUTC(), Map.of());

        Await.result(backend.activate(new Adapter("policy-v4", Adapters.servable(tmp.resolve("src")), "tiny-llama")));

        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v4");
    }

    @Test
    void aStagingDirectoryPickedUpByTheScannerIsNeverReported() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        start(options, scannedSource(options), Clock.systemUTC(), Map.of());
        server.respondOnce("/v1/models", 200, "application/json", "{\"object\":\"list\",\"data\":["
                + "{\"id\":\"tiny-llama\",\"root\":\"/models/tiny-llama\",\"parent\":null},"
                + "{\"id\":\".staging-policy-v4-1b2c\",\"parent\":\"tiny-llama\"},"
                + "{\"id\":\"policy-v3\",\"parent\":\"tiny-llama\"}]}");

        assertThat(Await.result(backend.loadedAdapters())).containsExactly("policy-v3");
    }

    @Test
    void samplingSendsOnlyStandardOpenAiFields() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        start(options, scannedSource(options), Clock.systemUTC(), Map.of());

        Await.result(backend.sample(new SampleRequest("tiny-llama", Prompt.text("Hi"), 2, 4, 0.5, 1.0, 7L, true)));

        assertThat(server.requests("/v1/completions").get(0).json().has("return_token_ids")).isFalse();
        assertThat(server.requests("/v1/completions").get(0).json().has("return_tokens_as_token_ids")).isFalse();
    }

    @Test
    void anUnservableAdapterIsNotPublished() throws Exception {
        FakeVllm.Options options = new FakeVllm.Options();
        Path source = start(options, scannedSource(options), Clock.systemUTC(), Map.of());

        BackendException e = Await.failure(
                backend.activate(new Adapter("policy-v4", Adapters.withRank(tmp.resolve("src"), 64), "tiny-llama")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(source.toFile().list()).isEmpty();
        assertThat(server.requests()).isEmpty();
    }
}
