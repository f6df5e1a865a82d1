package dev.feedloop.sidecar.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's config table is generated from {@link ConfigSchema}; this keeps them equal. */
class ReadmeConfigTableTest {
    @Test
    void readmeContainsTheGeneratedConfigTable() throws IOException {
        Path readme = Path.of("..", "README.md");
        assertThat(readme).exists();
        String text = Files.readString(readme);
        assertThat(text)
                .as("README.md config table is stale: regenerate it with './feedloop docs config-table'")
                .contains(ConfigSchema.markdownTable());
    }
}
