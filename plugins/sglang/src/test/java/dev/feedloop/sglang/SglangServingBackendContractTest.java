package dev.feedloop.sglang;

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

/** The {@code sglang} driver satisfies the serving backend contract against the SGLang stand-in. */
class SglangServingBackendContractTest extends ServingBackendContract {
    @TempDir
    static Path adapters;

    private static FakeSglang server;
    private static Path adapter;

    @BeforeAll
    static void start() throws IOException {
        server = new FakeSglang();
        adapter = TinyPeftAdapters.write(adapters.resolve(ADAPTER), "/models/tiny-qwen", 8);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Override
    protected ServingBackend backend() {
        return new SglangBackendProvider().create(PluginContext.of("sglang",
                Map.of("url", server.url(), "base-model", "tiny-qwen")));
    }

    @Override
    protected String baseModel() {
        return "tiny-qwen";
    }

    @Override
    protected Path validAdapterDirectory() {
        return adapter;
    }
}
