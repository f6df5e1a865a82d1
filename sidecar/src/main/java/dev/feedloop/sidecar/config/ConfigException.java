package dev.feedloop.sidecar.config;

/**
 * Invalid configuration. The message is one line naming the key, the value, where it came from and
 * what is allowed, e.g. {@code tap.port = 'eighty' (from FEEDLOOP_TAP_PORT): must be an integer from 1
 * to 65535}; startup prints it and exits.
 */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
