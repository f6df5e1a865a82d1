package dev.feedloop.sidecar.serve;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginMetrics;
import dev.feedloop.contracts.spi.PluginRegistry;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackendProvider;
import dev.feedloop.contracts.testkit.ServingBackendContract;
import dev.feedloop.djl.PolicyEngine;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.PeftBridge;
import dev.feedloop.djl.model.Projection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real vLLM driver ({@code plugins/vllm}, found through ServiceLoader) against the real embedded
 * engine over HTTP, held to the same serving contract every driver passes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VllmDriverAgainstServeIT extends ServingBackendContract {
    private ServeRuntime server;
    private Path adapter;
    private final ExecutorService blocking = Executors.newFixedThreadPool(2);

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("tiny");
        TinyCheckpoint.write(model, 31, TinyCheckpoint.Spec.standard());
        adapter = dir.resolve("contract-adapter");
        try (PolicyEngine engine = PolicyEngine.load(model);
                LoraAdapter a = LoraAdapter.initialize("c", new LoraAdapter.Spec(2, 4, false, 0, EnumSet.of(Projection.Q_PROJ)),
                        engine.model(), 1)) {
            Files.createDirectories(adapter.getParent());
            PeftBridge.write(a, "tiny", adapter);
        }
        server = ServeRuntime.start(ServeOptions.local(model, 0).withServedModelName("tiny"));
    }

    @AfterAll
    void stop() {
        server.close();
        blocking.shutdown();
    }

    @Override
    protected ServingBackend backend() {
        ServingBackendProvider vllm = PluginRegistry.load(ServingBackendProvider.class, getClass().getClassLoader()).get("vllm");
        return vllm.create(new PluginContext("vllm", Map.of("url", server.baseUrl()), Clock.systemUTC(), blocking, PluginMetrics.NOOP));
    }

    @Override
    protected String baseModel() {
        return "tiny";
    }

    @Override
    protected Path validAdapterDirectory() {
        return adapter;
    }
}
