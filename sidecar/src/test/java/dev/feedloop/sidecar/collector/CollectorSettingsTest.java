package dev.feedloop.sidecar.collector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.sidecar.config.FeedloopConfig.TopicsConfig;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CollectorSettingsTest {
    private static final Collector.Settings DEFAULTS = Collector.Settings.defaults(TopicsConfig.defaults(), "assistant");

    @Test
    void defaultsAreATenMinuteWindowAndAHundredThousandEntriesForAllTenants() {
        assertThat(DEFAULTS.groupId()).isEqualTo("feedloop-collector");
        assertThat(DEFAULTS.window()).isEqualTo(Duration.ofMinutes(10));
        assertThat(DEFAULTS.maxEntries()).isEqualTo(100_000);
        assertThat(DEFAULTS.tenant()).isEmpty();
        assertThat(DEFAULTS.aliasFallback()).isEqualTo("assistant");
        assertThat(DEFAULTS.topics()).isEqualTo(TopicsConfig.defaults());
        assertThat(DEFAULTS.withTenant("acme").tenant()).isEqualTo(Optional.of("acme"));
    }

    @Test
    void settingsOutOfRangeAreRejectedWithTheirName() {
        assertThatThrownBy(() -> DEFAULTS.withWindow(Duration.ZERO)).hasMessage("window must be positive, got PT0S");
        assertThatThrownBy(() -> DEFAULTS.withMaxEntries(0)).hasMessage("maxEntries must be at least 1, got 0");
        assertThatThrownBy(() -> DEFAULTS.withGroupId(" ")).hasMessage("groupId must not be blank");
        assertThatThrownBy(() -> DEFAULTS.withPollTimeout(Duration.ofMillis(-1)))
                .hasMessage("pollTimeout must be positive, got PT-0.001S");
        assertThatThrownBy(() -> Collector.Settings.defaults(TopicsConfig.defaults(), "Assistant"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("aliasFallback 'Assistant' is not an alias (lower-case letters, digits and ._-, starting with a "
                        + "letter or digit, at most 63 characters)");
    }
}
