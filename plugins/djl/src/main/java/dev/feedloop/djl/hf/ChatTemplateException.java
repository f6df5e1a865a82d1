package dev.feedloop.djl.hf;

/**
 * A chat template is missing, malformed, or failed to render; for a template that called
 * {@code raise_exception(msg)}, the message is exactly {@code msg}.
 */
public final class ChatTemplateException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A failure described by {@code message}. */
    public ChatTemplateException(String message) {
        super(message);
    }

    /** A failure described by {@code message}, caused by {@code cause}. */
    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
