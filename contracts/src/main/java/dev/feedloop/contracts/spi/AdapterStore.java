package dev.feedloop.contracts.spi;

import dev.feedloop.contracts.event.AdapterRelease;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Publishes immutable adapter directories (trainer side) and fetches them with verification (tap side).
 *
 * <p><b>Guarantees:</b> a published version is never modified or replaced; {@link #fetch} completes
 * only after every file's size and sha256 matched the release, and leaves nothing at the target when
 * they do not.
 *
 * <p><b>Threading:</b> called from sidecar worker threads; the methods return at once and do their
 * I/O on the plugin's threads or {@link PluginContext#blockingExecutor()}.
 */
public interface AdapterStore extends Plugin {
    /**
     * Publishes a PEFT adapter directory as version {@code version} of {@code name}: copies it to a
     * temporary place, fsyncs, and renames it into place atomically.
     *
     * @return where it was published and the manifest of its files
     * @throws StoreException {@link StoreException.Reason#ALREADY_PUBLISHED} (in the stage) if that
     *     version exists
     */
    CompletionStage<Published> publish(String name, int version, Path sourceDirectory);

    /**
     * Fetches a release into {@code targetDirectory} (created; must not exist) and verifies it.
     *
     * @return the target directory, complete and verified
     * @throws StoreException {@link StoreException.Reason#INTEGRITY} (in the stage) on a size or
     *     checksum mismatch or a missing file
     */
    CompletionStage<Path> fetch(AdapterRelease release, Path targetDirectory);

    /**
     * The result of a publish.
     *
     * @param uri where taps fetch it from
     * @param files every file with size and sha256, sorted by path
     */
    record Published(String uri, List<AdapterRelease.AdapterFile> files) {
        public Published {
            Objects.requireNonNull(uri, "uri");
            files = List.copyOf(files);
        }
    }

    /** A store operation failed. */
    class StoreException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final Reason reason;

        public StoreException(Reason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = Objects.requireNonNull(reason, "reason");
        }

        public StoreException(Reason reason, String message) {
            this(reason, message, null);
        }

        /** What kind of failure. */
        public Reason reason() {
            return reason;
        }

        /** Failure kinds. */
        public enum Reason {
            /** That name and version was published before; versions are immutable. */
            ALREADY_PUBLISHED,
            /** No such release at the URI. */
            NOT_FOUND,
            /** A file is missing or its size or sha256 does not match the release. */
            INTEGRITY,
            /** Reading or writing failed. */
            IO
        }
    }
}
