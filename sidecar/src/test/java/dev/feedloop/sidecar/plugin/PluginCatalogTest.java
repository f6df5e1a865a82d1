package dev.feedloop.sidecar.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.PluginException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PluginCatalogTest {
    private final PluginCatalog catalog = PluginCatalog.load(getClass().getClassLoader());

    @Test
    void discoversProvidersListedInMetaInfServices() {
        assertThat(catalog.available()).containsExactly(
                Map.entry("serving-backend", List.of("lorax", "nim", "sglang", "vllm")), Map.entry("judge", List.of("tie-judge")),
                Map.entry("adapter-store", List.of("local")), Map.entry("redactor", List.of("default")));
        assertThat(catalog.judges().get("tie-judge")).isInstanceOf(TieJudgeProvider.class);
    }

    @Test
    void resolvesEnabledNamesToTheirKind() {
        assertThat(catalog.resolve(List.of("tie-judge", "vllm", "local"))).containsExactly(Map.entry("tie-judge", "judge"),
                Map.entry("vllm", "serving-backend"), Map.entry("local", "adapter-store"));
        assertThat(catalog.resolve(List.of())).isEmpty();
    }

    @Test
    void unknownPluginListsWhatIsAvailable() {
        assertThatThrownBy(() -> catalog.resolve(List.of("tie-judge", "openai-judge")))
                .isInstanceOf(PluginException.class)
                .hasMessage("plugins.enabled names unknown plugin 'openai-judge'; available: "
                        + "{serving-backend=[lorax, nim, sglang, vllm], judge=[tie-judge], adapter-store=[local], redactor=[default]}");
    }

    @Test
    void repeatedPluginIsAnError() {
        assertThatThrownBy(() -> catalog.resolve(List.of("tie-judge", "tie-judge")))
                .hasMessage("plugins.enabled names plugin 'tie-judge' twice");
    }
}
