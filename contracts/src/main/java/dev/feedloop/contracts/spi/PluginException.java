package dev.feedloop.contracts.spi;

/** A plugin cannot be found, loaded or configured. Stops startup with its message. */
public class PluginException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PluginException(String message) {
        super(message);
    }

    public PluginException(String message, Throwable cause) {
        super(message, cause);
    }
}
