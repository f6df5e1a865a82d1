package dev.feedloop.djl.reference;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.djl.hf.HfConfig;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Production {@link HfConfig.Rope#inverseFrequencies} against the reference's independent float32
 * computation. Both round the exponent to float32; they may differ in where the remaining steps are
 * rounded, so a few float32 ulps (here: 1e-6 relative, about 8 ulps) are allowed.
 */
class HfConfigRopeAgreementTest {

    static List<HfConfig.Rope> ropes() {
        return List.of(
                HfConfig.Rope.plain(10000.0),
                HfConfig.Rope.plain(1e6),
                new HfConfig.Rope(10000.0, "linear", 4.0, 1.0, 4.0, 8192),
                new HfConfig.Rope(500000.0, "llama3", 8.0, 1.0, 4.0, 8192),
                new HfConfig.Rope(500000.0, "llama3", 32.0, 1.0, 4.0, 8192));
    }

    @ParameterizedTest
    @MethodSource("ropes")
    void productionMatchesTheReference(HfConfig.Rope rope) {
        for (int headDim : new int[] {64, 112, 128}) {
            double[] reference = ReferenceLlama.inverseFrequencies(rope, headDim);
            float[] production = rope.inverseFrequencies(headDim);
            assertThat(production).hasSize(reference.length);
            for (int j = 0; j < reference.length; j++) {
                double relative = Math.abs(production[j] - reference[j]) / reference[j];
                assertThat(relative).as("%s head_dim %d j %d", rope, headDim, j).isLessThan(1e-6);
            }
        }
    }
}
