package dev.feedloop.adapterstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.AdapterStoreProvider;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.PluginRegistry;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Discovery, settings and start-up of the {@code local} store. */
class LocalAdapterStoreProviderTest {
    @TempDir
    Path dir;

    @Test
    void serviceLoaderFindsTheProviderUnderTheNameLocal() {
        PluginRegistry<AdapterStoreProvider> stores =
                PluginRegistry.load(AdapterStoreProvider.class, getClass().getClassLoader());

        assertThat(stores.names()).contains("local");
        AdapterStoreProvider provider = stores.get("local");
        assertThat(provider).isInstanceOf(LocalAdapterStoreProvider.class);
        try (AdapterStore store = provider.create(PluginContext.of("local", Map.of("root", dir.toString())))) {
            assertThat(store).isInstanceOf(LocalAdapterStore.class);
        }
    }

    @Test
    void defaultsWithNoSettingsAtAll() {
        LocalStoreConfig config = LocalStoreConfig.from(PluginContext.of("local", Map.of()));

        assertThat(config.root()).isNull();
        assertThat(config.publicUrl()).isNull();
        assertThat(config.cache()).isNull();
        assertThat(config.timeout()).isEqualTo(Duration.ofSeconds(60));
        assertThat(config.maxBytes()).isEqualTo(2L * 1024 * 1024 * 1024);
    }

    @Test
    void everySettingIsRead() {
        LocalStoreConfig config = LocalStoreConfig.from(PluginContext.of("local", Map.of(
                "root", dir.resolve("root").toString(),
                "public-url", "https://trainer.internal:8443/adapters",
                "cache", dir.resolve("cache").toString(),
                "timeout", "250ms",
                "max-bytes", "512MiB")));

        assertThat(config.root()).isEqualTo(dir.resolve("root"));
        assertThat(config.publicUrl()).as("a trailing slash is added")
                .isEqualTo(URI.create("https://trainer.internal:8443/adapters/"));
        assertThat(config.cache()).isEqualTo(dir.resolve("cache"));
        assertThat(config.timeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.maxBytes()).isEqualTo(512L << 20);
    }

    @ParameterizedTest
    @CsvSource({"12, 12", "12B, 12", "3KiB, 3072", "2GiB, 2147483648", "1TiB, 1099511627776", "' 7 MiB ', 7340032"})
    void maxBytesTakesBinaryUnits(String value, long bytes) {
        assertThat(LocalStoreConfig.from(PluginContext.of("local", Map.of("max-bytes", value))).maxBytes())
                .isEqualTo(bytes);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "max-bytes | 0 | plugins.local.max-bytes = '0': must be a positive byte count",
        "max-bytes | -1 | plugins.local.max-bytes = '-1'",
        "max-bytes | 2GB | plugins.local.max-bytes = '2GB'",
        "max-bytes | 99999999999TiB | plugins.local.max-bytes = '99999999999TiB'",
        "timeout | soon | plugins.local.timeout = 'soon'",
        "timeout | 0s | plugins.local.timeout = '0s': must be longer than zero",
        "public-url | ftp://trainer/adapters/ | plugins.local.public-url = 'ftp://trainer/adapters/': must be an absolute",
        "public-url | /adapters/ | plugins.local.public-url = '/adapters/': must be an absolute",
        "public-url | http://trainer/adapters/?x=1 | must not have a query or a fragment",
        "public-url | 'http://a b/' | plugins.local.public-url = 'http://a b/': not a valid URL",
        "colour | blue | plugins.local.colour is not a setting of plugin 'local'; known settings: "
                + "[cache, max-bytes, public-url, root, timeout]",
    })
    void aBadSettingIsAPluginExceptionNamingTheKey(String key, String value, String message) {
        Map<String, String> config = new HashMap<>();
        config.put(key, value);
        if (key.equals("public-url")) {
            config.put("root", dir.toString());
        }

        assertThatThrownBy(() -> new LocalAdapterStoreProvider().create(PluginContext.of("local", config)))
                .isInstanceOf(PluginException.class).hasMessageContaining(message);
    }

    @Test
    void anInvalidPathIsAPluginExceptionNamingTheKey() {
        assertThatThrownBy(() -> LocalStoreConfig.from(PluginContext.of("local", Map.of("cache", "a\u0000b"))))
                .isInstanceOf(PluginException.class).hasMessageStartingWith("plugins.local.cache = 'a")
                .hasMessageContaining("not a valid path");
    }

    @Test
    void publicUrlWithoutRootIsRefused() {
        assertThatThrownBy(() -> LocalStoreConfig.from(PluginContext.of("local",
                Map.of("public-url", "http://trainer:8090/adapters/"))))
                .isInstanceOf(PluginException.class)
                .hasMessage("plugins.local.public-url is set but plugins.local.root is not: the public URL is where "
                        + "the trainer serves the root");
    }

    @Test
    void cacheAndRootMustNotContainOneAnother() {
        assertThatThrownBy(() -> LocalStoreConfig.from(PluginContext.of("local",
                Map.of("root", dir.toString(), "cache", dir.resolve("cache").toString()))))
                .isInstanceOf(PluginException.class)
                .hasMessageContaining("plugins.local.cache").hasMessageContaining("plugins.local.root");
    }

    @Test
    void aRootThatIsAFileIsRefusedAtCreation() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "x");

        assertThatThrownBy(() -> new LocalAdapterStoreProvider().create(
                PluginContext.of("local", Map.of("root", file.toString()))))
                .isInstanceOf(PluginException.class)
                .hasMessageStartingWith("plugins.local.root = '" + file + "': cannot use it");
    }

    @Test
    void creationMakesTheRootAndCacheDirectories() {
        Path root = dir.resolve("a/root");
        Path cache = dir.resolve("b/cache");

        new LocalAdapterStoreProvider().create(PluginContext.of("local",
                Map.of("root", root.toString(), "cache", cache.toString()))).close();

        assertThat(root).isDirectory();
        assertThat(cache).isDirectory();
    }

    @Test
    void publishWithoutRootFailsTheStageNamingTheKey() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        try (AdapterStore fetchOnly = new LocalAdapterStoreProvider().create(PluginContext.of("local", Map.of()))) {
            assertThat(TestStores.failure(fetchOnly.publish("assistant", 1, source), PluginException.class))
                    .hasMessageStartingWith("plugins.local.root is not set");
        }
    }
}
