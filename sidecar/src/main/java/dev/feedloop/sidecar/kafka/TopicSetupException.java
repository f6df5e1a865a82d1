package dev.feedloop.sidecar.kafka;

/** Topics could not be created or have the wrong layout; stops startup with the reason. */
public final class TopicSetupException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TopicSetupException(String message) {
        super(message);
    }

    public TopicSetupException(String message, Throwable cause) {
        super(message, cause);
    }
}
