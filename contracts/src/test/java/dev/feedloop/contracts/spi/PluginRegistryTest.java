package dev.feedloop.contracts.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.Widgets.Alpha;
import dev.feedloop.contracts.spi.Widgets.BadName;
import dev.feedloop.contracts.spi.Widgets.Beta;
import dev.feedloop.contracts.spi.Widgets.OtherAlpha;
import dev.feedloop.contracts.spi.Widgets.WidgetProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PluginRegistry} over providers discovered from {@code META-INF/services} files. */
class PluginRegistryTest {
    @TempDir
    Path dir;

    /** Loads the widget registry from a class path whose services file lists {@code lines}. */
    private PluginRegistry<WidgetProvider> load(String... lines) throws IOException {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.write(services.resolve(WidgetProvider.class.getName()), List.of(lines), StandardCharsets.UTF_8);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            return PluginRegistry.load(WidgetProvider.class, loader);
        }
    }

    @Test
    void namesAreSorted() throws IOException {
        PluginRegistry<WidgetProvider> registry = load(Beta.class.getName(), "# a comment", Alpha.class.getName());

        assertThat(registry.names()).containsExactly("alpha", "beta");
        assertThat(registry.get("alpha")).isInstanceOf(Alpha.class);
        assertThat(registry.find("beta")).containsInstanceOf(Beta.class);
        assertThat(registry.find("gamma")).isEmpty();
    }

    @Test
    void noServicesFileMeansNoPlugins() throws IOException {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            assertThat(PluginRegistry.load(WidgetProvider.class, loader).names()).isEmpty();
        }
    }

    @Test
    void unknownNameListsTheAvailableOnes() throws IOException {
        PluginRegistry<WidgetProvider> registry = load(Alpha.class.getName(), Beta.class.getName());

        assertThatThrownBy(() -> registry.get("nope")).isInstanceOf(PluginException.class)
                .hasMessage("unknown widget plugin 'nope'; available: [alpha, beta]");
    }

    @Test
    void twoProvidersWithOneNameFailNamingBothClasses() {
        assertThatThrownBy(() -> load(Alpha.class.getName(), OtherAlpha.class.getName()))
                .isInstanceOf(PluginException.class)
                .hasMessageContaining("'alpha'")
                .hasMessageContaining(Alpha.class.getName())
                .hasMessageContaining(OtherAlpha.class.getName());
    }

    @Test
    void listedClassThatDoesNotExistFails() {
        String missing = Widgets.class.getPackageName() + ".NoSuchWidgetProvider";

        assertThatThrownBy(() -> load(Alpha.class.getName(), missing))
                .isInstanceOf(PluginException.class)
                .hasMessageContaining("META-INF/services/" + WidgetProvider.class.getName())
                .hasMessageContaining("NoSuchWidgetProvider");
    }

    @Test
    void invalidNameFails() {
        assertThatThrownBy(() -> load(BadName.class.getName()))
                .isInstanceOf(PluginException.class)
                .hasMessageContaining("invalid name 'Bad_Name'")
                .hasMessageContaining(BadName.class.getName());
    }

    @Test
    void enabledKeepsTheAllowListOrder() throws IOException {
        PluginRegistry<WidgetProvider> registry = load(Alpha.class.getName(), Beta.class.getName());

        assertThat(registry.enabled(List.of("beta", "alpha")))
                .hasExactlyElementsOfTypes(Beta.class, Alpha.class);
        assertThat(registry.enabled(List.of())).isEmpty();
    }

    @Test
    void enablingANameTwiceFails() throws IOException {
        PluginRegistry<WidgetProvider> registry = load(Alpha.class.getName(), Beta.class.getName());

        assertThatThrownBy(() -> registry.enabled(List.of("alpha", "beta", "alpha")))
                .isInstanceOf(PluginException.class)
                .hasMessage("widget plugin 'alpha' is enabled twice");
    }

    @Test
    void enablingAnUnknownNameFails() throws IOException {
        PluginRegistry<WidgetProvider> registry = load(Alpha.class.getName());

        assertThatThrownBy(() -> registry.enabled(List.of("alpha", "nope")))
                .isInstanceOf(PluginException.class)
                .hasMessage("unknown widget plugin 'nope'; available: [alpha]");
    }

    @Test
    void kindIsDerivedFromTheProviderInterface() {
        assertThat(PluginRegistry.of(JudgeProvider.class, List.of()).kind()).isEqualTo("judge");
        assertThat(PluginRegistry.of(ServingBackendProvider.class, List.of()).kind()).isEqualTo("serving-backend");
        assertThat(PluginRegistry.of(AdapterStoreProvider.class, List.of()).kind()).isEqualTo("adapter-store");
        assertThat(PluginRegistry.of(RedactorProvider.class, List.of()).kind()).isEqualTo("redactor");
        assertThat(PluginRegistry.of(WidgetProvider.class, List.of()).kind()).isEqualTo("widget");
    }
}
