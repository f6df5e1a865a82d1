package dev.feedloop.contracts.spi;

import dev.feedloop.contracts.testkit.AdapterStoreContract;
import java.nio.file.Path;

/** The test-only {@link DirectoryAdapterStore} satisfies the adapter store contract. */
class DirectoryAdapterStoreContractTest extends AdapterStoreContract {
    @Override
    protected AdapterStore store(Path root) {
        return new DirectoryAdapterStore(root);
    }
}
