package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.PluginRegistry;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.RedactorProvider;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Discovery and settings of the {@code default} redactor. */
class DefaultRedactorProviderTest {
    @Test
    void serviceLoaderFindsTheProviderUnderTheNameDefault() {
        PluginRegistry<RedactorProvider> redactors =
                PluginRegistry.load(RedactorProvider.class, getClass().getClassLoader());

        assertThat(redactors.names()).contains("default");
        RedactorProvider provider = redactors.get("default");
        assertThat(provider).isInstanceOf(DefaultRedactorProvider.class);
        try (Redactor redactor = provider.create(PluginContext.of("default", Map.of()))) {
            assertThat(redactor.redact("mail jane@example.com").text()).isEqualTo("mail <EMAIL>");
        }
    }

    @Test
    void defaultsAreEveryDetectorAndEmptyLists() {
        RedactorConfig config = RedactorConfig.from(PluginContext.of("default", Map.of()));

        assertThat(config.detectors()).isEqualTo(EnumSet.allOf(Detector.class));
        assertThat(config.allow()).isEmpty();
        assertThat(config.deny()).isEmpty();
        assertThat(Detector.names()).containsExactly("EMAIL", "PHONE", "CARD", "IPV4", "IPV6", "IBAN", "SECRET");
    }

    @Test
    void everySettingIsRead() {
        RedactorConfig config = RedactorConfig.from(PluginContext.of("default", Map.of(
                "detectors", " email, Phone ,IBAN,,",
                "allow", "support@example.com, +1 800 555 0199 ,",
                "deny", "Project Falcon,  Bluebird")));

        assertThat(config.detectors()).containsExactlyInAnyOrder(Detector.EMAIL, Detector.PHONE, Detector.IBAN);
        assertThat(config.allow()).containsExactly("support@example.com", "+1 800 555 0199");
        assertThat(config.deny()).containsExactly("Project Falcon", "Bluebird");
    }

    @Test
    void onlyTheConfiguredDetectorsRun() {
        Redactor redactor = new DefaultRedactorProvider().create(
                PluginContext.of("default", Map.of("detectors", "EMAIL")));

        assertThat(redactor.redact("jane@example.com, +1 415 555 0100, 10.0.0.1").text())
                .isEqualTo("<EMAIL>, +1 415 555 0100, 10.0.0.1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "colour | blue | plugins.default.colour is not a setting of plugin 'default'; known settings: "
                + "[allow, deny, detectors]",
        "detectors | EMAIL,SSN | plugins.default.detectors = 'EMAIL,SSN': unknown detector 'SSN'; valid detectors: "
                + "[EMAIL, PHONE, CARD, IPV4, IPV6, IBAN, SECRET]",
        "detectors | ' , ' | plugins.default.detectors = ' , ': name at least one of "
                + "[EMAIL, PHONE, CARD, IPV4, IPV6, IBAN, SECRET], or leave it unset for all of them",
    })
    void aBadSettingIsAPluginExceptionNamingTheKey(String key, String value, String message) {
        assertThatThrownBy(() -> new DefaultRedactorProvider().create(PluginContext.of("default", Map.of(key, value))))
                .isInstanceOf(PluginException.class).hasMessage(message);
    }

    @Test
    void messagesNameTheKeyUnderThePluginsOwnName() {
        assertThatThrownBy(() -> new DefaultRedactorProvider().create(
                PluginContext.of("pii", Map.of("detector", "EMAIL"))))
                .isInstanceOf(PluginException.class).hasMessageStartingWith("plugins.pii.detector is not a setting");
    }
}
