package dev.feedloop.redactor;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The settings of one {@link DefaultRedactor}, parsed and validated once from {@code plugins.<name>.*}.
 *
 * @param detectors the enabled built-in detectors, at least one
 * @param allow exact strings never redacted, in the order given, without blanks
 * @param deny terms always redacted as {@code DENY}, matched case-insensitively as whole words, without blanks
 */
record RedactorConfig(Set<Detector> detectors, List<String> allow, List<String> deny) {
    static final String DETECTORS = "detectors";
    static final String ALLOW = "allow";
    static final String DENY = "deny";
    static final Set<String> KEYS = Set.of(DETECTORS, ALLOW, DENY);

    RedactorConfig {
        detectors = Set.copyOf(detectors);
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
    }

    /**
     * Reads and checks every setting.
     *
     * @throws PluginException naming {@code plugins.<name>.<key>} for an unknown key, an unknown detector or an
     *     empty detector list
     */
    static RedactorConfig from(PluginContext ctx) {
        for (String key : ctx.config().keySet()) {
            if (!KEYS.contains(key)) {
                throw new PluginException(fullKey(ctx, key) + " is not a setting of plugin '" + ctx.pluginName()
                        + "'; known settings: " + new TreeSet<>(KEYS));
            }
        }
        return new RedactorConfig(detectors(ctx), list(ctx.get(ALLOW, "")), list(ctx.get(DENY, "")));
    }

    private static Set<Detector> detectors(PluginContext ctx) {
        String v = ctx.config().get(DETECTORS);
        if (v == null) {
            return EnumSet.allOf(Detector.class);
        }
        Set<Detector> detectors = EnumSet.noneOf(Detector.class);
        for (String name : list(v)) {
            try {
                detectors.add(Detector.valueOf(name.toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new PluginException(fullKey(ctx, DETECTORS) + " = '" + v + "': unknown detector '" + name
                        + "'; valid detectors: " + Detector.names(), e);
            }
        }
        if (detectors.isEmpty()) {
            throw new PluginException(fullKey(ctx, DETECTORS) + " = '" + v + "': name at least one of "
                    + Detector.names() + ", or leave it unset for all of them");
        }
        return detectors;
    }

    /** A comma list, each entry trimmed, blanks dropped. */
    private static List<String> list(String v) {
        List<String> out = new ArrayList<>();
        for (String part : v.split(",", -1)) {
            String s = part.trim();
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static String fullKey(PluginContext ctx, String key) {
        return "plugins." + ctx.pluginName() + "." + key;
    }
}
