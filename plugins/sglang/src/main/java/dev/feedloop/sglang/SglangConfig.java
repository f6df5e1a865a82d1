package dev.feedloop.sglang;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code plugins.sglang.*} settings, parsed once and checked.
 *
 * @param url the server's base URL
 * @param baseModel the served model name, the part before the colon in {@code <base>:<adapter>}
 * @param apiKey the server's API key (its admin key, if it has one, for the LoRA routes), or null
 * @param timeout connect and request timeout
 * @param maxLoraRank the server's {@code --max-lora-rank}
 */
record SglangConfig(URI url, String baseModel, String apiKey, Duration timeout, int maxLoraRank) {
    static final Set<String> KEYS = Set.of("url", "base-model", "api-key", "timeout", "max-lora-rank");

    /**
     * Reads and checks the settings.
     *
     * @throws PluginException naming the first bad key
     */
    static SglangConfig from(PluginContext ctx) {
        Settings.onlyKnownKeys(ctx, KEYS);
        URI url = Settings.url(ctx);
        String base = ctx.require("base-model").strip();
        if (base.contains(":")) {
            throw new PluginException(Settings.key(ctx, "base-model") + " = '" + base + "': must not contain ':' "
                    + "(SGLang splits model names at the first colon)");
        }
        Duration timeout = Settings.positiveDuration(ctx, "timeout", Duration.ofSeconds(30));
        int maxRank = ctx.getInt("max-lora-rank", 16, 1, 65536);
        return new SglangConfig(url, base, Settings.apiKey(ctx), timeout, maxRank);
    }
}
