package dev.feedloop.sidecar.capture;

/**
 * An exchange that cannot become a schema-valid {@code InferenceRecord}. The caller counts it by
 * {@link #reason()} and drops it (or dead-letters the offending payload); the message says what was
 * wrong in one line and never contains request or response text.
 */
public final class CaptureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Why an exchange could not be captured. */
    public enum Reason {
        /** The path is not an OpenAI chat or completions route. */
        UNSUPPORTED_ENDPOINT,
        /** The request body is not a JSON object. */
        REQUEST_UNREADABLE,
        /** The request is JSON but cannot be represented: no messages or prompt, an unknown role, ... */
        REQUEST_INVALID,
        /** A 2xx response body is neither a JSON object nor an event stream of JSON objects. */
        RESPONSE_UNREADABLE,
        /** The caller's metadata breaks the schema: an id, tenant, model name, status or time. */
        INVALID_METADATA
    }

    private final Reason reason;

    /**
     * @param reason the reason code
     * @param message what was wrong, without payload text
     */
    public CaptureException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /**
     * @param reason the reason code
     * @param message what was wrong, without payload text
     * @param cause the parser's exception
     */
    public CaptureException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** The reason code, for counting. */
    public Reason reason() {
        return reason;
    }
}
