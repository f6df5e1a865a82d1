package dev.feedloop.adapterstore;

import static dev.feedloop.adapterstore.TestStores.CONFIG;
import static dev.feedloop.adapterstore.TestStores.WEIGHTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.AdapterRelease.AdapterFile;
import dev.feedloop.contracts.spi.AdapterStore.Published;
import dev.feedloop.contracts.spi.AdapterStore.StoreException;
import dev.feedloop.contracts.spi.AdapterStore.StoreException.Reason;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Fetch over HTTP (and file:) against a JDK HTTP server that serves the trainer's root: everything is checked
 * against the release, and a failed fetch leaves nothing behind.
 */
class LocalAdapterStoreFetchTest {
    @TempDir
    Path dir;

    private final ExecutorService io = TestStores.ioPool();
    private final List<LocalAdapterStore> stores = new ArrayList<>();
    private Path root;
    private RootServer server;
    private LocalAdapterStore trainer;
    private Path source;
    private Path fetched;
    private Path target;

    @BeforeEach
    void start() throws IOException {
        root = dir.resolve("root");
        server = RootServer.serve(root);
        trainer = open(Map.of("root", root.toString(), "public-url", server.baseUri().toString()));
        source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        fetched = dir.resolve("fetched");
        target = fetched.resolve("assistant-v1");
    }

    @AfterEach
    void stop() {
        stores.forEach(TestStores::closeQuietly);
        server.close();
        io.shutdownNow();
    }

    private LocalAdapterStore open(Map<String, String> config) {
        LocalAdapterStore store = TestStores.store(config, io);
        stores.add(store);
        return store;
    }

    private AdapterRelease publishV1() throws Exception {
        return TestStores.release("assistant", 1, TestStores.result(trainer.publish("assistant", 1, source)));
    }

    /** The target does not exist, and its parent holds no temporary leftovers. */
    private void assertNothingFetched() throws IOException {
        assertThat(target).doesNotExist();
        if (Files.exists(fetched)) {
            assertThat(TestStores.list(fetched)).as("entries next to the target").isEmpty();
        }
    }

    private static AdapterRelease withFiles(AdapterRelease r, List<AdapterFile> files) {
        return TestStores.release(r.name(), r.version(), r.uri(), files);
    }

    // ----------------------------------------------------------------------------------------------- success

    @Test
    void fetchOverHttpReproducesTheFilesReadOnlyAndSkipsTheManifest() throws Exception {
        AdapterRelease release = publishV1();

        Path result = TestStores.result(trainer.fetch(release, target));

        assertThat(result).isEqualTo(target);
        assertThat(TestStores.tree(target)).containsExactly(CONFIG, WEIGHTS);
        for (String rel : List.of(CONFIG, WEIGHTS)) {
            assertThat(Files.mismatch(target.resolve(rel), source.resolve(rel))).as(rel).isEqualTo(-1);
            assertThat(TestStores.hasWritePermission(target.resolve(rel))).as("%s writable", rel).isFalse();
        }
        assertThat(server.requests).containsExactly("/adapters/assistant/1/" + CONFIG,
                "/adapters/assistant/1/" + WEIGHTS);
        assertThat(TestStores.list(fetched)).containsExactly("assistant-v1");
    }

    @Test
    void aReleaseUriWithoutTheTrailingSlashWorksToo() throws Exception {
        AdapterRelease release = publishV1();
        String uri = release.uri().substring(0, release.uri().length() - 1);

        TestStores.result(trainer.fetch(TestStores.release("assistant", 1, uri, release.files()), target));

        assertThat(TestStores.tree(target)).containsExactly(CONFIG, WEIGHTS);
    }

    @Test
    void aFetchOnlyStoreFetchesFileUris() throws Exception {
        LocalAdapterStore local = open(Map.of("root", dir.resolve("local-root").toString()));
        Published published = TestStores.result(local.publish("assistant", 1, source));
        LocalAdapterStore tap = open(Map.of());

        TestStores.result(tap.fetch(TestStores.release("assistant", 1, published), target));

        assertThat(TestStores.tree(target)).containsExactly(CONFIG, WEIGHTS);
    }

