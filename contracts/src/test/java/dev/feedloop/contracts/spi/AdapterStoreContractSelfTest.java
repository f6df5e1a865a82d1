package dev.feedloop.contracts.spi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.testkit.AdapterStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.Events;

/** {@link AdapterStoreContract} passes a verifying store and fails one that trusts what it fetches. */
class AdapterStoreContractSelfTest {
    @Test
    void verifyingStorePassesEveryTest() {
        Events tests = ContractKit.run(DirectoryAdapterStoreContractTest.class);

        assertThat(tests.failed().count()).isZero();
        assertThat(tests.succeeded().count()).isPositive();
    }

    @Test
    void storeThatDoesNotVerifyFetchesFailsTheIntegrityTests() {
        Events tests = ContractKit.run(TrustingAdapterStoreCheck.class);

        assertThat(ContractKit.failedTests(tests)).containsExactly(
                "fetchWithAWrongSha256FailsWithIntegrityAndLeavesNoTarget",
                "fetchWithAWrongSizeFailsWithIntegrityAndLeavesNoTarget");
    }

    /** A directory store with the size and sha256 checks on fetch switched off. */
    static class TrustingAdapterStoreCheck extends AdapterStoreContract {
        @Override
        protected AdapterStore store(Path root) {
            return new DirectoryAdapterStore(root, false);
        }
    }
}
