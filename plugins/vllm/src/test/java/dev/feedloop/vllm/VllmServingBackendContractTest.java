package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.testkit.ServingBackendContract;
import dev.feedloop.contracts.testkit.TinyPeftAdapters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The {@code vllm} driver in its default API mode satisfies the serving backend contract against the stand-in. */
class VllmServingBackendContractTest extends ServingBackendContract {
    @TempDir
    static Path adapters;

    private static FakeVllm server;
    private static Path adapter;

    @BeforeAll
    static void start() throws IOException {
        server = new FakeVllm();
        adapter = TinyPeftAdapters.write(adapters.resolve(ADAPTER), "/models/tiny-llama", 8);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected ServingBackend backend() {
        return new VllmBackendProvider().create(PluginContext.of("vllm", Map.of("url", server.url())));
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
