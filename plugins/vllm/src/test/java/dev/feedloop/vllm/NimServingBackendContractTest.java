package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.testkit.ServingBackendContract;
import dev.feedloop.contracts.testkit.TinyPeftAdapters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code nim} driver satisfies the serving backend contract against a stand-in NIM that re-scans its
 * {@code NIM_PEFT_SOURCE} every 50 ms and unloads adapters whose directory disappeared (NIM 2.x dynamic LoRA).
 */
class NimServingBackendContractTest extends ServingBackendContract {
    @TempDir
    static Path root;

    private static FakeVllm server;
    private static Path source;
    private static Path adapter;

    @BeforeAll
    static void start() throws IOException {
        source = Files.createDirectories(root.resolve("nim-peft-source"));
        FakeVllm.Options options = new FakeVllm.Options();
        options.peftSource = source;
        options.refresh = Duration.ofMillis(50);
        server = new FakeVllm(options);
        adapter = TinyPeftAdapters.write(root.resolve("published").resolve(ADAPTER), options.model, 8);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected ServingBackend backend() {
        return new NimBackendProvider().create(PluginContext.of("nim", Map.of("url", server.url(),
                "directory", source.toString(), "poll-interval", "20ms", "timeout", "10s")));
    }

    @Override
    protected String baseModel() {
        return "tiny-llama";
    }

    @Override
    protected Path validAdapterDirectory() {
        return adapter;
    }
}
