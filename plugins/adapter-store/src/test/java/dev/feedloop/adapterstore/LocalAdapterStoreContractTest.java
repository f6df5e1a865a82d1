package dev.feedloop.adapterstore;

import dev.feedloop.contracts.spi.AdapterStore;
import dev.feedloop.contracts.testkit.AdapterStoreContract;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.junit.jupiter.api.AfterEach;

/** The local store satisfies the adapter store contract with {@code file:} URIs (no {@code public-url}). */
class LocalAdapterStoreContractTest extends AdapterStoreContract {
    private final ExecutorService io = TestStores.ioPool();

    @Override
    protected AdapterStore store(Path root) {
        return TestStores.store(Map.of("root", root.toString()), io);
    }

    @AfterEach
    void stopPool() {
        io.shutdownNow();
    }
}
