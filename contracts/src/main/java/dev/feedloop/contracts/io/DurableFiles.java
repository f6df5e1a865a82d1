package dev.feedloop.contracts.io;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.UUID;

/**
 * Crash-safe file writes: write a temporary sibling, fsync it, rename it over the target, fsync the directory.
 *
 * <p>Readers of the target path see either the old content or the complete new content, never a partial file,
 * provided the file system supports atomic rename within a directory (every local POSIX file system does).
 * Temporary files are created with default permissions (subject to the umask), so the final file is as readable
 * as one written with {@link Files#write}. All methods are stateless and safe to call from any thread; concurrent
 * writers of the same target do not corrupt it, and the last rename wins.
 */
public final class DurableFiles {
    private DurableFiles() {
    }

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Body {
        /**
         * Writes the whole content. The stream is buffered; do not close it.
         *
         * @param out the destination
         * @throws IOException if writing fails; the target is then left untouched
         */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Atomically replaces (or creates) {@code file} with the content that {@code body} writes.
     *
     * <p>The content goes to a hidden temporary file in the same directory, which is fsynced, renamed onto
     * {@code file} with {@link StandardCopyOption#ATOMIC_MOVE}, after which the directory is fsynced. On any
     * failure the temporary file is deleted and {@code file} keeps its previous content.
     *
     * @param file the target; its parent directory must exist
     * @param body writes the content
     * @throws AtomicMoveNotSupportedException if the file system cannot rename atomically
     * @throws IOException if writing, syncing or renaming fails
     */
    public static void writeAtomically(Path file, Body body) throws IOException {
        Objects.requireNonNull(body, "body");
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            writeAndSync(tmp, body);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(dir);
    }

    /**
     * Creates {@code file} (which must not exist) with the content that {@code body} writes, and fsyncs it.
     * Not atomic: use it for files inside a private directory that is itself renamed into place afterwards.
     *
     * @throws FileAlreadyExistsException if {@code file} exists
     * @throws IOException if writing or syncing fails
     */
    public static void writeAndSync(Path file, Body body) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
            body.writeTo(out);
            out.flush();
            ch.force(true);
        }
    }

    /**
     * Fsyncs a directory so that entries created, renamed or deleted in it survive a crash.
     *
     * <p>Where the platform cannot open a directory at all (Windows), the call does nothing: the data itself has
     * already been synced and only the directory entry is at risk. An error while syncing an opened directory
     * propagates.
     *
     * @throws NoSuchFileException if {@code dir} does not exist
     * @throws IOException if syncing fails
     */
    public static void syncDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "not a directory");
        }
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException unsupported) {
            // This platform cannot open a directory (Windows); nothing more can be done portably.
            return;
        }
        try (ch) {
            ch.force(true); // a failure here is a real I/O error and propagates
        }
    }

    /**
     * Deletes a file or a directory tree. Symbolic links are deleted, never followed. A missing path is fine.
     *
     * @throws IOException if something could not be deleted
     */
    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
