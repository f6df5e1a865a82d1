package dev.feedloop.adapterstore;

import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.testkit.AdapterStoreContract;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;

/**
 * The local store satisfies the adapter store contract with {@code http:} URIs: the root is served read-only by
 * a JDK HTTP server on 127.0.0.1 and fetches go through it.
 */
class LocalAdapterStoreHttpContractTest extends AdapterStoreContract {
    private final ExecutorService io = TestStores.ioPool();
    private RootServer server;

    @Override
    protected AdapterStore store(Path root) {
        try {
            server = RootServer.serve(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return TestStores.store(Map.of("root", root.toString(), "public-url", server.baseUri().toString()), io);
    }

    @AfterEach
    void stopServer() {
        if (server != null) {
            server.close();
        }
        io.shutdownNow();
    }
}
