package dev.feedloop.lorax;

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

/**
 * The {@code lorax} driver satisfies the serving backend contract against the LoRAX stand-in, learning the base
 * model's name from {@code GET /info}.
 */
class LoraxServingBackendContractTest extends ServingBackendContract {
    @TempDir
    static Path adapters;

    private static FakeLorax server;
    private static Path adapter;

    @BeforeAll
    static void start() throws IOException {
        server = new FakeLorax();
        adapter = TinyPeftAdapters.write(adapters.resolve(ADAPTER), "mistralai/Mistral-7B-Instruct-v0.1", 8);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected ServingBackend backend() {
        return new LoraxBackendProvider().create(PluginContext.of("lorax", Map.of("url", server.url())));
    }

    @Override
    protected String baseModel() {
        return "mistralai/Mistral-7B-Instruct-v0.1";
    }

    @Override
    protected Path validAdapterDirectory() {
        return adapter;
    }
}
