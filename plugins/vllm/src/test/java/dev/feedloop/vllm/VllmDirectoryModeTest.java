package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.Adapter;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.contracts.testkit.TinyPeftAdapters;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Directory mode: the layout vLLM's filesystem resolver reads, the warm-up request, and retirement. */
class VllmDirectoryModeTest {
    @TempDir
    Path tmp;

    private Path cache;
    private FakeVllm server;
    private ServingBackend backend;

    @BeforeEach
    void start() throws IOException {
        cache = Files.createDirectories(tmp.resolve("cache"));
        FakeVllm.Options options = new FakeVllm.Options();
        options.resolverDir = cache;
        server = new FakeVllm(options);
        backend = new VllmBackendProvider().create(PluginContext.of("vllm",
                Map.of("url", server.url(), "mode", "directory", "directory", cache.toString())));
    }

    @AfterEach
    void stop() {
        backend.close();
        server.close();
    }

    @Test
    void activationPublishesTheResolverLayoutAndWarmsTheAdapterUp() throws Exception {
        Path source = Adapters.servable(tmp.resolve("src"));

        Await.result(backend.activate(new Adapter("policy-v2", source, "tiny-llama")));

        Path published = cache.resolve("policy-v2");
        assertThat(Files.readAllBytes(published.resolve("adapter_config.json")))
                .isEqualTo(Files.readAllBytes(source.resolve("adapter_config.json")));
        assertThat(Files.readAllBytes(published.resolve("adapter_model.safetensors")))
                .isEqualTo(Files.readAllBytes(source.resolve("adapter_model.safetensors")));
        assertThat(server.loaded()).containsEntry("policy-v2", published.toString());
        JsonNode warm = server.requests("/v1/completions").get(0).json();
        assertThat(warm.get("model").asText()).isEqualTo("policy-v2");
        assertThat(warm.get("max_tokens").asInt()).isEqualTo(1);
        assertThat(server.requests("/v1/load_lora_adapter")).as("no runtime API call").isEmpty();
    }

    @Test
    void anAdapterForAnotherBaseIsRefusedBeforePublishing() throws Exception {
        Path source = TinyPeftAdapters.write(tmp.resolve("src"), "tiny-llama", 8); // the served name, not --model

        BackendException e = Await.failure(backend.activate(new Adapter("policy-v2", source, "tiny-llama")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(e).hasMessageContaining("--model [/models/tiny-llama]").hasMessageContaining("has tiny-llama");
        assertThat(AdapterFiles.publishedNames(cache)).isEmpty();
    }

    @Test
    void aNameThatCannotBeADirectoryIsRefusedWithoutARequest() throws Exception {
        BackendException e = Await.failure(
                backend.activate(new Adapter("../policy", Adapters.servable(tmp.resolve("src")), "tiny-llama")));

        assertThat(e.reason()).isEqualTo(Reason.REJECTED);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void retirementUnloadsAndDeletesTheDirectory() throws Exception {
        Await.result(backend.activate(new Adapter("policy-v2", Adapters.servable(tmp.resolve("src")), "tiny-llama")));

        Await.result(backend.retire("policy-v2"));

        assertThat(server.loaded()).isEmpty();
        assertThat(server.requests("/v1/unload_lora_adapter")).hasSize(1);
        assertThat(cache.toFile().list()).as("nothing left, not even a hidden sibling").isEmpty();
    }

    @Test
    void aPublishedButNeverRequestedAdapterRetiresToo() throws Exception {
        AdapterFiles.publish(Adapters.servable(tmp.resolve("src")), cache, "policy-v2", AdapterFiles.BeforeRename.NONE);

        Await.result(backend.retire("policy-v2"));

        assertThat(AdapterFiles.publishedNames(cache)).isEmpty();
    }

    @Test
    void aFailedUnloadPutsTheDirectoryBack() throws Exception {
        Await.result(backend.activate(new Adapter("policy-v2", Adapters.servable(tmp.resolve("src")), "tiny-llama")));
        server.respondOnce("/v1/unload_lora_adapter", 500, "application/json", "{\"error\":{\"message\":"
                + "\"Failed to remove lora adapter 'policy-v2' from the engine.\",\"type\":\"InternalServerError\"}}");

        BackendException e = Await.failure(backend.retire("policy-v2"));

        assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
        assertThat(e).hasMessageContaining("Failed to remove lora adapter");
        assertThat(AdapterFiles.publishedNames(cache)).containsExactly("policy-v2");
    }

    @Test
    void retiringWhatIsNeitherPublishedNorLoadedIsNotFound() throws Exception {
        BackendException e = Await.failure(backend.retire("policy-v9"));

        assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
    }
}
