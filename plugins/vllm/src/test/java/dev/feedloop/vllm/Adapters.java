package dev.feedloop.vllm;

import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.testkit.TinyPeftAdapters;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Adapter directories for tests, servable or with one thing a server refuses. */
final class Adapters {
    static final String BASE = "/models/tiny-llama";

    private Adapters() {}

    static Path servable(Path dir) throws IOException {
        return TinyPeftAdapters.write(dir, BASE, 8);
    }

    static Path withRank(Path dir, int r) throws IOException {
        return TinyPeftAdapters.write(dir, BASE, r);
    }

    static Path withBias(Path dir, String bias) throws IOException {
        return TinyPeftAdapters.write(dir, config(8, bias, false, null));
    }

    static Path withDora(Path dir) throws IOException {
        return TinyPeftAdapters.write(dir, config(8, "none", true, null));
    }

    static Path withModulesToSave(Path dir) throws IOException {
        return TinyPeftAdapters.write(dir, config(8, "none", false, List.of("lm_head")));
    }

    private static AdapterConfig config(int r, String bias, boolean dora, List<String> modulesToSave) {
        return new AdapterConfig(r, 2 * r, List.of("q_proj", "v_proj"), 0.0, false, BASE, bias, dora, modulesToSave,
                Map.of(), Map.of(), false, true, "LORA", "CAUSAL_LM", null);
    }
}
