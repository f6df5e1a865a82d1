package dev.feedloop.adapterstore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.AdapterRelease.AdapterFile;
import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.spi.AdapterStore.Published;
import dev.feedloop.contracts.spi.AdapterStore.StoreException;
import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.PluginMetrics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/** Shared fixtures of the store tests. Everything here is computed independently of the store. */
final class TestStores {
    static final String CONFIG = "adapter_config.json";
    static final String WEIGHTS = "adapter_model.safetensors";

    private TestStores() {}

    /** A pool like the sidecar's blocking executor, with threads named {@code store-io-N}. */
    static ExecutorService ioPool() {
        AtomicInteger n = new AtomicInteger();
        return Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "store-io-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    static PluginContext context(Map<String, String> config, Executor executor) {
        return new PluginContext("local", config, Clock.systemUTC(), executor, PluginMetrics.NOOP);
    }

    static LocalAdapterStore store(Map<String, String> config, Executor executor) {
        return (LocalAdapterStore) new LocalAdapterStoreProvider().create(context(config, executor));
    }

    /** A small PEFT adapter directory; the same seed gives the same bytes. */
    static Path adapterDirectory(Path dir, long seed) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(CONFIG), "{\"base_model_name_or_path\":\"tiny\",\"peft_type\":\"LORA\",\"r\":8,"
                + "\"lora_alpha\":16,\"target_modules\":[\"q_proj\",\"v_proj\"],\"seed\":" + seed + "}",
                StandardCharsets.UTF_8);
        byte[] weights = new byte[64 * 1024 + 17];
        new Random(seed).nextBytes(weights);
        Files.write(dir.resolve(WEIGHTS), weights);
        return dir;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static AdapterFile describe(Path dir, String rel) throws IOException {
        byte[] bytes = Files.readAllBytes(dir.resolve(rel));
        return new AdapterFile(rel, bytes.length, sha256(bytes));
    }

    static AdapterRelease release(String name, int version, String uri, List<AdapterFile> files) {
        return new AdapterRelease(1, name, version, "default", Instant.parse("2026-11-25T07:30:00Z"), "tiny", 8, 16,
                List.of("q_proj", "v_proj"), files, uri, AdapterRelease.Status.CANDIDATE, null, Map.of(), null);
    }

    static AdapterRelease release(String name, int version, Published published) {
        return release(name, version, published.uri(), published.files());
    }

    static <T> T result(CompletionStage<T> stage) throws Exception {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the stage failed: " + e.getCause(), e.getCause());
        }
    }

    /** The failure of a stage that must fail; asserts it is {@code type}. */
    static <X extends Throwable> X failure(CompletionStage<?> stage, Class<X> type) throws Exception {
        try {
            Object value = stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
            throw new AssertionError("expected a " + type.getSimpleName() + ", but the stage completed with " + value);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(type);
            return type.cast(e.getCause());
        } catch (TimeoutException e) {
            throw new AssertionError("the stage did not complete in 30 s", e);
        }
    }

    static StoreException storeFailure(CompletionStage<?> stage, StoreException.Reason reason) throws Exception {
        StoreException e = failure(stage, StoreException.class);
        assertThat(e.reason()).as("reason of %s", e).isEqualTo(reason);
        return e;
    }

    /** Every entry directly in {@code dir}, by name. */
    static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** Every regular file under {@code dir}, by relative path. */
    static List<String> tree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/')).sorted()
                    .collect(Collectors.toList());
        }
    }

    static boolean hasWritePermission(Path file) throws IOException {
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        return perms.stream().anyMatch(EnumSet.of(PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_WRITE)::contains);
    }

    /** Overwrites a read-only published file, as an attacker or a broken disk would. */
    static void tamper(Path file, byte[] content) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.copyOf(Files.getPosixFilePermissions(file));
        perms.add(PosixFilePermission.OWNER_WRITE);
        Files.setPosixFilePermissions(file, perms);
        Files.write(file, content);
    }

    static void closeQuietly(AdapterStore store) {
        if (store != null) {
            store.close();
        }
    }
}
