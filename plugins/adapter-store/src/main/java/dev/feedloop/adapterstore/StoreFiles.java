package dev.feedloop.adapterstore;

import dev.feedloop.contracts.io.DurableFiles;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.DosFileAttributeView;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** File operations of the store: a copy that hashes while it writes, read-only files, and tree fsyncs. */
final class StoreFiles {
    private static final int BUFFER = 1 << 16;

    private StoreFiles() {}

    /**
     * What one {@link #copy} wrote.
     *
     * @param size bytes written
     * @param sha256 lower-case hex SHA-256 of those bytes
     * @param overLimit whether the source had more than the limit; then only {@code limit + 1} bytes were read
     */
    record Copied(long size, String sha256, boolean overLimit) {}

    /**
     * Copies {@code in} into the new file {@code to}, computing its size and SHA-256 on the way, and fsyncs it.
     * Reads at most {@code limit + 1} bytes, so an endless or oversized source stops early.
     *
     * @param in the source; not closed
     * @param to a file that must not exist; its parent must
     * @param limit the most bytes the caller expects
     * @return what was written
     * @throws java.nio.file.FileAlreadyExistsException if {@code to} exists
     * @throws IOException if reading or writing fails
     */
    static Copied copy(InputStream in, Path to, long limit) throws IOException {
        MessageDigest sha256 = sha256();
        long size = 0;
        boolean overLimit = false;
        try (FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            byte[] buffer = new byte[BUFFER];
            while (true) {
                long room = limit - size; // read one byte more than allowed, to notice an oversized source
                int n = in.read(buffer, 0, room >= buffer.length ? buffer.length : (int) room + 1);
                if (n < 0) {
                    break;
                }
                sha256.update(buffer, 0, n);
                ByteBuffer bb = ByteBuffer.wrap(buffer, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
                size += n;
                if (size > limit) {
                    overLimit = true;
                    break;
                }
            }
            out.force(true);
        }
        return new Copied(size, HexFormat.of().formatHex(sha256.digest()), overLimit);
    }

    /** Removes every write permission from a file (POSIX), or sets its read-only attribute (DOS). */
    static void makeReadOnly(Path file) throws IOException {
        PosixFileAttributeView posix =
                Files.getFileAttributeView(file, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (posix != null) {
            Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
            perms.addAll(posix.readAttributes().permissions());
            perms.removeAll(EnumSet.of(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.OTHERS_WRITE));
            posix.setPermissions(perms);
            return;
        }
        DosFileAttributeView dos = Files.getFileAttributeView(file, DosFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        if (dos != null) {
            dos.setReadOnly(true);
        }
    }

    /** Fsyncs {@code dir} and every directory below it, deepest first, so all their entries are durable. */
    static void syncTree(Path dir) throws IOException {
        List<Path> dirs;
        try (Stream<Path> walk = Files.walk(dir)) {
            dirs = walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .collect(Collectors.toCollection(ArrayList::new));
        }
        dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path d : dirs) {
            DurableFiles.syncDirectory(d);
        }
    }

    /** Deletes a tree if it exists, adding any failure to {@code primary} instead of throwing. */
    static void deleteQuietly(Path path, Throwable primary) {
        if (path == null) {
            return;
        }
        try {
            DurableFiles.deleteRecursively(path);
        } catch (IOException | RuntimeException e) {
            if (primary != null) {
                primary.addSuppressed(e);
            }
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
