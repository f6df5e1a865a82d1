package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.vllm.AdapterFiles.Published;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Publishing into a watched directory is atomic and leaves the layout a resolver or NIM expects. */
class AdapterFilesTest {
    @TempDir
    Path tmp;

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void publishCopiesTheAdapterUnderItsNameAndLeavesNothingElse() throws IOException {
        Path source = Adapters.servable(tmp.resolve("src"));
        Files.createDirectories(source.resolve("extra"));
        Files.writeString(source.resolve("extra/README.md"), "notes");
        Path root = Files.createDirectories(tmp.resolve("cache"));

        Published p = AdapterFiles.publish(source, root, "policy-v3", AdapterFiles.BeforeRename.NONE);

        assertThat(p).isEqualTo(Published.CREATED);
        assertThat(entries(root)).containsExactly("policy-v3");
        assertThat(entries(root.resolve("policy-v3")))
                .containsExactly("adapter_config.json", "adapter_model.safetensors", "extra");
        assertThat(AdapterFiles.sameContent(source, root.resolve("policy-v3"))).isTrue();
        assertThat(Files.readString(root.resolve("policy-v3/extra/README.md"))).isEqualTo("notes");
    }

    @Test
    void theNameAppearsOnlyWhenTheCopyIsComplete() throws IOException {
        Path source = Adapters.servable(tmp.resolve("src"));
        Path root = Files.createDirectories(tmp.resolve("cache"));
        List<String> seen = new ArrayList<>();

        AdapterFiles.publish(source, root, "policy-v3", (staged, target) -> {
            seen.add("target exists: " + Files.exists(target));
            seen.add("staged is hidden: " + staged.getFileName().toString().startsWith("."));
            seen.add("staged is complete: " + AdapterFiles.sameContent(source, staged));
            seen.add("staged sibling: " + staged.getParent().equals(root));
        });

        assertThat(seen).containsExactly("target exists: false", "staged is hidden: true", "staged is complete: true",
                "staged sibling: true");
    }

    @Test
    void aFailureBeforeTheRenameLeavesNoTraceUnderTheRoot() throws IOException {
        Path source = Adapters.servable(tmp.resolve("src"));
        Path root = Files.createDirectories(tmp.resolve("cache"));

        assertThatThrownBy(() -> AdapterFiles.publish(source, root, "policy-v3", (staged, target) -> {
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");

        assertThat(entries(root)).isEmpty();
    }

    @Test
    void identicalContentUnderTheNameIsAlreadyPresentAndDifferentContentIsRejected() throws IOException {
        Path source = Adapters.servable(tmp.resolve("src"));
        Path other = Adapters.withRank(tmp.resolve("other"), 4);
        Path root = Files.createDirectories(tmp.resolve("cache"));
        AdapterFiles.publish(source, root, "policy-v3", AdapterFiles.BeforeRename.NONE);

        assertThat(AdapterFiles.publish(source, root, "policy-v3", AdapterFiles.BeforeRename.NONE))
                .isEqualTo(Published.ALREADY_PRESENT);
        assertThatThrownBy(() -> AdapterFiles.publish(other, root, "policy-v3", AdapterFiles.BeforeRename.NONE))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REJECTED))
                .hasMessageContaining("already exists with different content");
        assertThat(entries(root)).containsExactly("policy-v3");
    }

    @Test
    void losingARaceToAnIdenticalPublicationIsAlreadyPresent() throws IOException {
        Path source = Adapters.servable(tmp.resolve("src"));
        Path root = Files.createDirectories(tmp.resolve("cache"));

        Published p = AdapterFiles.publish(source, root, "policy-v3", (staged, target) ->
                AdapterFiles.publish(source, root, "policy-v3", AdapterFiles.BeforeRename.NONE));

        assertThat(p).isEqualTo(Published.ALREADY_PRESENT);
        assertThat(entries(root)).containsExactly("policy-v3");
    }

    @Test
    void hideTakesTheNameAwayAtOnceThenRestoreOrDelete() throws IOException {
        Path source = Adapters.servable(tmp.resolve("src"));
        Path root = Files.createDirectories(tmp.resolve("cache"));
        AdapterFiles.publish(source, root, "policy-v3", AdapterFiles.BeforeRename.NONE);

        Path hidden = AdapterFiles.hide(root, "policy-v3");
        assertThat(AdapterFiles.publishedNames(root)).isEmpty();
        assertThat(hidden.getFileName().toString()).startsWith(".retired-policy-v3-");

        AdapterFiles.restore(hidden, root, "policy-v3");
        assertThat(AdapterFiles.publishedNames(root)).containsExactly("policy-v3");

        AdapterFiles.delete(AdapterFiles.hide(root, "policy-v3"));
        assertThat(entries(root)).isEmpty();
        assertThat(AdapterFiles.hide(root, "policy-v3")).isNull();
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", ".hidden", "..", "../escape", "a/b", "a\\b", "with space", "-leading-dash"})
    void namesThatCannotBeADirectoryAreRejected(String name) {
        assertThatThrownBy(() -> AdapterFiles.checkDirectoryName(name))
                .isInstanceOfSatisfying(BackendException.class, e -> assertThat(e.reason()).isEqualTo(Reason.REJECTED));
    }

    @Test
    void usualNamesAreFine() {
        AdapterFiles.checkDirectoryName("policy-v17");
        AdapterFiles.checkDirectoryName("Qwen2.5_alias-v3");
    }
}
