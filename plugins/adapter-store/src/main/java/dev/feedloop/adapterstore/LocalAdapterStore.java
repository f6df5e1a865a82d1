package dev.feedloop.adapterstore;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.AdapterRelease.AdapterFile;
import dev.feedloop.contracts.io.DurableFiles;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.peft.InvalidAdapterException;
import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.AdapterStore.StoreException.Reason;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginException;
import dev.feedloop.contracts.spi.PluginMetrics;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The {@code local} {@link AdapterStore}: the trainer publishes adapter versions into a directory it serves over
 * HTTP, and taps fetch them with {@code file:} or {@code http(s):} URIs, checking every file against the release.
 *
 * <h2>Layout of the root</h2>
 *
 * <pre>
 * &lt;root&gt;/&lt;name&gt;/&lt;version&gt;/adapter_config.json
 * &lt;root&gt;/&lt;name&gt;/&lt;version&gt;/adapter_model.safetensors
 * &lt;root&gt;/&lt;name&gt;/&lt;version&gt;/...                      every other regular file of the source, same relative path
 * &lt;root&gt;/&lt;name&gt;/&lt;version&gt;/feedloop-manifest.json     name, version and files (see below); not listed in itself
 * &lt;root&gt;/.tmp-&lt;uuid&gt;/                                a publish in progress; removed when a store starts
 * </pre>
 *
 * <p>{@code <name>} matches {@code ^[a-z0-9][a-z0-9._-]{0,62}$} and {@code <version>} is the decimal version
 * (1, 2, ...). A version directory appears complete and fsynced in one atomic rename, and is never modified
 * afterwards; its files are read-only. The manifest is
 * {@code {"name": ..., "version": ..., "files": [{"path": ..., "size": ..., "sha256": ...}, ...]}}, files sorted
 * by path, for people and tools only: fetch trusts the release, never the manifest.
 *
 * <h2>URL layout, for the server of the root</h2>
 *
 * <p>With {@code public-url} set, version {@code v} of {@code name} is published as
 * {@code <public-url><name>/<v>/}, for example {@code http://trainer:8090/adapters/assistant/3/}, and a tap
 * fetches each file of the release with
 *
 * <pre>
 * GET &lt;public-url&gt;&lt;name&gt;/&lt;version&gt;/&lt;relative path&gt;      e.g. GET /adapters/assistant/3/adapter_model.safetensors
 * </pre>
 *
 * <p>The server maps that URL path to {@code <root>/<name>/<version>/<relative path>} and answers:
 *
 * <ul>
 *   <li>{@code 200} with the file's exact bytes (no content encoding, no range) and preferably its
 *       {@code Content-Length}; {@code Content-Type: application/octet-stream} is fine for every file;
 *   <li>{@code 404} when there is no such regular file; it must also serve {@code feedloop-manifest.json} the
 *       same way, because a tap asks for it after a 404 to tell a missing version from a missing file;
 *   <li>nothing but {@code GET} (and {@code HEAD}), no directory listings, nothing outside the root: a
 *       relative path is one or more {@code /}-separated segments of {@code A-Z a-z 0-9 . _ -}, never empty,
 *       {@code .} or {@code ..}, so it needs no decoding, and anything else is a 404;
 *   <li>never {@code .tmp-*} entries (publishes in progress).
 * </ul>
 *
 * <p>Without {@code public-url} the URI is {@code file://<root>/<name>/<version>/}, for taps that share the
 * file system.
 *
 * <h2>Settings ({@code plugins.local.*})</h2>
 *
 * <table>
 *   <caption>settings</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code root}</td><td>none</td><td>directory versions are published into; required to publish</td></tr>
 *   <tr><td>{@code public-url}</td><td>none</td><td>http(s) base URL that serves {@code root}; needs {@code root}</td></tr>
 *   <tr><td>{@code cache}</td><td>none</td><td>directory on the tap where fetched versions are kept</td></tr>
 *   <tr><td>{@code timeout}</td><td>{@code 60s}</td><td>HTTP connect, response and body-idle timeout</td></tr>
 *   <tr><td>{@code max-bytes}</td><td>{@code 2GiB}</td><td>largest total release size fetch accepts</td></tr>
 * </table>
 *
 * <p>Unknown keys and bad values fail {@link LocalAdapterStoreProvider#create} with a {@link PluginException}
 * naming {@code plugins.local.<key>}. Creating the store creates {@code root} and {@code cache} and removes their
 * {@code .tmp-*} leftovers, so <b>a root or cache belongs to one sidecar process</b>.
 *
 * <h2>Fetch</h2>
 *
 * <p>Every file of {@link AdapterRelease#files()} is streamed into a hidden temporary sibling of the target while
 * its SHA-256 is computed, and checked against the release's size and sha256; only when all match is the
 * temporary directory renamed to the target. The manifest is not fetched. Failures, all as
 * {@link StoreException} in the stage, with nothing left at the target:
 *
 * <ul>
 *   <li>{@code INTEGRITY}: the release itself is unusable (invalid name or version, no files, a path that is not
 *       a canonical relative path such as {@code ../x} or {@code /etc/passwd}, a duplicate path, a bad sha256,
 *       a total size above {@code max-bytes}; all found before anything is downloaded), or a file's size or
 *       sha256 differs from the release (the message names the file and both values), or a file is missing
 *       from a version that exists;
 *   <li>{@code NOT_FOUND}: the version does not exist at the URI (no directory; over HTTP a 404 for a file
 *       and for the manifest);
 *   <li>{@code IO}: anything else: other HTTP statuses, timeouts, connection and disk errors, an unsupported
 *       URI, or an existing target.
 * </ul>
 *
 * <p>With {@code cache} set, a fetch first brings the version into {@code <cache>/<name>/<version>/} (verified
 * the same way) and then copies it to the target, verifying again; a later fetch of the same release copies from
 * the cache without any request, and a cached copy that no longer matches the release is discarded and fetched
 * again. The store never deletes cached versions otherwise.
 *
 * <p><b>Metrics</b> ({@code <name>} is the plugin name, {@code local}): {@code feedloop_<name>_publish_total} and
 * {@code feedloop_<name>_fetch_total} by {@code outcome} ({@code ok}, {@code already_published}, {@code not_found},
 * {@code integrity}, {@code io}, or {@code error} for a failure that is not a {@link StoreException}),
 * {@code feedloop_<name>_fetch_seconds} by {@code outcome}, and
 * {@code feedloop_<name>_fetch_bytes_total} by {@code source} ({@code origin} or {@code cache}).
 *
 * <p><b>Threading:</b> {@link #publish} and {@link #fetch} return at once; the work runs on
 * {@link PluginContext#blockingExecutor()}, one task per call, and the stage completes on that thread with exactly
 * the exception described (not wrapped). Instances are thread-safe.
 */
public final class LocalAdapterStore implements AdapterStore {
    /** The name of the manifest written into every published version. */
    public static final String MANIFEST = "feedloop-manifest.json";

    /** The files every published version must have. */
    static final List<String> REQUIRED = List.of(AdapterConfig.FILE_NAME, "adapter_model.safetensors");

    static final String TEMP_PREFIX = ".tmp-";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final LocalStoreConfig config;
    private final String pluginName;
    private final Executor executor;
    private final PluginMetrics metrics;
    private final String metricPrefix;
    private final Object clientLock = new Object();
    private HttpClient client; // guarded by clientLock; made on the first HTTP fetch
    private volatile boolean closed;

    private LocalAdapterStore(LocalStoreConfig config, PluginContext ctx) {
        this.config = config;
        this.pluginName = ctx.pluginName();
        this.executor = ctx.blockingExecutor();
        this.metrics = ctx.metrics();
        this.metricPrefix = "feedloop_" + ctx.pluginName().replace('-', '_') + "_";
    }

    /**
     * Validates the settings, creates {@code root} and {@code cache} if set, and removes their {@code .tmp-*}
     * leftovers.
     *
     * @throws PluginException naming {@code plugins.<name>.<key>} if a setting is invalid or a directory unusable
     */
    static LocalAdapterStore create(PluginContext ctx) {
        LocalStoreConfig config = LocalStoreConfig.from(ctx);
        prepareDirectory(ctx, LocalStoreConfig.ROOT, config.root());
        prepareDirectory(ctx, LocalStoreConfig.CACHE, config.cache());
        return new LocalAdapterStore(config, ctx);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Fails the stage with {@link IllegalArgumentException} for an invalid name or a version below 1,
     * {@link PluginException} if {@code root} is not set, {@link StoreException} {@code ALREADY_PUBLISHED} if the
     * version exists (also when a concurrent publish of it wins), and {@code IO} if the source is not a PEFT
     * adapter directory (no {@code adapter_config.json} or {@code adapter_model.safetensors}, a config that
     * {@link AdapterConfig#read} rejects, a symbolic link or other non-regular file, a file name outside
     * {@code A-Z a-z 0-9 . _ -}, a file named {@code feedloop-manifest.json}) or reading or writing fails.
     */
    @Override
    public CompletionStage<Published> publish(String name, int version, Path sourceDirectory) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sourceDirectory, "sourceDirectory");
        return run(() -> {
            String outcome = "error";
            try {
                Published published = doPublish(name, version, sourceDirectory);
                outcome = "ok";
                return published;
            } catch (StoreException e) {
                outcome = e.reason().name().toLowerCase(Locale.ROOT);
                throw e;
            } finally {
                metrics.count(metricPrefix + "publish_total", 1, "outcome", outcome);
            }
        });
    }

    /**
     * {@inheritDoc}
     *
     * <p>See the class documentation for the failure reasons. The fetched files are read-only.
     */
    @Override
    public CompletionStage<Path> fetch(AdapterRelease release, Path targetDirectory) {
        Objects.requireNonNull(release, "release");
        Objects.requireNonNull(targetDirectory, "targetDirectory");
        Path target = targetDirectory.toAbsolutePath().normalize();
        return run(() -> {
            long start = System.nanoTime();
            String outcome = "error";
            try {
                doFetch(release, target);
                outcome = "ok";
                return targetDirectory;
            } catch (StoreException e) {
                outcome = e.reason().name().toLowerCase(Locale.ROOT);
                throw e;
            } finally {
                metrics.count(metricPrefix + "fetch_total", 1, "outcome", outcome);
                metrics.record(metricPrefix + "fetch_seconds", (System.nanoTime() - start) / 1e9, "outcome", outcome);
            }
        });
    }

    /** Refuses new calls; a call in progress finishes its current file and then fails with {@code IO}. */
    @Override
    public void close() {
        closed = true;
        synchronized (clientLock) {
            client = null; // a JDK 17 HttpClient has no close; its selector thread ends once it is unreachable
        }
    }

    // ------------------------------------------------------------------------------------------------ publish

    private Published doPublish(String name, int version, Path source) {
        Path root = config.root();
        if (root == null) {
            throw new PluginException(LocalStoreConfig.fullKey(pluginName, LocalStoreConfig.ROOT)
                    + " is not set, so this store can only fetch; set it where adapters are published");
        }
        if (!AdapterPaths.isName(name)) {
            throw new IllegalArgumentException("adapter name '" + name + "' does not match " + AdapterPaths.NAME);
        }
        if (version < 1) {
            throw new IllegalArgumentException("adapter version must be at least 1, got " + version);
        }
        String what = name + " v" + version;
        Path familyDir = root.resolve(name);
        Path versionDir = familyDir.resolve(Integer.toString(version));
        if (Files.exists(versionDir, LinkOption.NOFOLLOW_LINKS)) {
            throw alreadyPublished(what, versionDir, null);
        }
        Path tmp = null;
        try {
            List<SourceFile> sources = scan(source, what);
            tmp = root.resolve(TEMP_PREFIX + UUID.randomUUID());
            Files.createDirectory(tmp);
            List<AdapterFile> files = new ArrayList<>(sources.size());
            for (SourceFile s : sources) {
                Path to = tmp.resolve(s.relativePath());
                Files.createDirectories(to.getParent());
                StoreFiles.Copied copied;
                try (InputStream in = Files.newInputStream(s.file(), LinkOption.NOFOLLOW_LINKS)) {
                    copied = StoreFiles.copy(in, to, Long.MAX_VALUE);
                }
                StoreFiles.makeReadOnly(to);
                files.add(new AdapterFile(s.relativePath(), copied.size(), copied.sha256()));
            }
            files.sort(Comparator.comparing(AdapterFile::path));
            AdapterConfig.read(tmp); // the copy, so what is checked is what is published
            Path manifest = tmp.resolve(MANIFEST);
            byte[] json = Manifest.toJson(name, version, files);
            DurableFiles.writeAndSync(manifest, out -> out.write(json));
            StoreFiles.makeReadOnly(manifest);
            StoreFiles.syncTree(tmp);

            Files.createDirectories(familyDir);
            DurableFiles.syncDirectory(root);
            try {
                // rename(2): atomic, and it fails when versionDir exists and is not empty, as a version always is
                Files.move(tmp, versionDir, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                throw alreadyPublished(what, versionDir, e);
            } catch (FileSystemException e) {
                if (Files.exists(versionDir, LinkOption.NOFOLLOW_LINKS)) {
                    throw alreadyPublished(what, versionDir, e);
                }
                throw e;
            }
            tmp = null;
            DurableFiles.syncDirectory(familyDir);
            DurableFiles.syncDirectory(root);
            return new Published(uriOf(name, version, versionDir), files);
        } catch (IOException e) {
            String why = e instanceof InvalidAdapterException ? e.getMessage() : e.toString();
            throw new StoreException(Reason.IO, "cannot publish " + what + " from " + source + ": " + why, e);
        } finally {
            StoreFiles.deleteQuietly(tmp, null);
        }
    }

    /** A regular file of the source directory. */
    private record SourceFile(String relativePath, Path file) {}

    /** Every regular file under {@code source}, sorted by relative path, after checking it may be published. */
    private static List<SourceFile> scan(Path source, String what) throws IOException {
        Path dir;
        try {
            dir = source.toRealPath();
        } catch (NoSuchFileException e) {
            throw publishIo(what, source + " does not exist", e);
        }
        if (!Files.isDirectory(dir)) {
            throw publishIo(what, source + " is not a directory", null);
        }
        List<SourceFile> files = new ArrayList<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                String rel = relative(dir, file);
                if (attrs.isSymbolicLink()) {
                    throw publishIo(what, rel + " in " + source + " is a symbolic link; only regular files are "
                            + "published", null);
                }
                if (!attrs.isRegularFile()) {
                    throw publishIo(what, rel + " in " + source + " is not a regular file", null);
                }
                String problem = AdapterPaths.problem(rel);
                if (problem != null) {
                    throw publishIo(what, "cannot publish the file '" + rel + "' of " + source + ": " + problem, null);
                }
                if (rel.equals(MANIFEST)) {
                    throw publishIo(what, source + " contains " + MANIFEST + ", a name the store reserves", null);
                }
                files.add(new SourceFile(rel, file));
                return FileVisitResult.CONTINUE;
            }
        });
        Set<String> names = files.stream().map(SourceFile::relativePath).collect(Collectors.toSet());
        for (String required : REQUIRED) {
            if (!names.contains(required)) {
                throw publishIo(what, source + " has no " + required + "; a PEFT adapter directory needs "
                        + String.join(" and ", REQUIRED), null);
            }
        }
        files.sort(Comparator.comparing(SourceFile::relativePath));
        return files;
    }

    private String uriOf(String name, int version, Path versionDir) {
        if (config.publicUrl() != null) {
            return config.publicUrl() + name + "/" + version + "/";
        }
        String uri = versionDir.toUri().toString();
        return uri.endsWith("/") ? uri : uri + "/";
    }

    private static StoreException publishIo(String what, String why, Throwable cause) {
        return new StoreException(Reason.IO, "cannot publish " + what + ": " + why, cause);
    }

    private static StoreException alreadyPublished(String what, Path versionDir, Throwable cause) {
        return new StoreException(Reason.ALREADY_PUBLISHED,
                what + " is already published at " + versionDir + "; versions are immutable", cause);
    }

    // -------------------------------------------------------------------------------------------------- fetch

    private void doFetch(AdapterRelease release, Path target) {
        String what = release.name() + " v" + release.version();
        List<AdapterFile> files = checkRelease(release, what);
        Origin origin = origin(release, what);
        Path parent = target.getParent();
        if (parent == null) {
            throw new StoreException(Reason.IO, "cannot fetch " + what + ": the target " + target + " has no parent");
        }
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw targetExists(what, target);
        }
        Path cache = config.cache();
        if (cache == null) {
            if (!download(origin, what, files, target, tempSibling(target), "origin")) {
                throw targetExists(what, target);
            }
            return;
        }
        Path entry = cache.resolve(release.name()).resolve(Integer.toString(release.version()));
        if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
            try {
                if (!download(new Origin.Directory(entry), what, files, target, tempSibling(target), "cache")) {
                    throw targetExists(what, target);
                }
                return;
            } catch (StoreException e) {
                if (e.reason() != Reason.INTEGRITY && e.reason() != Reason.NOT_FOUND) {
                    throw e;
                }
                evict(entry, what); // the cached copy does not match this release
            }
        }
        try {
            Files.createDirectories(entry.getParent());
        } catch (IOException e) {
            throw new StoreException(Reason.IO, "cannot fetch " + what + " into the cache " + cache + ": " + e, e);
        }
        // false: a concurrent fetch put a copy there first; it is verified on the way to the target below
        download(origin, what, files, entry, cache.resolve(TEMP_PREFIX + UUID.randomUUID()), "origin");
        if (!download(new Origin.Directory(entry), what, files, target, tempSibling(target), "cache")) {
            throw targetExists(what, target);
        }
    }

    /**
     * Checks everything about a release that can be checked without downloading it.
     *
     * @return its files
     * @throws StoreException {@code INTEGRITY} naming the problem
     */
    private List<AdapterFile> checkRelease(AdapterRelease release, String what) {
        List<String> problems = new ArrayList<>();
        if (!AdapterPaths.isName(release.name())) {
            problems.add("the name does not match " + AdapterPaths.NAME);
        }
        if (release.version() < 1) {
            problems.add("the version is below 1");
        }
        List<AdapterFile> files = release.files();
        if (files.isEmpty()) {
            problems.add("it lists no files");
        }
        Set<String> paths = new HashSet<>();
        Set<String> directories = new HashSet<>();
        long total = 0;
        for (AdapterFile f : files) {
            if (f == null || f.path() == null) {
                problems.add("a file has no path");
                continue;
            }
            String problem = AdapterPaths.problem(f.path());
            if (problem != null) {
                problems.add("file '" + f.path() + "' escapes or is not a canonical relative path: " + problem);
                continue;
            }
            if (!paths.add(f.path())) {
                problems.add("file '" + f.path() + "' is listed twice");
            }
            for (int i = f.path().indexOf('/'); i >= 0; i = f.path().indexOf('/', i + 1)) {
                directories.add(f.path().substring(0, i));
            }
            if (f.size() < 0) {
                problems.add("file '" + f.path() + "' has a negative size " + f.size());
            }
            if (f.sha256() == null || !SHA256.matcher(f.sha256()).matches()) {
                problems.add("file '" + f.path() + "' has no lower-case hex sha256: " + f.sha256());
            }
            total = f.size() < 0 || total < 0 ? -1 : saturatedAdd(total, f.size());
        }
        for (String dir : directories) {
            if (paths.contains(dir)) {
                problems.add("'" + dir + "' is listed as a file and used as a directory");
            }
        }
        if (total > config.maxBytes()) {
            problems.add("its files total " + total + " bytes, more than " + LocalStoreConfig.fullKey(pluginName,
                    LocalStoreConfig.MAX_BYTES) + " = " + config.maxBytes());
        }
        if (!problems.isEmpty()) {
            problems.sort(Comparator.naturalOrder());
            throw new StoreException(Reason.INTEGRITY, "refusing to fetch " + what + " from " + release.uri() + ": "
                    + String.join("; ", problems));
        }
        return files;
    }

    private Origin origin(AdapterRelease release, String what) {
        String s = release.uri();
        if (s == null) {
            throw new StoreException(Reason.IO, "cannot fetch " + what + ": the release has no uri");
        }
        URI uri;
        try {
            uri = new URI(s);
        } catch (URISyntaxException e) {
            throw new StoreException(Reason.IO, "cannot fetch " + what + ": not a URI: " + s, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("file")) {
            try {
                return new Origin.Directory(Path.of(uri));
            } catch (IllegalArgumentException | FileSystemNotFoundException e) {
                throw new StoreException(Reason.IO, "cannot fetch " + what + ": unusable file URI " + s + ": " + e, e);
            }
        }
        if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null && uri.getRawQuery() == null
                && uri.getRawFragment() == null) {
            return new Origin.Http(this::httpClient, uri, config.timeout());
        }
        throw new StoreException(Reason.IO, "cannot fetch " + what + ": unsupported URI " + s
                + "; the local store fetches file:// and http(s):// URIs without query or fragment");
    }

    /**
     * Copies and verifies every file from {@code origin} into the new directory {@code tmp}, then renames it to
     * {@code dest}. Deletes {@code tmp} on any failure.
     *
     * @param source {@code origin} or {@code cache}, the metrics tag of the bytes read
     * @return true if it renamed {@code tmp} to {@code dest}; false if {@code dest} appeared meanwhile
     */
    private boolean download(Origin origin, String what, List<AdapterFile> files, Path dest, Path tmp,
            String source) {
        Path leftover = null;
        long bytes = 0;
        try {
            Files.createDirectories(dest.getParent());
            Files.createDirectory(tmp);
            leftover = tmp;
            for (AdapterFile expected : files) {
                if (closed) {
                    throw new StoreException(Reason.IO, "cannot fetch " + what + ": the store was closed");
                }
                Path to = tmp.resolve(expected.path());
                if (!to.normalize().startsWith(tmp)) { // checkRelease rules this out; a second lock on the door
                    throw new StoreException(Reason.INTEGRITY, "refusing to fetch " + what + ": '" + expected.path()
                            + "' escapes the adapter directory");
                }
                Files.createDirectories(to.getParent());
                bytes += fetchFile(origin, what, expected, to);
                StoreFiles.makeReadOnly(to);
            }
            StoreFiles.syncTree(tmp);
            try {
                Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
                return false;
            }
            leftover = null;
            DurableFiles.syncDirectory(dest.getParent());
            return true;
        } catch (IOException e) {
            throw new StoreException(Reason.IO, "cannot fetch " + what + " from " + origin.describe("") + " into "
                    + dest + ": " + e, e);
        } finally {
            metrics.count(metricPrefix + "fetch_bytes_total", bytes, "source", source);
            StoreFiles.deleteQuietly(leftover, null);
        }
    }

    /** Streams one file to {@code to} and checks it against the release; returns its size. */
    private static long fetchFile(Origin origin, String what, AdapterFile expected, Path to) throws IOException {
        String where = origin.describe(expected.path());
        StoreFiles.Copied got;
        try (Origin.Opened opened = origin.open(expected.path())) {
            if (opened.announcedSize() >= 0 && opened.announcedSize() != expected.size()) {
                throw integrity(what, expected, where, opened.announcedSize() + " bytes announced");
            }
            got = StoreFiles.copy(opened.body(), to, expected.size());
        } catch (NoSuchFileException e) {
            if (origin.versionExists()) {
                throw integrity(what, expected, where, "no such file");
            }
            throw new StoreException(Reason.NOT_FOUND, "cannot fetch " + what + ": no such version at "
                    + origin.describe(""), e);
        }
        if (got.overLimit()) {
            throw integrity(what, expected, where, "more than " + expected.size() + " bytes");
        }
        if (got.size() != expected.size() || !got.sha256().equals(expected.sha256())) {
            throw integrity(what, expected, where, got.size() + " bytes with sha256 " + got.sha256());
        }
        return got.size();
    }

    private static StoreException integrity(String what, AdapterFile expected, String where, String actual) {
        return new StoreException(Reason.INTEGRITY, "cannot fetch " + what + ": " + expected.path() + " does not match "
                + "the release: expected " + expected.size() + " bytes with sha256 " + expected.sha256() + ", got "
                + actual + " (" + where + ")");
    }

    /** Removes a cached version that does not match its release: renamed away first, so it vanishes at once. */
    private void evict(Path entry, String what) {
        Path doomed = config.cache().resolve(TEMP_PREFIX + UUID.randomUUID());
        try {
            Files.move(entry, doomed, StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return; // a concurrent fetch evicted it
        } catch (IOException e) {
            throw new StoreException(Reason.IO, "cannot fetch " + what + ": cannot remove the stale cached copy "
                    + entry + ": " + e, e);
        }
        StoreFiles.deleteQuietly(doomed, null); // a leftover .tmp-* is removed when the next store starts
    }

    private static Path tempSibling(Path target) {
        return target.resolveSibling("." + target.getFileName() + ".fetch-" + UUID.randomUUID());
    }

    private static StoreException targetExists(String what, Path target) {
        return new StoreException(Reason.IO, "cannot fetch " + what + ": the target " + target + " already exists");
    }

    private HttpClient httpClient() {
        synchronized (clientLock) {
            if (client == null) {
                client = HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(config.timeout())
                        .followRedirects(HttpClient.Redirect.NORMAL)
                        .build();
            }
            return client;
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** Runs {@code work} on the blocking executor; the stage fails with exactly what {@code work} throws. */
    private <T> CompletionStage<T> run(Supplier<T> work) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("the adapter store is closed"));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            executor.execute(() -> {
                try {
                    result.complete(work.get());
                } catch (RuntimeException e) {
                    result.completeExceptionally(e);
                } catch (Error e) {
                    result.completeExceptionally(e);
                    throw e;
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(e);
        }
        return result;
    }

    private static void prepareDirectory(PluginContext ctx, String key, Path dir) {
        if (dir == null) {
            return;
        }
        try {
            Files.createDirectories(dir);
            if (!Files.isWritable(dir)) {
                throw new IOException("not writable");
            }
            removeStaleTemps(dir);
        } catch (IOException e) {
            throw new PluginException(LocalStoreConfig.fullKey(ctx.pluginName(), key) + " = '" + dir
                    + "': cannot use it as the store's directory: " + e, e);
        }
    }

    /** Deletes every {@code .tmp-*} entry directly under {@code dir}: what crashed publishes and fetches left. */
    static int removeStaleTemps(Path dir) throws IOException {
        List<Path> stale;
        try (Stream<Path> list = Files.list(dir)) {
            stale = list.filter(p -> p.getFileName().toString().startsWith(TEMP_PREFIX)).collect(Collectors.toList());
        }
        for (Path p : stale) {
            DurableFiles.deleteRecursively(p);
        }
        if (!stale.isEmpty()) {
            DurableFiles.syncDirectory(dir);
        }
        return stale.size();
    }

    private static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(dir.getFileSystem().getSeparator(), "/");
    }
}
