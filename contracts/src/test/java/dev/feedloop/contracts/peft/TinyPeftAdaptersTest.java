package dev.feedloop.contracts.peft;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.contracts.testkit.TinyPeftAdapters;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test-kit adapters are valid PEFT directories: the config reads back and the safetensors file is well formed. */
class TinyPeftAdaptersTest {
    @TempDir
    Path dir;

    @Test
    void configReadsBackAndSafetensorsFollowsTheFormat() throws IOException {
        Path adapter = TinyPeftAdapters.write(dir.resolve("a"), "tiny-llama", 4);

        AdapterConfig config = AdapterConfig.read(adapter);
        assertThat(config.r()).isEqualTo(4);
        assertThat(config.baseModelNameOrPath()).isEqualTo("tiny-llama");
        assertThat(config.validateForServing(16)).isEmpty();

        byte[] file = Files.readAllBytes(adapter.resolve("adapter_model.safetensors"));
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).as("header padded to a multiple of 8").isZero();
        String header = new String(file, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header).startsWith("{\"__metadata__\":{\"format\":\"pt\"}");
        JsonNode json = new ObjectMapper().readTree(header);

        List<long[]> offsets = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : json.properties()) {
            if (!e.getKey().equals("__metadata__")) {
                assertThat(PeftKeys.parse(e.getKey()).layer()).isZero();
                JsonNode o = e.getValue().get("data_offsets");
                offsets.add(new long[] {o.get(0).asLong(), o.get(1).asLong()});
            }
        }
        assertThat(offsets).hasSize(4);
        offsets.sort((a, b) -> Long.compare(a[0], b[0]));
        long end = 0;
        for (long[] o : offsets) {
            assertThat(o[0]).as("contiguous offsets").isEqualTo(end);
            end = o[1];
        }
        assertThat(8 + n + end).as("data covers the file exactly").isEqualTo(file.length);
        assertThat(Arrays.stream(offsets.toArray(new long[0][])).mapToLong(o -> o[1] - o[0]).sum())
                .isEqualTo(4L * 4 * TinyPeftAdapters.HIDDEN * 4);
    }
}
