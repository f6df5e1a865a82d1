package dev.feedloop.adapterstore;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hashing copy stops one byte past its limit, so an oversized source is noticed without reading it all. */
class StoreFilesTest {
    @TempDir
    Path dir;

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 7);
        return b;
    }

    @Test
    void aSourceOfExactlyTheLimitIsCopiedWhole() throws IOException {
        byte[] data = bytes((1 << 16) * 2);

        StoreFiles.Copied copied = StoreFiles.copy(new ByteArrayInputStream(data), dir.resolve("f"), data.length);

        assertThat(copied).isEqualTo(new StoreFiles.Copied(data.length, TestStores.sha256(data), false));
        assertThat(dir.resolve("f")).hasBinaryContent(data);
    }

    @Test
    void aSourceOneByteOverTheLimitIsCutOffAfterThatByte() throws IOException {
        byte[] data = bytes(1000);
        ByteArrayInputStream in = new ByteArrayInputStream(data);

        StoreFiles.Copied copied = StoreFiles.copy(in, dir.resolve("f"), 10);

        assertThat(copied.overLimit()).isTrue();
        assertThat(copied.size()).isEqualTo(11);
        assertThat(in.available()).as("bytes left unread").isEqualTo(989);
    }

    @Test
    void anEmptySourceWithLimitZeroIsFine() throws IOException {
        StoreFiles.Copied copied = StoreFiles.copy(new ByteArrayInputStream(new byte[0]), dir.resolve("f"), 0);

        assertThat(copied).isEqualTo(new StoreFiles.Copied(0,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", false));
        assertThat(Files.size(dir.resolve("f"))).isZero();
    }

    @Test
    void anUnboundedCopyDoesNotOverflow() throws IOException {
        byte[] data = bytes(70_000);

        StoreFiles.Copied copied = StoreFiles.copy(new ByteArrayInputStream(data), dir.resolve("f"), Long.MAX_VALUE);

        assertThat(copied.size()).isEqualTo(70_000);
        assertThat(copied.overLimit()).isFalse();
    }

    @Test
    void makeReadOnlyRemovesEveryWriteBit() throws IOException {
        Path f = Files.writeString(dir.resolve("f"), "x");

        StoreFiles.makeReadOnly(f);

        assertThat(TestStores.hasWritePermission(f)).isFalse();
        assertThat(Files.isReadable(f)).isTrue();
    }
}
