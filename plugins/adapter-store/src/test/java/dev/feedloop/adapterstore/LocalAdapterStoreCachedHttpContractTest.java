package dev.feedloop.adapterstore;

import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.testkit.AdapterStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** The local store satisfies the adapter store contract over HTTP with a tap-side {@code cache}. */
class LocalAdapterStoreCachedHttpContractTest extends AdapterStoreContract {
    private final ExecutorService io = TestStores.ioPool();
    private RootServer server;

    @TempDir
    Path cacheParent;

    @Override
    protected AdapterStore store(Path root) {
        try {
            server = RootServer.serve(root);
            Path cache = Files.createDirectories(cacheParent.resolve("cache"));
            return TestStores.store(Map.of("root", root.toString(), "public-url", server.baseUri().toString(),
                    "cache", cache.toString()), io);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        io.shutdownNow();
    }
}
