package dev.feedloop.vllm;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code plugins.vllm.*} settings, parsed once and checked.
 *
 * @param url the server's base URL
 * @param mode how adapters are activated
 * @param directory {@code VLLM_LORA_RESOLVER_CACHE_DIR} as this process sees it; null in {@link Mode#API}
 * @param apiKey the server's {@code --api-key}, or null
 * @param timeout connect and request timeout
 * @param maxLoraRank the server's {@code --max-lora-rank}
 */
record VllmConfig(URI url, Mode mode, Path directory, String apiKey, Duration timeout, int maxLoraRank) {
    static final Set<String> KEYS = Set.of("url", "mode", "directory", "api-key", "timeout", "max-lora-rank");
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_MAX_LORA_RANK = 16;

    /** How adapters are activated. */
    enum Mode {
        /** {@code POST /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter}. */
        API,
        /** Copy into the filesystem resolver's cache directory; the first request naming the adapter loads it. */
        DIRECTORY
    }

    /**
     * Reads and checks the settings.
     *
     * @throws PluginException naming the first bad key
     */
    static VllmConfig from(PluginContext ctx) {
        Settings.onlyKnownKeys(ctx, KEYS);
        URI url = Settings.url(ctx);
        String rawMode = ctx.get("mode", "api").strip().toLowerCase(Locale.ROOT);
        Mode mode = switch (rawMode) {
            case "api" -> Mode.API;
            case "directory" -> Mode.DIRECTORY;
            default -> throw new PluginException(Settings.key(ctx, "mode") + " = '" + ctx.get("mode", "")
                    + "': must be 'api' or 'directory'");
        };
        Path directory = null;
        if (mode == Mode.DIRECTORY) {
            directory = Settings.existingDirectory(ctx, "directory");
        } else if (ctx.config().containsKey("directory")) {
            throw new PluginException(Settings.key(ctx, "directory") + " is only used with "
                    + Settings.key(ctx, "mode") + " = directory");
        }
        Duration timeout = Settings.positiveDuration(ctx, "timeout", DEFAULT_TIMEOUT);
        int maxRank = ctx.getInt("max-lora-rank", DEFAULT_MAX_LORA_RANK, 1, 65536);
        return new VllmConfig(url, mode, directory, Settings.apiKey(ctx), timeout, maxRank);
    }
}
