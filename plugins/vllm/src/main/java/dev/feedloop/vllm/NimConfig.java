package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code plugins.nim.*} settings, parsed once and checked.
 *
 * @param url the NIM's base URL
 * @param directory {@code NIM_PEFT_SOURCE} as this process sees it
 * @param apiKey a bearer token, or null
 * @param timeout how long activation and retirement wait for {@code /v1/models} to change, and the request timeout
 * @param pollInterval the pause between two looks at {@code /v1/models}
 * @param maxLoraRank the NIM's {@code NIM_MAX_LORA_RANK}
 */
record NimConfig(URI url, Path directory, String apiKey, Duration timeout, Duration pollInterval, int maxLoraRank) {
    static final Set<String> KEYS = Set.of("url", "directory", "api-key", "timeout", "poll-interval",
            "max-lora-rank");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);
    static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    /**
     * Reads and checks the settings.
     *
     * @throws PluginException naming the first bad key
     */
    static NimConfig from(PluginContext ctx) {
        Settings.onlyKnownKeys(ctx, KEYS);
        URI url = Settings.url(ctx);
        Path directory = Settings.existingDirectory(ctx, "directory");
        Duration timeout = Settings.positiveDuration(ctx, "timeout", DEFAULT_TIMEOUT);
        Duration poll = Settings.positiveDuration(ctx, "poll-interval", DEFAULT_POLL_INTERVAL);
        int maxRank = ctx.getInt("max-lora-rank", VllmConfig.DEFAULT_MAX_LORA_RANK, 1, 65536);
        return new NimConfig(url, directory, Settings.apiKey(ctx), timeout, poll, maxRank);
    }
}
