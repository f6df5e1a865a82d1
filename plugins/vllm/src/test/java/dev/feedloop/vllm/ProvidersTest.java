package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.PluginRegistry;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackendProvider;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both providers are discovered through META-INF/services and validate their settings eagerly. */
class ProvidersTest {
    @TempDir
    Path dir;

    private static ServingBackend vllm(Map<String, String> config) {
        return new VllmBackendProvider().create(PluginContext.of("vllm", config));
    }

    private static Map<String, String> with(String... kv) {
        Map<String, String> m = new HashMap<>(Map.of("url", "http://127.0.0.1:8001"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void serviceLoaderFindsVllmAndNim() {
        PluginRegistry<ServingBackendProvider> registry =
                PluginRegistry.load(ServingBackendProvider.class, getClass().getClassLoader());

        assertThat(registry.names()).contains("nim", "vllm");
        assertThat(registry.get("vllm")).isInstanceOf(VllmBackendProvider.class);
        assertThat(registry.get("nim")).isInstanceOf(NimBackendProvider.class);
        assertThat(registry.kind()).isEqualTo("serving-backend");
    }

    @Test
    void validConfigCreatesABackendWithoutContactingTheServer() {
        try (ServingBackend b = vllm(with("timeout", "250ms", "max-lora-rank", "64", "api-key", "k"))) {
            assertThat(b).isNotNull();
        }
    }

    @Test
    void missingUrlNamesTheKey() {
        assertThatThrownBy(() -> vllm(Map.of())).isInstanceOf(PluginException.class)
                .hasMessage("plugins.vllm.url is required by plugin 'vllm'");
        assertThatThrownBy(() -> new NimBackendProvider().create(PluginContext.of("nim", Map.of("directory", "/"))))
                .isInstanceOf(PluginException.class).hasMessage("plugins.nim.url is required by plugin 'nim'");
    }

    @Test
    void badValuesNameTheirKey() {
        assertThatThrownBy(() -> vllm(with("url", "127.0.0.1:8001"))).hasMessageContaining("plugins.vllm.url = ");
        assertThatThrownBy(() -> vllm(with("url", "ftp://host"))).hasMessageContaining("plugins.vllm.url = ");
        assertThatThrownBy(() -> vllm(with("mode", "resolver")))
                .hasMessage("plugins.vllm.mode = 'resolver': must be 'api' or 'directory'");
        assertThatThrownBy(() -> vllm(with("timeout", "soon"))).hasMessageContaining("plugins.vllm.timeout");
        assertThatThrownBy(() -> vllm(with("timeout", "0s"))).hasMessageContaining("plugins.vllm.timeout");
        assertThatThrownBy(() -> vllm(with("max-lora-rank", "0"))).hasMessageContaining("plugins.vllm.max-lora-rank");
    }

    @Test
    void directoryModeNeedsAnExistingDirectoryAndApiModeNone() {
        assertThatThrownBy(() -> vllm(with("mode", "directory")))
                .hasMessage("plugins.vllm.directory is required by plugin 'vllm'");
        assertThatThrownBy(() -> vllm(with("mode", "directory", "directory", dir.resolve("missing").toString())))
                .hasMessageContaining("must be an existing directory");
        assertThatThrownBy(() -> vllm(with("directory", dir.toString())))
                .hasMessage("plugins.vllm.directory is only used with plugins.vllm.mode = directory");
        vllm(with("mode", "directory", "directory", dir.toString())).close();
    }

    @Test
    void unknownKeysAreTypos() {
        assertThatThrownBy(() -> vllm(with("max_lora_rank", "32"))).isInstanceOf(PluginException.class)
                .hasMessageContaining("[plugins.vllm.max_lora_rank]");
    }

    @Test
    void nimNeedsItsDirectory() {
        assertThatThrownBy(() -> new NimBackendProvider().create(PluginContext.of("nim",
                Map.of("url", "http://127.0.0.1:8000"))))
                .hasMessage("plugins.nim.directory is required by plugin 'nim'");
        assertThatThrownBy(() -> new NimBackendProvider().create(PluginContext.of("nim",
                Map.of("url", "http://127.0.0.1:8000", "directory", dir.toString(), "poll-interval", "0ms"))))
                .hasMessageContaining("plugins.nim.poll-interval");
    }
}
