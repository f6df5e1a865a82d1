package dev.feedloop.adapterstore;

import static dev.feedloop.adapterstore.TestStores.CONFIG;
import static dev.feedloop.adapterstore.TestStores.WEIGHTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.event.AdapterRelease.AdapterFile;
import dev.feedloop.contracts.spi.AdapterStore.Published;
import dev.feedloop.contracts.spi.AdapterStore.StoreException;
import dev.feedloop.contracts.spi.AdapterStore.StoreException.Reason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What publish writes, and what it refuses. */
class LocalAdapterStorePublishTest {
    @TempDir
    Path dir;

    private final ExecutorService io = TestStores.ioPool();
    private Path root;
    private LocalAdapterStore store;

    @BeforeEach
    void createStore() {
        root = dir.resolve("root");
        store = TestStores.store(Map.of("root", root.toString()), io);
    }

    @AfterEach
    void closeStore() {
        TestStores.closeQuietly(store);
        io.shutdownNow();
    }

    @Test
    void publishWritesTheFilesAndAManifestWithIndependentlyComputedSha256() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 7);
        Files.createDirectories(source.resolve("tokenizer"));
        Files.writeString(source.resolve("tokenizer/tokenizer_config.json"), "{}", StandardCharsets.UTF_8);
        Files.writeString(source.resolve("README.md"), "# adapter\n", StandardCharsets.UTF_8);

        Published published = TestStores.result(store.publish("assistant", 3, source));

        Path version = root.resolve("assistant/3");
        List<AdapterFile> expected = List.of(TestStores.describe(source, "README.md"),
                TestStores.describe(source, CONFIG), TestStores.describe(source, WEIGHTS),
                TestStores.describe(source, "tokenizer/tokenizer_config.json"));
        assertThat(published.files()).containsExactlyElementsOf(expected);
        assertThat(published.uri()).isEqualTo(root.toUri() + "assistant/3/");
        assertThat(TestStores.tree(version)).containsExactly("README.md", CONFIG, WEIGHTS,
                LocalAdapterStore.MANIFEST, "tokenizer/tokenizer_config.json");
        for (AdapterFile f : expected) {
            assertThat(Files.mismatch(version.resolve(f.path()), source.resolve(f.path()))).as(f.path()).isEqualTo(-1);
        }

        StringBuilder manifest = new StringBuilder("{\n  \"name\": \"assistant\",\n  \"version\": 3,\n  \"files\": [");
        for (int i = 0; i < expected.size(); i++) {
            AdapterFile f = expected.get(i);
            manifest.append(i == 0 ? "\n" : ",\n").append(String.format("    {\"path\": \"%s\", \"size\": %d, \"sha256\": \"%s\"}",
                    f.path(), f.size(), f.sha256()));
        }
        manifest.append("\n  ]\n}\n");
        assertThat(Files.readString(version.resolve(LocalAdapterStore.MANIFEST), StandardCharsets.UTF_8))
                .isEqualTo(manifest.toString());
    }

    @Test
    void publishedFilesAreReadOnlyAndNoTemporaryDirectoryRemains() throws Exception {
        Published published = TestStores.result(
                store.publish("assistant", 1, TestStores.adapterDirectory(dir.resolve("source"), 1)));

        Path version = root.resolve("assistant/1");
        for (String rel : TestStores.tree(version)) {
            assertThat(TestStores.hasWritePermission(version.resolve(rel))).as("%s is writable", rel).isFalse();
        }
        assertThat(TestStores.list(root)).containsExactly("assistant");
        assertThat(published.files()).extracting(AdapterFile::path).containsExactly(CONFIG, WEIGHTS);
    }

    @Test
    void withAPublicUrlTheUriIsUnderIt() throws Exception {
        store.close();
        store = TestStores.store(Map.of("root", root.toString(), "public-url", "http://trainer:8090/adapters"), io);

        Published published = TestStores.result(
                store.publish("assistant.fr", 12, TestStores.adapterDirectory(dir.resolve("source"), 1)));

        assertThat(published.uri()).isEqualTo("http://trainer:8090/adapters/assistant.fr/12/");
        assertThat(root.resolve("assistant.fr/12/" + WEIGHTS)).isRegularFile();
    }

    @Test
    void publishDoesNotTouchTheSource() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        List<AdapterFile> before = List.of(TestStores.describe(source, CONFIG), TestStores.describe(source, WEIGHTS));

        TestStores.result(store.publish("assistant", 1, source));

        assertThat(TestStores.tree(source)).containsExactly(CONFIG, WEIGHTS);
        assertThat(List.of(TestStores.describe(source, CONFIG), TestStores.describe(source, WEIGHTS)))
                .isEqualTo(before);
        assertThat(TestStores.hasWritePermission(source.resolve(WEIGHTS))).isTrue();
    }

    @Test
    void racingPublishersOfOneVersionHaveExactlyOneWinnerWhoseBytesAreIntact() throws Exception {
        Path a = TestStores.adapterDirectory(dir.resolve("a"), 1);
        Path b = TestStores.adapterDirectory(dir.resolve("b"), 2);
        ExecutorService racers = Executors.newFixedThreadPool(2);
        int lostAtTheRename = 0;
        try {
            for (int version = 1; version <= 20; version++) {
                lostAtTheRename += race(version, a, b, racers);
            }
        } finally {
            racers.shutdownNow();
        }
        assertThat(TestStores.list(root)).as("no .tmp-* left behind").containsExactly("assistant");
        assertThat(lostAtTheRename).as("rounds where both copied and the atomic rename decided").isPositive();
    }

    /** Two publishes of version {@code v} started together; returns 1 if the loser lost at the rename. */
    private int race(int v, Path a, Path b, ExecutorService racers) throws Exception {
        CyclicBarrier start = new CyclicBarrier(2);
        Future<CompletionStage<Published>> first = racers.submit(() -> {
            start.await(30, TimeUnit.SECONDS);
            return store.publish("assistant", v, a);
        });
        Future<CompletionStage<Published>> second = racers.submit(() -> {
            start.await(30, TimeUnit.SECONDS);
            return store.publish("assistant", v, b);
        });

        List<Published> won = new ArrayList<>();
        List<Path> winnerSources = new ArrayList<>();
        int lostAtTheRename = 0;
        for (var attempt : List.of(Map.entry(first, a), Map.entry(second, b))) {
            try {
                won.add(attempt.getKey().get(30, TimeUnit.SECONDS).toCompletableFuture().get(30, TimeUnit.SECONDS));
                winnerSources.add(attempt.getValue());
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(StoreException.class);
                assertThat(((StoreException) e.getCause()).reason()).as("v%d: %s", v, e.getCause())
                        .isEqualTo(Reason.ALREADY_PUBLISHED);
                lostAtTheRename += e.getCause().getCause() == null ? 0 : 1;
            }
        }

        assertThat(won).as("winners of v%d", v).hasSize(1);
        Path winner = winnerSources.get(0);
        Path published = root.resolve("assistant/" + v);
        assertThat(TestStores.tree(published)).containsExactly(CONFIG, WEIGHTS, LocalAdapterStore.MANIFEST);
        for (String rel : List.of(CONFIG, WEIGHTS)) {
            assertThat(Files.mismatch(published.resolve(rel), winner.resolve(rel))).as("v%d %s", v, rel).isEqualTo(-1);
        }
        assertThat(won.get(0).files()).containsExactly(TestStores.describe(winner, CONFIG),
                TestStores.describe(winner, WEIGHTS));
        return lostAtTheRename;
    }

    @Test
    void leftoversOfACrashedPublishAreRemovedWhenAStoreStarts() throws Exception {
        TestStores.result(store.publish("assistant", 1, TestStores.adapterDirectory(dir.resolve("source"), 1)));
        store.close();
        Path crashed = Files.createDirectories(root.resolve(".tmp-0b7d5c1e-crashed/sub"));
        Files.write(crashed.resolve(WEIGHTS), new byte[] {1, 2, 3});
        Files.setPosixFilePermissions(crashed.resolve(WEIGHTS), PosixFilePermissions.fromString("r--r--r--"));
        Files.writeString(root.resolve(".tmp-stray-file"), "x");
        Files.writeString(root.resolve(".keep"), "not ours");

        store = TestStores.store(Map.of("root", root.toString()), io);

        assertThat(TestStores.list(root)).containsExactly(".keep", "assistant");
        assertThat(TestStores.tree(root.resolve("assistant/1"))).containsExactly(CONFIG, WEIGHTS,
                LocalAdapterStore.MANIFEST);
    }

    @Test
    void aPublishedVersionIsNeverReplaced() throws Exception {
        Path first = TestStores.adapterDirectory(dir.resolve("first"), 1);
        TestStores.result(store.publish("assistant", 1, first));

        StoreException e = TestStores.storeFailure(
                store.publish("assistant", 1, TestStores.adapterDirectory(dir.resolve("second"), 2)),
                Reason.ALREADY_PUBLISHED);

        assertThat(e).hasMessageContaining("assistant v1 is already published");
        assertThat(Files.mismatch(root.resolve("assistant/1/" + WEIGHTS), first.resolve(WEIGHTS))).isEqualTo(-1);
        TestStores.result(store.publish("assistant", 2, first));
        TestStores.result(store.publish("other", 1, first));
    }

    @ParameterizedTest
    @ValueSource(strings = {CONFIG, WEIGHTS})
    void aSourceWithoutARequiredFileIsRefused(String missing) throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        Files.delete(source.resolve(missing));

        StoreException e = TestStores.storeFailure(store.publish("assistant", 1, source), Reason.IO);

        assertThat(e).hasMessageContaining("has no " + missing);
        assertThat(TestStores.list(root)).isEmpty();
    }

    @Test
    void aSourceWithASymbolicLinkIsRefused() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        Path outside = Files.writeString(dir.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(source.resolve("notes.txt"), outside);

        StoreException e = TestStores.storeFailure(store.publish("assistant", 1, source), Reason.IO);

        assertThat(e).hasMessageContaining("notes.txt").hasMessageContaining("symbolic link");
        assertThat(TestStores.list(root)).isEmpty();
    }

    @Test
    void aSourceWithASymbolicLinkToADirectoryIsRefused() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        Path outside = Files.createDirectories(dir.resolve("elsewhere"));
        Files.writeString(outside.resolve("x.txt"), "x");
        Files.createSymbolicLink(source.resolve("more"), outside);

        StoreException e = TestStores.storeFailure(store.publish("assistant", 1, source), Reason.IO);

        assertThat(e).hasMessageContaining("more").hasMessageContaining("symbolic link");
    }

    @Test
    void aSourceReachedThroughASymbolicLinkIsFine() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("checkpoint-100"), 1);
        Path latest = Files.createSymbolicLink(dir.resolve("latest"), source);

        Published published = TestStores.result(store.publish("assistant", 1, latest));

        assertThat(published.files()).extracting(AdapterFile::path).containsExactly(CONFIG, WEIGHTS);
    }

    @ParameterizedTest
    @ValueSource(strings = {"read me.md", "caf\u00e9.txt", "a:b"})
    void aFileNameOutsideTheReleaseAlphabetIsRefused(String name) throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        Files.writeString(source.resolve(name), "x");

        StoreException e = TestStores.storeFailure(store.publish("assistant", 1, source), Reason.IO);

        assertThat(e).hasMessageContaining(name);
    }

    @Test
    void aSourceWithItsOwnManifestIsRefused() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        Files.writeString(source.resolve(LocalAdapterStore.MANIFEST), "{}");

        StoreException e = TestStores.storeFailure(store.publish("assistant", 1, source), Reason.IO);

        assertThat(e).hasMessageContaining("reserves");
    }

    @Test
    void anUnreadableAdapterConfigIsRefused() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        Files.writeString(source.resolve(CONFIG), "{\"r\": 8", StandardCharsets.UTF_8);

        StoreException e = TestStores.storeFailure(store.publish("assistant", 1, source), Reason.IO);

        assertThat(e).hasMessageContaining(CONFIG);
        assertThat(TestStores.list(root)).as("the temporary copy is removed").isEmpty();
    }

    @Test
    void aMissingSourceIsRefused() throws Exception {
        StoreException e = TestStores.storeFailure(store.publish("assistant", 1, dir.resolve("nowhere")), Reason.IO);

        assertThat(e).hasMessageContaining("nowhere").hasMessageContaining("does not exist");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Assistant", "../escape", ".tmp-x", "", "a/b", "-lead"})
    void anInvalidNameIsAnIllegalArgument(String name) throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);

        assertThat(TestStores.failure(store.publish(name, 1, source), IllegalArgumentException.class))
                .hasMessageContaining("adapter name");
        assertThat(TestStores.list(root)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void aVersionBelowOneIsAnIllegalArgument(int version) throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);

        assertThat(TestStores.failure(store.publish("assistant", version, source), IllegalArgumentException.class))
                .hasMessageContaining("version");
    }

    @Test
    void aClosedStoreRefusesWork() throws Exception {
        store.close();

        TestStores.failure(store.publish("assistant", 1, TestStores.adapterDirectory(dir.resolve("s"), 1)),
                IllegalStateException.class);
    }

    @Test
    void filesAreCopiedVerbatimWhateverTheirSize() throws Exception {
        Path source = TestStores.adapterDirectory(dir.resolve("source"), 1);
        Files.write(source.resolve("empty.bin"), new byte[0]);
        byte[] big = new byte[3 * (1 << 16) + 5]; // several copy buffers and a partial one
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        Files.write(source.resolve("big.bin"), big);

        Published published = TestStores.result(store.publish("assistant", 1, source));

        assertThat(published.files()).contains(
                new AdapterFile("empty.bin", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                new AdapterFile("big.bin", big.length, TestStores.sha256(big)));
        assertThat(root.resolve("assistant/1/big.bin")).hasBinaryContent(big);
    }

}
