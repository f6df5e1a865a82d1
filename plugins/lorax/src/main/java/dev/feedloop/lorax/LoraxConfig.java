package dev.feedloop.lorax;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import java.net.URI;
import java.time.Duration;
import java.util.Set;

/**
 * The {@code plugins.lorax.*} settings, parsed once and checked.
 *
 * @param url the LoRAX router's base URL
 * @param baseModel the name samples for the base model use; null to take {@code model_id} from {@code GET /info}
 * @param apiKey sent as a bearer token (for a proxy in front; LoRAX itself reads a bearer as a hub token), or null
 * @param timeout connect and request timeout
 * @param maxLoraRank the largest adapter rank accepted; {@link #NO_RANK_LIMIT} when not set
 */
record LoraxConfig(URI url, String baseModel, String apiKey, Duration timeout, int maxLoraRank) {
    static final Set<String> KEYS = Set.of("url", "base-model", "api-key", "timeout", "max-lora-rank");
    /** LoRAX has no rank flag; without {@code max-lora-rank} every rank passes the driver's check. */
    static final int NO_RANK_LIMIT = 65536;

    /**
     * Reads and checks the settings.
     *
     * @throws PluginException naming the first bad key
     */
    static LoraxConfig from(PluginContext ctx) {
        Settings.onlyKnownKeys(ctx, KEYS);
        URI url = Settings.url(ctx);
        String base = ctx.get("base-model", null);
        if (base != null && base.isBlank()) {
            throw new PluginException(Settings.key(ctx, "base-model") + " is blank; leave it out to use GET /info");
        }
        Duration timeout = Settings.positiveDuration(ctx, "timeout", Duration.ofSeconds(30));
        int maxRank = ctx.getInt("max-lora-rank", NO_RANK_LIMIT, 1, NO_RANK_LIMIT);
        return new LoraxConfig(url, base == null ? null : base.strip(), Settings.apiKey(ctx), timeout, maxRank);
    }
}
