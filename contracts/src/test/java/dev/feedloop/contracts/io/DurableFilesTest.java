package dev.feedloop.contracts.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DurableFilesTest {
    @Test
    void writeAtomicallyCreatesAndReplaces(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("f.txt");
        DurableFiles.writeAtomically(file, out -> out.write("one".getBytes(StandardCharsets.UTF_8)));
        DurableFiles.writeAtomically(file, out -> out.write("two".getBytes(StandardCharsets.UTF_8)));

        assertThat(file).hasContent("two");
        assertThat(list(dir)).containsExactly(file);
    }

    @Test
    void aFailingBodyLeavesTheOldContentAndNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("f.txt");
        Files.writeString(file, "old");

        assertThatThrownBy(() -> DurableFiles.writeAtomically(file, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        })).hasMessage("disk full");

        assertThat(file).hasContent("old");
        assertThat(list(dir)).containsExactly(file);
    }

    @Test
    void writeAndSyncRefusesAnExistingFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("f.txt");
        DurableFiles.writeAndSync(file, out -> out.write(1));

        assertThatThrownBy(() -> DurableFiles.writeAndSync(file, out -> out.write(2)))
                .isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readAllBytes(file)).containsExactly(1);
    }

    @Test
    void deleteRecursivelyRemovesATreeAndToleratesAMissingPath(@TempDir Path dir) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("a/b/c"));
        Files.writeString(tree.resolve("x"), "x");
        Files.writeString(dir.resolve("a/y"), "y");

        DurableFiles.deleteRecursively(dir.resolve("a"));
        DurableFiles.deleteRecursively(dir.resolve("missing"));

        assertThat(list(dir)).isEmpty();
    }

    private static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }
}
