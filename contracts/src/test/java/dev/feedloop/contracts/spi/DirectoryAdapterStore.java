package dev.feedloop.contracts.spi;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.AdapterRelease.AdapterFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Test-only {@link AdapterStore} on a local directory: version {@code v} of {@code name} lives in
 * {@code <root>/<name>/<v>} and is published as a {@code file:} URI.
 *
 * <p>Publish copies the source into a temporary sibling, fsyncs it and renames it into place; fetch
 * copies the listed files from the URI into a temporary sibling of the target, checks each file's
 * size and sha256, and renames it into place only when all match. A failed operation deletes its
 * temporary directory. I/O runs on the store's own thread, closed with the store.
 *
 * <p>With {@code verify} false the store skips the checks on fetch; the contract self-test uses that
 * to show that the contract notices.
 */
final class DirectoryAdapterStore implements AdapterStore {
    private final Path root;
    private final boolean verify;
    private final ExecutorService io = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "directory-adapter-store-io");
        t.setDaemon(true);
        return t;
    });

    DirectoryAdapterStore(Path root) {
        this(root, true);
    }

    DirectoryAdapterStore(Path root, boolean verify) {
        this.root = root;
        this.verify = verify;
    }

    @Override
    public CompletionStage<Published> publish(String name, int version, Path sourceDirectory) {
        return async(() -> {
            Path familyDir = root.resolve(name);
            Path dest = familyDir.resolve(Integer.toString(version));
            if (Files.exists(dest)) {
                throw alreadyPublished(name, version, null);
            }
            Path tmp = null;
            try {
                Files.createDirectories(familyDir);
                tmp = Files.createTempDirectory(familyDir, "." + version + ".publish-");
                List<AdapterFile> files = new ArrayList<>();
                for (Path file : regularFiles(sourceDirectory)) {
                    String rel = relative(sourceDirectory, file);
                    files.add(copy(file, tmp.resolve(rel), rel));
                }
                files.sort(Comparator.comparing(AdapterFile::path));
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
                return new Published(dest.toUri().toString(), files);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                throw alreadyPublished(name, version, e);
            } catch (IOException e) {
                throw new StoreException(
                        StoreException.Reason.IO, "cannot publish " + name + " v" + version + ": " + e, e);
            } finally {
                deleteQuietly(tmp);
            }
        });
    }

    @Override
    public CompletionStage<Path> fetch(AdapterRelease release, Path targetDirectory) {
        return async(() -> {
            Path source = Path.of(URI.create(release.uri()));
            if (!Files.isDirectory(source)) {
                throw new StoreException(StoreException.Reason.NOT_FOUND, "no adapter directory at " + release.uri());
            }
            if (Files.exists(targetDirectory)) {
                throw new StoreException(StoreException.Reason.IO, "target " + targetDirectory + " already exists");
            }
            Path tmp = null;
            try {
                Path parent = targetDirectory.toAbsolutePath().getParent();
                Files.createDirectories(parent);
                tmp = Files.createTempDirectory(parent, "." + targetDirectory.getFileName() + ".fetch-");
                for (AdapterFile expected : release.files()) {
                    Path from = source.resolve(expected.path()).normalize();
                    Path to = tmp.resolve(expected.path()).normalize();
                    if (!from.startsWith(source) || !to.startsWith(tmp)) {
                        throw new StoreException(StoreException.Reason.INTEGRITY,
                                "file path escapes the adapter directory: " + expected.path());
                    }
                    AdapterFile actual;
                    try {
                        actual = copy(from, to, expected.path());
                    } catch (NoSuchFileException e) {
                        throw new StoreException(StoreException.Reason.INTEGRITY, "missing file " + expected.path(), e);
                    }
                    if (verify && !actual.equals(expected)) {
                        throw new StoreException(
                                StoreException.Reason.INTEGRITY, "expected " + expected + ", fetched " + actual);
                    }
                }
                Files.move(tmp, targetDirectory, StandardCopyOption.ATOMIC_MOVE);
                tmp = null;
                return targetDirectory;
            } catch (IOException e) {
                throw new StoreException(StoreException.Reason.IO, "cannot fetch " + release.uri() + ": " + e, e);
            } finally {
                deleteQuietly(tmp);
            }
        });
    }

    @Override
    public void close() {
        io.shutdownNow();
    }

    private static StoreException alreadyPublished(String name, int version, Throwable cause) {
        return new StoreException(
                StoreException.Reason.ALREADY_PUBLISHED, name + " v" + version + " is already published", cause);
    }

    private <T> CompletionStage<T> async(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, io);
    }

    /** Copies one file, fsyncs the copy, and returns what was written. */
    private static AdapterFile copy(Path from, Path to, String rel) throws IOException {
        Files.createDirectories(to.getParent());
        MessageDigest sha256 = sha256();
        long size;
        try (InputStream in = Files.newInputStream(from);
                OutputStream file = Files.newOutputStream(to, StandardOpenOption.CREATE_NEW);
                OutputStream out = new DigestOutputStream(file, sha256)) {
            size = in.transferTo(out);
        }
        try (FileChannel ch = FileChannel.open(to, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        return new AdapterFile(rel, size, HexFormat.of().formatHex(sha256.digest()));
    }

    private static List<Path> regularFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(dir.getFileSystem().getSeparator(), "/");
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover temporary directory is harmless and has a recognisable name
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
