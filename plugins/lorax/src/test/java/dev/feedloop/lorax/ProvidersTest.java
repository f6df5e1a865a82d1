package dev.feedloop.lorax;

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
        new LoraxBackendProvider().create(PluginContext.of("lorax", config)).close();
    }

    @Test
    void serviceLoaderFindsLorax() {
        PluginRegistry<ServingBackendProvider> registry =
                PluginRegistry.load(ServingBackendProvider.class, getClass().getClassLoader());

        assertThat(registry.get("lorax")).isInstanceOf(LoraxBackendProvider.class);
    }

    @Test
    void configErrorsNameTheirKey() {
        assertThatThrownBy(() -> create(Map.of())).isInstanceOf(PluginException.class)
                .hasMessage("plugins.lorax.url is required by plugin 'lorax'");
        assertThatThrownBy(() -> create(Map.of("url", "http://h:1", "base-model", " ")))
                .hasMessageContaining("plugins.lorax.base-model");
        assertThatThrownBy(() -> create(Map.of("url", "http://h:1", "adapter-source", "hub")))
                .hasMessageContaining("[plugins.lorax.adapter-source]");
        assertThatThrownBy(() -> create(Map.of("url", "http://h:1", "max-lora-rank", "x")))
                .hasMessageContaining("plugins.lorax.max-lora-rank");
        create(Map.of("url", "https://lorax.internal", "base-model", "m", "timeout", "2m"));
    }
}
