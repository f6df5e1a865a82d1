package dev.feedloop.djl.safetensors;

import java.io.IOException;

/**
 * A safetensors file, or a sharded checkpoint index, is malformed. The message names the source, the problem
 * and, where there is one, the tensor.
 */
public class SafetensorsFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the source, the problem and the tensor it concerns
     */
    public SafetensorsFormatException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message the source, the problem and the tensor it concerns
     * @param cause the underlying parse error
     */
    public SafetensorsFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
