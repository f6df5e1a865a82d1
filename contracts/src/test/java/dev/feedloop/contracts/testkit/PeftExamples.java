package dev.feedloop.contracts.testkit;

import java.io.IOException;
import java.io.InputStream;

/** Real third-party PEFT files, for tests of anything that reads adapters. */
public final class PeftExamples {
    private PeftExamples() {}

    /**
     * {@code adapter_config.json} exactly as PEFT 0.19.1 wrote it for a TinyLlama adapter (r 16, alpha 32,
     * all seven projections), keys sorted, including the keys Feedloop does not model.
     */
    public static byte[] peft0191AdapterConfig() throws IOException {
        try (InputStream in = PeftExamples.class.getResourceAsStream("peft-0.19.1-adapter_config.json")) {
            if (in == null) {
                throw new IOException("missing test resource peft-0.19.1-adapter_config.json");
            }
            return in.readAllBytes();
        }
    }
}
