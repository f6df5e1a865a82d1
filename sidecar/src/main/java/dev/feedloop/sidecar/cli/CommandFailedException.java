package dev.feedloop.sidecar.cli;

/** A command failed for a reason its message explains in one line; the CLI exits with 1. */
final class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CommandFailedException(String message) {
        super(message);
    }

    CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
