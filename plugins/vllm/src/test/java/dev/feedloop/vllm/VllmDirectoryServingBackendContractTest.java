package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.testkit.ServingBackendContract;
import dev.feedloop.contracts.testkit.TinyPeftAdapters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code vllm} driver in directory mode (vLLM's LoRA filesystem resolver) satisfies the serving backend
 * contract against the stand-in, whose resolver watches the same directory.
 */
class VllmDirectoryServingBackendContractTest extends ServingBackendContract {
    @TempDir
    static Path root;

    private static FakeVllm server;
    private static Path cache;
    private static Path adapter;

    @BeforeAll
    static void start() throws IOException {
        cache = Files.createDirectories(root.resolve("resolver-cache"));
        FakeVllm.Options options = new FakeVllm.Options();
        options.resolverDir = cache;
        server = new FakeVllm(options);
        adapter = TinyPeftAdapters.write(root.resolve("published").resolve(ADAPTER), options.model, 8);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected ServingBackend backend() {
        return new VllmBackendProvider().create(PluginContext.of("vllm",
                Map.of("url", server.url(), "mode", "directory", "directory", cache.toString())));
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
