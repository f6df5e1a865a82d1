package dev.feedloop.sglang;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.PluginRegistry;
import dev.feedloop.contracts.spi.ServingBackendProvider;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The provider is discovered through META-INF/services and validates its settings eagerly. */
class ProvidersTest {
    private static void create(Map<String, String> config) {
        new SglangBackendProvider().create(PluginContext.of("sglang", config)).close();
    }

    @Test
    void serviceLoaderFindsSglang() {
        PluginRegistry<ServingBackendProvider> registry =
                PluginRegistry.load(ServingBackendProvider.class, getClass().getClassLoader());

        assertThat(registry.get("sglang")).isInstanceOf(SglangBackendProvider.class);
    }

    @Test
    void configErrorsNameTheirKey() {
        assertThatThrownBy(() -> create(Map.of("base-model", "m"))).isInstanceOf(PluginException.class)
                .hasMessage("plugins.sglang.url is required by plugin 'sglang'");
        assertThatThrownBy(() -> create(Map.of("url", "http://127.0.0.1:30000")))
                .hasMessage("plugins.sglang.base-model is required by plugin 'sglang'");
        assertThatThrownBy(() -> create(Map.of("url", "http://127.0.0.1:30000", "base-model", "a:b")))
                .hasMessageContaining("plugins.sglang.base-model = 'a:b'");
        assertThatThrownBy(() -> create(Map.of("url", "http://127.0.0.1:30000", "base-model", "m", "mode", "api")))
                .hasMessageContaining("[plugins.sglang.mode]");
        assertThatThrownBy(() -> create(Map.of("url", "http://h:1", "base-model", "m", "timeout", "-1s")))
                .hasMessageContaining("plugins.sglang.timeout");
        create(Map.of("url", "http://127.0.0.1:30000", "base-model", "m", "max-lora-rank", "64", "api-key", "k"));
    }
}
