package dev.feedloop.vllm;

import dev.feedloop.contracts.io.DurableFiles;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The adapter directory on disk: the servability check every driver runs before talking to the server, and
 * the atomic publication of an adapter into a directory a server watches (vLLM's filesystem resolver cache,
 * NIM's {@code NIM_PEFT_SOURCE}).
 *
 * <p>All methods do blocking file I/O: call them on the plugin's blocking executor, never on an event loop.
 * They are stateless and thread-safe; two publications of one name race safely (one rename wins, the other
 * sees the winner and compares contents).
 */
final class AdapterFiles {
    /** The weights file PEFT writes. */
    static final String SAFETENSORS = "adapter_model.safetensors";
    /** The older pickle weights file, still accepted by servers. */
    static final String BIN = "adapter_model.bin";

    /** Names that are safe as a directory name and as a model id: no separators, no leading dot. */
    private static final Pattern DIRECTORY_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    private AdapterFiles() {}

    /** Runs just before the rename that publishes a directory; a test seam for atomicity. */
    @FunctionalInterface
    interface BeforeRename {
        /** Does nothing. */
        BeforeRename NONE = (staged, target) -> { };

        /**
         * Called with the complete, synced staging directory and the target that does not exist yet.
         *
         * @throws IOException to abort the publication
         */
        void run(Path staged, Path target) throws IOException;
    }

    /** What {@link #publish} found. */
    enum Published {
        /** The adapter was copied in under its name. */
        CREATED,
        /** A directory with identical content already had the name; nothing was written. */
        ALREADY_PRESENT
    }

    /**
     * Checks that a directory is an adapter the server would accept: an {@code adapter_config.json} that
     * parses and passes {@link AdapterConfig#validateForServing}, and a weights file.
     *
     * @param stack the server's name, for messages
     * @param dir the adapter directory
     * @param maxRank the server's {@code --max-lora-rank}
     * @return the config
     * @throws BackendException {@code REJECTED} listing every reason, before anything is sent anywhere
     */
    static AdapterConfig checkServable(String stack, Path dir, int maxRank) {
        AdapterConfig config;
        try {
            config = AdapterConfig.read(dir);
        } catch (NoSuchFileException e) {
            throw new BackendException(Reason.REJECTED, dir + " is not a PEFT adapter directory: no "
                    + AdapterConfig.FILE_NAME, e);
        } catch (IOException e) {
            throw new BackendException(Reason.REJECTED, "cannot read the adapter config in " + dir + ": "
                    + e.getMessage(), e);
        }
        List<String> reasons = new ArrayList<>(config.validateForServing(maxRank));
        if (!Files.isRegularFile(dir.resolve(SAFETENSORS)) && !Files.isRegularFile(dir.resolve(BIN))) {
            reasons.add("there is no " + SAFETENSORS + " (or " + BIN + ")");
        }
        if (!reasons.isEmpty()) {
            throw new BackendException(Reason.REJECTED, stack + " would refuse the adapter in " + dir + ": "
                    + String.join("; ", reasons));
        }
        return config;
    }

    /**
     * Checks that a name can be a directory under a watched root.
     *
     * @throws BackendException {@code REJECTED} if it could escape the root, be hidden, or is too long
     */
    static void checkDirectoryName(String name) {
        if (!DIRECTORY_NAME.matcher(name).matches()) {
            throw new BackendException(Reason.REJECTED, "adapter name '" + name + "' cannot be a directory name: use "
                    + "letters, digits, '.', '_' and '-', starting with a letter or digit, at most 128 characters");
        }
    }

    /**
     * Publishes a copy of {@code source} as {@code root/name}, atomically: the files are copied into a hidden
     * staging sibling {@code root/.staging-<name>-<uuid>}, each fsynced, the staging directory fsynced, then
     * renamed to {@code root/name} and {@code root} fsynced. A watcher of {@code root} sees either no
     * {@code name} or the complete adapter. On failure the staging directory is removed.
     *
     * @param source the adapter directory to copy (regular files, recursively)
     * @param root the watched directory, on one file system with the staging sibling
     * @param name the directory name, checked with {@link #checkDirectoryName}
     * @param hook runs just before the rename
     * @return whether the directory was created or an identical one was there
     * @throws BackendException {@code REJECTED} if a directory with different content already has the name
     * @throws IOException if copying, syncing or renaming fails
     */
    static Published publish(Path source, Path root, String name, BeforeRename hook) throws IOException {
        Path target = root.resolve(name);
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return alreadyThere(source, target);
        }
        Path staging = root.resolve(".staging-" + name + "-" + UUID.randomUUID());
        try {
            copyTree(source, staging);
            hook.run(staging, target);
            try {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                // rename(2) onto a directory another publisher created meanwhile: ENOTEMPTY, which the JDK
                // reports as a plain FileSystemException, not DirectoryNotEmptyException
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    throw e;
                }
                DurableFiles.deleteRecursively(staging);
                return alreadyThere(source, target);
            }
        } catch (IOException | RuntimeException e) {
            try {
                DurableFiles.deleteRecursively(staging);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        DurableFiles.syncDirectory(root);
        return Published.CREATED;
    }

    private static Published alreadyThere(Path source, Path target) throws IOException {
        if (sameContent(source, target)) {
            return Published.ALREADY_PRESENT;
        }
        throw new BackendException(Reason.REJECTED, target + " already exists with different content; adapter "
                + "names are never reused, publish the new version under a new name");
    }

    /**
     * Copies the tree, {@code adapter_config.json} last: a scanner that looks into the staging directory (NIM
     * may list hidden directories too) finds no config, so no adapter, while the weights are being copied.
     */
    private static void copyTree(Path source, Path staging) throws IOException {
        Files.createDirectory(staging);
        List<Path> dirs = new ArrayList<>();
        dirs.add(staging);
        Path config = null;
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                if (p.equals(source)) {
                    continue;
                }
                Path dest = staging.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectory(dest);
                    dirs.add(dest);
                } else if (p.equals(source.resolve(AdapterConfig.FILE_NAME))) {
                    config = p;
                } else if (Files.isRegularFile(p)) {
                    DurableFiles.writeAndSync(dest, out -> Files.copy(p, out));
                }
            }
        }
        if (config != null) {
            Path from = config;
            DurableFiles.writeAndSync(staging.resolve(AdapterConfig.FILE_NAME), out -> Files.copy(from, out));
        }
        for (int i = dirs.size() - 1; i >= 0; i--) {
            DurableFiles.syncDirectory(dirs.get(i));
        }
    }

    /**
     * Whether two directories hold the same regular files with the same bytes (recursively).
     *
     * @throws IOException if reading fails
     */
    static boolean sameContent(Path a, Path b) throws IOException {
        if (!Files.isDirectory(b)) {
            return false;
        }
        List<String> filesA = files(a);
        if (!filesA.equals(files(b))) {
            return false;
        }
        for (String f : filesA) {
            if (Files.mismatch(a.resolve(f), b.resolve(f)) != -1) {
                return false;
            }
        }
        return true;
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    /**
     * Takes {@code root/name} out of a watcher's view by renaming it to a hidden sibling, atomically.
     *
     * @return the hidden directory to {@link #delete} (or {@link #restore}), or null if there was no
     *     {@code root/name}
     * @throws IOException if renaming fails
     */
    static Path hide(Path root, String name) throws IOException {
        Path target = root.resolve(name);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return null;
        }
        Path hidden = root.resolve(".retired-" + name + "-" + UUID.randomUUID());
        try {
            Files.move(target, hidden, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException raced) {
            return null;
        }
        DurableFiles.syncDirectory(root);
        return hidden;
    }

    /** Puts a hidden directory back under its name (when a retirement could not complete). */
    static void restore(Path hidden, Path root, String name) throws IOException {
        Files.move(hidden, root.resolve(name), StandardCopyOption.ATOMIC_MOVE);
        DurableFiles.syncDirectory(root);
    }

    /** Deletes a hidden directory and fsyncs its parent. */
    static void delete(Path hidden) throws IOException {
        DurableFiles.deleteRecursively(hidden);
        DurableFiles.syncDirectory(hidden.getParent());
    }

    /**
     * The adapter directories under a watched root: visible subdirectories (not the staging or retired ones).
     *
     * @throws IOException if listing fails
     */
    static List<String> publishedNames(Path root) throws IOException {
        try (Stream<Path> list = Files.list(root)) {
            return list.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith(".")).sorted().toList();
        }
    }
}
