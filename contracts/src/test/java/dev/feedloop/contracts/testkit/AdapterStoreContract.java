package dev.feedloop.contracts.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.AdapterRelease.AdapterFile;
import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.AdapterStore.Published;
import dev.feedloop.contracts.spi.AdapterStore.StoreException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every {@link AdapterStore} must have: a publish reports each file with the size and
 * sha256 of its bytes, sorted by path; a fetch reproduces the files byte for byte; a published version
 * can never be replaced; and a fetch whose files do not match the release fails with {@link
 * StoreException.Reason#INTEGRITY} and leaves nothing at the target.
 *
 * <p>A plugin module depends on the {@code feedloop-contracts} test-jar and extends this class in a
 * {@code *ContractTest} class. The store is given a fresh, empty directory it may use as its root
 * (a local store keeps its versions there; a remote store may ignore it and point at a fake server):
 *
 * <pre>{@code
 * class S3AdapterStoreContractTest extends AdapterStoreContract {
 *     @Override
 *     protected AdapterStore store(Path root) {
 *         return new S3AdapterStoreProvider().create(PluginContext.of("s3", Map.of("endpoint", fakeS3.url())));
 *     }
 * }
 * }</pre>
 */
public abstract class AdapterStoreContract {
    /** The adapter family every contract test publishes. */
    protected static final String NAME = "assistant";

    private static final String CONFIG = "adapter_config.json";
    private static final String WEIGHTS = "adapter_model.safetensors";
    private static final Instant TIME = Instant.parse("2026-11-25T07:30:00.123456789Z");

    @TempDir
    Path tempDir;

    private AdapterStore subject;

    /**
     * A new store under test. Called once before each test; the contract closes it after the test.
     *
     * @param root a fresh, empty directory the store may use
     * @return the store
     */
    protected abstract AdapterStore store(Path root);

    @BeforeEach
    final void createStore() throws IOException {
        subject = store(Files.createDirectories(tempDir.resolve("store-root")));
        assertThat(subject).as("store(root)").isNotNull();
    }

    @AfterEach
    final void closeStore() {
        if (subject != null) {
            subject.close();
        }
    }

    @Test
    void publishReportsEveryFileSortedWithSizeAndSha256() throws Exception {
        Path source = adapterDirectory("source", 1);

        Published published = Stages.result(subject.publish(NAME, 1, source));

        assertThat(published.uri()).as("published uri").isNotBlank();
        assertThat(published.files()).isSortedAccordingTo(Comparator.comparing(AdapterFile::path));
        assertThat(published.files()).containsExactlyElementsOf(manifest(source));
    }

    @Test
    void publishedManifestMakesAValidAdapterRelease() throws Exception {
        Published published = Stages.result(subject.publish(NAME, 1, adapterDirectory("source", 1)));

        AdapterRelease release = release(1, published);

        assertThatCode(() -> EventCodec.of(AdapterRelease.class).encode(release))
                .as("an AdapterRelease carrying the published uri and files").doesNotThrowAnyException();
    }

    @Test
    void fetchReproducesThePublishedFilesByteForByte() throws Exception {
        Path source = adapterDirectory("source", 1);
        Published published = Stages.result(subject.publish(NAME, 1, source));
        Path target = tempDir.resolve("fetched").resolve(NAME + "-v1");

        Path fetched = Stages.result(subject.fetch(release(1, published), target));

        assertThat(fetched).as("fetch result").isEqualTo(target);
        assertSameFiles(target, source);
    }

    @Test
    void publishingAVersionTwiceFailsAndKeepsTheFirst() throws Exception {
        Path first = adapterDirectory("first", 1);
        Published published = Stages.result(subject.publish(NAME, 1, first));
        Path second = adapterDirectory("second", 2);

        StoreException e = Stages.failure(subject.publish(NAME, 1, second), StoreException.class);

        assertThat(e.reason()).as("reason of %s", e).isEqualTo(StoreException.Reason.ALREADY_PUBLISHED);
        Path target = tempDir.resolve("fetched").resolve(NAME + "-v1");
        Stages.result(subject.fetch(release(1, published), target));
        assertSameFiles(target, first);
    }

    @Test
    void fetchWithAWrongSha256FailsWithIntegrityAndLeavesNoTarget() throws Exception {
        Published published = Stages.result(subject.publish(NAME, 1, adapterDirectory("source", 1)));
        List<AdapterFile> files = new ArrayList<>(published.files());
        AdapterFile weights = fileNamed(files, WEIGHTS);
        files.set(files.indexOf(weights),
                new AdapterFile(weights.path(), weights.size(), flipFirstHexDigit(weights.sha256())));
        Path target = tempDir.resolve("fetched").resolve(NAME + "-v1");

        StoreException e = Stages.failure(
                subject.fetch(release(1, new Published(published.uri(), files)), target), StoreException.class);

        assertThat(e.reason()).as("reason of %s", e).isEqualTo(StoreException.Reason.INTEGRITY);
        assertThat(target).doesNotExist();
    }

    @Test
    void fetchWithAWrongSizeFailsWithIntegrityAndLeavesNoTarget() throws Exception {
        Published published = Stages.result(subject.publish(NAME, 1, adapterDirectory("source", 1)));
        List<AdapterFile> files = new ArrayList<>(published.files());
        AdapterFile config = fileNamed(files, CONFIG);
        files.set(files.indexOf(config), new AdapterFile(config.path(), config.size() + 1, config.sha256()));
        Path target = tempDir.resolve("fetched").resolve(NAME + "-v1");

        StoreException e = Stages.failure(
                subject.fetch(release(1, new Published(published.uri(), files)), target), StoreException.class);

        assertThat(e.reason()).as("reason of %s", e).isEqualTo(StoreException.Reason.INTEGRITY);
        assertThat(target).doesNotExist();
    }

    /**
     * A candidate release of {@link #NAME} built from a publish result.
     *
     * @param version the published version
     * @param published what {@link AdapterStore#publish} returned
     * @return the release a trainer would announce
     */
    protected static AdapterRelease release(int version, Published published) {
        return new AdapterRelease(1, NAME, version, "default", TIME, "tiny", 8, 16, List.of("q_proj", "v_proj"),
                published.files(), published.uri(), AdapterRelease.Status.CANDIDATE, null, Map.of(), null);
    }

    /**
     * Writes a small PEFT adapter directory: {@code adapter_config.json} and {@code
     * adapter_model.safetensors} of pseudo-random bytes. The same seed gives the same bytes.
     *
     * @param dirName a directory name under the test's temporary directory
     * @param seed the seed of the weights' bytes
     * @return the directory
     */
    protected Path adapterDirectory(String dirName, long seed) throws IOException {
        Path dir = Files.createDirectories(tempDir.resolve(dirName));
        String config = "{\"base_model_name_or_path\":\"tiny\",\"peft_type\":\"LORA\",\"r\":8,\"lora_alpha\":16,"
                + "\"target_modules\":[\"q_proj\",\"v_proj\"],\"seed\":" + seed + "}";
        Files.writeString(dir.resolve(CONFIG), config, StandardCharsets.UTF_8);
        byte[] weights = new byte[64 * 1024 + 17];
        new Random(seed).nextBytes(weights);
        Files.write(dir.resolve(WEIGHTS), weights);
        return dir;
    }

    /** Every regular file under {@code dir}, sorted by relative path, with size and sha256 computed here. */
    private static List<AdapterFile> manifest(Path dir) throws IOException {
        List<AdapterFile> files = new ArrayList<>();
        for (Path file : regularFiles(dir)) {
            byte[] bytes = Files.readAllBytes(file);
            files.add(new AdapterFile(relative(dir, file), bytes.length, sha256(bytes)));
        }
        files.sort(Comparator.comparing(AdapterFile::path));
        return files;
    }

    private static void assertSameFiles(Path actualDir, Path expectedDir) throws IOException {
        Map<String, Path> actual = byRelativePath(actualDir);
        Map<String, Path> expected = byRelativePath(expectedDir);
        assertThat(actual.keySet()).as("files under %s", actualDir)
                .containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, Path> e : expected.entrySet()) {
            assertThat(Files.mismatch(actual.get(e.getKey()), e.getValue()))
                    .as("first differing byte of %s (-1 = identical)", e.getKey()).isEqualTo(-1L);
        }
    }

    private static Map<String, Path> byRelativePath(Path dir) throws IOException {
        return regularFiles(dir).stream().collect(Collectors.toMap(f -> relative(dir, f), f -> f));
    }

    private static List<Path> regularFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    private static String relative(Path dir, Path file) {
        return dir.relativize(file).toString().replace(dir.getFileSystem().getSeparator(), "/");
    }

    private static AdapterFile fileNamed(List<AdapterFile> files, String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + path + " in the published files " + files));
    }

    private static String flipFirstHexDigit(String sha256) {
        char c = sha256.charAt(0);
        return (c == '0' ? '1' : '0') + sha256.substring(1);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
