package dev.feedloop.redactor;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.RedactorProvider;

/**
 * Makes the redactor named {@code default}: e-mail addresses, phone numbers, card numbers, IPv4 and IPv6
 * addresses, IBANs and secrets become {@code <EMAIL>}, {@code <PHONE>}, {@code <CARD>}, {@code <IPV4>},
 * {@code <IPV6>}, {@code <IBAN>} and {@code <SECRET>}, and configured deny terms {@code <DENY>}.
 *
 * <pre>{@code
 * plugins:
 *   enabled: [default]
 *   default:
 *     detectors: EMAIL,PHONE,CARD,IPV4,IPV6,IBAN,SECRET   # the default: all of them
 *     allow: support@example.com,+1 800 555 0199          # exact strings never redacted
 *     deny: Project Falcon,ACME-internal                  # whole-word terms always redacted, any case
 * }</pre>
 *
 * <p>Lists are comma-separated and each entry is trimmed, so an entry cannot contain a comma. Detector names are
 * case-insensitive. See {@code DefaultRedactor} for how overlapping findings, the allow list and existing
 * placeholders are handled, and the scanner classes for what each detector accepts.
 */
public final class DefaultRedactorProvider implements RedactorProvider {
    /** The plugin's name, in {@code plugins.enabled} and as the prefix of its settings. */
    public static final String NAME = "default";

    /** For {@link java.util.ServiceLoader}; does nothing. */
    public DefaultRedactorProvider() {}

    @Override
    public String name() {
        return NAME;
    }

    /**
     * Validates the settings and builds the detectors; the redactor it returns holds no resources.
     *
     * @throws PluginException naming {@code plugins.<name>.<key>} for an unknown key, or {@code
     *     plugins.<name>.detectors} with the valid names for an unknown or empty detector list
     */
    @Override
    public Redactor create(PluginContext context) {
        return new DefaultRedactor(RedactorConfig.from(context));
    }
}