    @Test
    void theHttpFetchRunsOnTheBlockingExecutorAndNeverBlocksTheCaller() throws Exception {
        AdapterRelease release = publishV1();
        server.gate = new CountDownLatch(1);

        CompletableFuture<Path> stage = trainer.fetch(release, target).toCompletableFuture();

        assertThat(stage).as("returned while the server holds the response").isNotDone();
        CompletableFuture<String> completedOn = stage.thenApply(p -> Thread.currentThread().getName());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.requests.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(server.requests).as("the download started").isNotEmpty();
        assertThat(stage).isNotDone();
        server.gate.countDown();
        assertThat(completedOn.get(30, TimeUnit.SECONDS)).startsWith("store-io-");
        assertThat(TestStores.tree(target)).containsExactly(CONFIG, WEIGHTS);
    }

    // --------------------------------------------------------------------------------------------- integrity

    @Test
    void bytesTamperedWithAfterPublishAreIntegrityNamingTheFileAndBothDigests() throws Exception {
        AdapterRelease release = publishV1();
        byte[] bytes = Files.readAllBytes(root.resolve("assistant/1/" + WEIGHTS));
        bytes[bytes.length / 2] ^= 1;
        TestStores.tamper(root.resolve("assistant/1/" + WEIGHTS), bytes);
        AdapterFile expected = release.files().get(1);

        StoreException e = TestStores.storeFailure(trainer.fetch(release, target), Reason.INTEGRITY);

        assertThat(e).hasMessageContaining(WEIGHTS)
                .hasMessageContaining("expected " + expected.size() + " bytes with sha256 " + expected.sha256())
                .hasMessageContaining("got " + bytes.length + " bytes with sha256 " + TestStores.sha256(bytes));
        assertNothingFetched();
    }

    @Test
    void aLongerFileAnnouncedByContentLengthIsIntegrity() throws Exception {
        AdapterRelease release = publishV1();
        TestStores.tamper(root.resolve("assistant/1/" + CONFIG),
                Arrays.copyOf(Files.readAllBytes(source.resolve(CONFIG)), (int) Files.size(source.resolve(CONFIG)) + 1));

        StoreException e = TestStores.storeFailure(trainer.fetch(release, target), Reason.INTEGRITY);

        assertThat(e).hasMessageContaining(CONFIG).hasMessageContaining("bytes announced");
        assertNothingFetched();
    }

    @Test
    void aLongerChunkedBodyIsCutOffAndIntegrity() throws Exception {
        AdapterRelease release = publishV1();
        server.chunked = true;
        byte[] longer = new byte[(int) Files.size(source.resolve(WEIGHTS)) * 3];
        TestStores.tamper(root.resolve("assistant/1/" + WEIGHTS), longer);

        StoreException e = TestStores.storeFailure(trainer.fetch(release, target), Reason.INTEGRITY);

        assertThat(e).hasMessageContaining(WEIGHTS).hasMessageContaining("got more than "
                + Files.size(source.resolve(WEIGHTS)) + " bytes");
        assertNothingFetched();
    }

    @Test
    void aShorterChunkedBodyIsIntegrity() throws Exception {
        AdapterRelease release = publishV1();
        server.chunked = true;
        TestStores.tamper(root.resolve("assistant/1/" + WEIGHTS), new byte[100]);

        StoreException e = TestStores.storeFailure(trainer.fetch(release, target), Reason.INTEGRITY);

        assertThat(e).hasMessageContaining("got 100 bytes with sha256 " + TestStores.sha256(new byte[100]));
        assertNothingFetched();
    }

    @Test
    void aFileMissingFromAPublishedVersionIsIntegrityNotNotFound() throws Exception {
        AdapterRelease release = publishV1();
        Files.delete(root.resolve("assistant/1/" + WEIGHTS));

        StoreException e = TestStores.storeFailure(trainer.fetch(release, target), Reason.INTEGRITY);

        assertThat(e).hasMessageContaining(WEIGHTS).hasMessageContaining("no such file");
        assertThat(server.requests).endsWith("/adapters/assistant/1/" + LocalAdapterStore.MANIFEST);
        assertNothingFetched();
    }

    @Test
    void aVersionThatWasNeverPublishedIsNotFound() throws Exception {
        AdapterRelease release = publishV1();
        AdapterRelease v9 = TestStores.release("assistant", 9, release.uri().replace("/1/", "/9/"), release.files());

        StoreException e = TestStores.storeFailure(trainer.fetch(v9, target), Reason.NOT_FOUND);

        assertThat(e).hasMessageContaining("no such version").hasMessageContaining("/adapters/assistant/9/");
        assertNothingFetched();
    }

    @Test
    void overFileUrisAMissingDirectoryIsNotFoundAndAMissingFileIsIntegrity() throws Exception {
        LocalAdapterStore local = open(Map.of("root", dir.resolve("local-root").toString()));
        AdapterRelease release = TestStores.release("assistant", 1, TestStores.result(local.publish("assistant", 1, source)));

        TestStores.storeFailure(local.fetch(TestStores.release("assistant", 2,
                release.uri().replace("/1/", "/2/"), release.files()), target), Reason.NOT_FOUND);
        Files.delete(dir.resolve("local-root/assistant/1/" + CONFIG));
        TestStores.storeFailure(local.fetch(release, target), Reason.INTEGRITY);
        assertNothingFetched();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../escape.bin", "/etc/passwd", "sub/../../escape.bin", "a//b", "./adapter_config.json",
        "sub/", "", "back\\slash", "%2e%2e/x"})
    void aReleasePathThatIsNotCanonicalIsIntegrityBeforeAnyRequest(String path) throws Exception {
        AdapterRelease release = publishV1();
        List<AdapterFile> files = new ArrayList<>(release.files());
        files.add(new AdapterFile(path, 1, TestStores.sha256(new byte[1])));

        StoreException e = TestStores.storeFailure(trainer.fetch(withFiles(release, files), target), Reason.INTEGRITY);

        assertThat(e).hasMessageContaining("'" + path + "'");
        assertThat(server.requests).isEmpty();
        assertNothingFetched();
        assertThat(dir.resolve("escape.bin")).doesNotExist();
    }

    @Test
    void malformedFileEntriesAreIntegrityBeforeAnyRequest() throws Exception {
        AdapterRelease release = publishV1();
        AdapterFile config = release.files().get(0);
        List<List<AdapterFile>> broken = List.of(
                List.of(),
                List.of(config, config),
                List.of(new AdapterFile(CONFIG, -1, config.sha256())),
                List.of(new AdapterFile(CONFIG, config.size(), config.sha256().toUpperCase(Locale.ROOT))),
                List.of(new AdapterFile(CONFIG, config.size(), "abc")),
                List.of(new AdapterFile("sub", 1, config.sha256()), new AdapterFile("sub/x", 1, config.sha256())));

        for (List<AdapterFile> files : broken) {
            TestStores.storeFailure(trainer.fetch(withFiles(release, files), target), Reason.INTEGRITY);
        }

        assertThat(server.requests).isEmpty();
        assertNothingFetched();
    }

    @Test
    void aReleaseLargerThanMaxBytesIsIntegrityBeforeAnyRequest() throws Exception {
        AdapterRelease release = publishV1();
        LocalAdapterStore tap = open(Map.of("max-bytes", "64KiB"));

        StoreException e = TestStores.storeFailure(tap.fetch(release, target), Reason.INTEGRITY);

        long total = release.files().stream().mapToLong(AdapterFile::size).sum();
        assertThat(e).hasMessageContaining("total " + total + " bytes, more than plugins.local.max-bytes = 65536");
        assertThat(server.requests).isEmpty();
        assertNothingFetched();
    }

    @Test
    void sizesThatOverflowALongAreIntegrity() throws Exception {
        AdapterRelease release = publishV1();
        List<AdapterFile> files = List.of(new AdapterFile("a", Long.MAX_VALUE, release.files().get(0).sha256()),
                new AdapterFile("b", Long.MAX_VALUE, release.files().get(0).sha256()));

        TestStores.storeFailure(trainer.fetch(withFiles(release, files), target), Reason.INTEGRITY);

        assertThat(server.requests).isEmpty();
    }

    // -------------------------------------------------------------------------------------------------- io

    @ParameterizedTest
    @ValueSource(ints = {403, 500, 503})
    void otherHttpStatusesAreIo(int status) throws Exception {
        AdapterRelease release = publishV1();
        server.forcedStatus.put("/adapters/assistant/1/" + WEIGHTS, status);

        StoreException e = TestStores.storeFailure(trainer.fetch(release, target), Reason.IO);

        assertThat(e).hasMessageContaining("HTTP " + status);
        assertNothingFetched();
    }

    @Test
    void aServerThatStopsSendingTimesOutWithIo() throws Exception {
        AdapterRelease release = publishV1();
        LocalAdapterStore tap = open(Map.of("timeout", "300ms"));
        server.stallBodies = true;
        long start = System.nanoTime();

        StoreException e = TestStores.storeFailure(tap.fetch(release, target), Reason.IO);

        assertThat(e).hasMessageContaining("no data from").hasMessageContaining("300 ms");
        assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start)).isLessThan(10);
        assertNothingFetched();
    }

    @Test
    void anUnreachableServerIsIo() throws Exception {
        AdapterRelease release = publishV1();
        server.close();

        TestStores.storeFailure(trainer.fetch(release, target), Reason.IO);

        assertNothingFetched();
    }

    @Test
    void anExistingTargetIsIoAndUntouched() throws Exception {
        AdapterRelease release = publishV1();
        Files.createDirectories(target);
        Files.writeString(target.resolve("mine.txt"), "keep");

        StoreException e = TestStores.storeFailure(trainer.fetch(release, target), Reason.IO);

        assertThat(e).hasMessageContaining("already exists");
        assertThat(TestStores.tree(target)).containsExactly("mine.txt");
        assertThat(server.requests).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://trainer/adapters/assistant/1/", "assistant/1/", "http://trainer/a/?v=1", "::"})
    void anUnsupportedUriIsIo(String uri) throws Exception {
        AdapterRelease release = publishV1();

        StoreException e = TestStores.storeFailure(
                trainer.fetch(TestStores.release("assistant", 1, uri, release.files()), target), Reason.IO);

        assertThat(e).hasMessageContaining(uri);
        assertNothingFetched();
    }

    @Test
    void outcomesAndBytesAreCounted() throws Exception {
        AdapterRelease release = publishV1();
        List<String> counted = new CopyOnWriteArrayList<>();
        PluginMetrics recording = new PluginMetrics() {
            @Override
            public void count(String name, long delta, String... tags) {
                counted.add(name + " " + String.join("=", tags) + " +" + delta);
            }

            @Override
            public void record(String name, double value, String... tags) {
                counted.add(name + " " + String.join("=", tags));
            }
        };
        LocalAdapterStore tap = (LocalAdapterStore) new LocalAdapterStoreProvider().create(
                new PluginContext("local", Map.of(), Clock.systemUTC(), io, recording));
        stores.add(tap);
        long total = release.files().stream().mapToLong(AdapterFile::size).sum();

        TestStores.result(tap.fetch(release, target));
        TestStores.storeFailure(tap.fetch(release, fetched.resolve("other")).toCompletableFuture()
                .thenCompose(p -> tap.fetch(withFiles(release, List.of()), fetched.resolve("x"))), Reason.INTEGRITY);

        assertThat(counted).containsExactly(
                "feedloop_local_fetch_bytes_total source=origin +" + total,
                "feedloop_local_fetch_total outcome=ok +1",
                "feedloop_local_fetch_seconds outcome=ok",
                "feedloop_local_fetch_bytes_total source=origin +" + total,
                "feedloop_local_fetch_total outcome=ok +1",
                "feedloop_local_fetch_seconds outcome=ok",
                "feedloop_local_fetch_total outcome=integrity +1",
                "feedloop_local_fetch_seconds outcome=integrity");
    }

    // ------------------------------------------------------------------------------------------------- cache

    @Test
    void withACacheTheSecondFetchMakesNoRequest() throws Exception {
        AdapterRelease release = publishV1();
        Path cache = dir.resolve("cache");
        LocalAdapterStore tap = open(Map.of("cache", cache.toString()));

        TestStores.result(tap.fetch(release, target));
        int requests = server.requests.size();
        Path second = fetched.resolve("again");
        TestStores.result(tap.fetch(release, second));

        assertThat(server.requests).hasSize(requests);
        assertThat(TestStores.tree(second)).containsExactly(CONFIG, WEIGHTS);
        assertThat(Files.mismatch(second.resolve(WEIGHTS), source.resolve(WEIGHTS))).isEqualTo(-1);
        assertThat(TestStores.tree(cache.resolve("assistant/1"))).containsExactly(CONFIG, WEIGHTS);
        assertThat(TestStores.hasWritePermission(cache.resolve("assistant/1/" + WEIGHTS))).isFalse();
        assertThat(TestStores.list(cache)).containsExactly("assistant");
    }

    @Test
    void aCachedCopyThatNoLongerMatchesIsDiscardedAndFetchedAgain() throws Exception {
        AdapterRelease release = publishV1();
        Path cache = dir.resolve("cache");
        LocalAdapterStore tap = open(Map.of("cache", cache.toString()));
        TestStores.result(tap.fetch(release, target));
        TestStores.tamper(cache.resolve("assistant/1/" + WEIGHTS), new byte[] {1, 2, 3});
        server.requests.clear();

        Path second = fetched.resolve("again");
        TestStores.result(tap.fetch(release, second));

        assertThat(server.fileRequests()).containsExactly("/adapters/assistant/1/" + CONFIG,
                "/adapters/assistant/1/" + WEIGHTS);
        assertThat(Files.mismatch(second.resolve(WEIGHTS), source.resolve(WEIGHTS))).isEqualTo(-1);
        assertThat(Files.mismatch(cache.resolve("assistant/1/" + WEIGHTS), source.resolve(WEIGHTS))).isEqualTo(-1);
        assertThat(TestStores.list(cache)).containsExactly("assistant");
    }

    @Test
    void aFailedFetchLeavesNothingInTheCache() throws Exception {
        AdapterRelease release = publishV1();
        Path cache = dir.resolve("cache");
        LocalAdapterStore tap = open(Map.of("cache", cache.toString()));
        TestStores.tamper(root.resolve("assistant/1/" + WEIGHTS), new byte[(int) Files.size(source.resolve(WEIGHTS))]);

        TestStores.storeFailure(tap.fetch(release, target), Reason.INTEGRITY);

        assertNothingFetched();
        assertThat(TestStores.tree(cache)).isEmpty();
        assertThat(TestStores.list(cache)).containsExactly("assistant"); // the family directory, empty
    }

    @Test
    void cacheLeftoversAreRemovedWhenAStoreStarts() throws Exception {
        Path cache = dir.resolve("cache");
        Files.createDirectories(cache.resolve(".tmp-crashed"));
        Files.write(cache.resolve(".tmp-crashed/" + WEIGHTS), new byte[10]);

        open(Map.of("cache", cache.toString()));

        assertThat(TestStores.list(cache)).isEmpty();
    }
}
