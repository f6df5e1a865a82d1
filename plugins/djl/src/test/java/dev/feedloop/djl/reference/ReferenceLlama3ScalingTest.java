package dev.feedloop.djl.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.withinPercentage;

import dev.feedloop.djl.hf.HfConfig;
import org.junit.jupiter.api.Test;

/**
 * llama3 RoPE scaling with factor 8, low_freq_factor 1, high_freq_factor 4, original context 8192,
 * θ = 500000, head_dim 128, checked against values derived by hand from serving.md §7.3.
 *
 * <p>Derivation: {@code inv[j] = 500000^(−j/64)}, {@code wl[j] = 2π / inv[j]}; {@code low_wl = 8192/1 = 8192},
 * {@code high_wl = 8192/4 = 2048}. {@code wl < 2048 ⇔ 500000^(j/64) < 2048/2π = 325.95 ⇔ j < 64·ln(325.95)/ln(500000)
 * = 28.22}, so j ≤ 28 is unchanged. {@code wl > 8192 ⇔ 500000^(j/64) > 1303.8 ⇔ j > 34.98}, so j ≥ 35 is divided
 * by 8. j = 29..34 is the smooth band: {@code s = (8192/wl − 1)/3}, {@code inv' = (1 − s)·inv/8 + s·inv}.
 */
class ReferenceLlama3ScalingTest {

    private static final HfConfig.Rope LLAMA3 = new HfConfig.Rope(500000.0, "llama3", 8.0, 1.0, 4.0, 8192);

    /** float32 rounding of inputs and of ~10 operations: a few float ulps, relative. */
    private static final double FLOAT_TOLERANCE_PERCENT = 1e-4; // 1e-6 relative

    private final double[] scaled = ReferenceLlama.inverseFrequencies(LLAMA3, 128);
    private final double[] plain = ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(500000.0), 128);

    @Test
    void highFrequenciesAreUnchanged() {
        for (int j = 0; j <= 28; j++) {
            assertThat(scaled[j]).as("j=%d", j).isEqualTo(plain[j]);
        }
        // 500000^(−j/64), exact double values of the formula
        assertThat(scaled[0]).isEqualTo(1.0);
        assertThat(scaled[1]).isCloseTo(0.8146172338565447, withinPercentage(FLOAT_TOLERANCE_PERCENT));
        assertThat(scaled[20]).isCloseTo(0.016560440080994446, withinPercentage(FLOAT_TOLERANCE_PERCENT));
        // j=28: wl = 1956.5 < 2048, the last unchanged entry
        assertThat(scaled[28]).isCloseTo(0.003211445994752591, withinPercentage(FLOAT_TOLERANCE_PERCENT));
    }

    @Test
    void lowFrequenciesAreDividedByTheFactor() {
        for (int j = 35; j < 64; j++) {
            assertThat(scaled[j]).as("j=%d", j).isEqualTo(plain[j] / 8); // exact: 8 is a power of two
        }
        // j=35: wl = 8218.7 > 8192, the first divided entry: 500000^(−35/64)/8
        assertThat(scaled[35]).isCloseTo(9.556212353964683e-05, withinPercentage(FLOAT_TOLERANCE_PERCENT));
        assertThat(scaled[63]).isCloseTo(3.068925988914511e-07, withinPercentage(FLOAT_TOLERANCE_PERCENT));
    }

    @Test
    void middleOfTheSmoothBandByHand() {
        // j = 32: inv = 500000^(−1/2) = √2/1000, wl = 2π·1000/√2 = 1000·π·√2 = 4442.88
        double inv = Math.sqrt(2) / 1000;
        double wl = 1000 * Math.PI * Math.sqrt(2);
        double s = (8192 / wl - 1) / 3; // 0.28128
        double expected = (1 - s) * inv / 8 + s * inv; // 5.2485e-4
        assertThat(expected).isCloseTo(5.248461609929547e-4, withinPercentage(1e-10));
        assertThat(scaled[32]).isCloseTo(expected, withinPercentage(FLOAT_TOLERANCE_PERCENT));
        assertThat(scaled[32]).isStrictlyBetween(plain[32] / 8, plain[32]);
    }

    @Test
    void edgesOfTheSmoothBand() {
        // j = 29: wl = 2401.7, s = 0.80362, inv' = 0.0026160992529250353·((1 − s)/8 + s)
        assertThat(scaled[29]).isCloseTo(0.002166570763503359, withinPercentage(FLOAT_TOLERANCE_PERCENT));
        // j = 34: wl = 6695.1, s = 0.074527, inv' = 0.0009384738703573802·((1 − s)/8 + s)
        assertThat(scaled[34]).isCloseTo(1.785078127679964e-4, withinPercentage(FLOAT_TOLERANCE_PERCENT));
        for (int j = 29; j <= 34; j++) {
            assertThat(scaled[j]).as("j=%d", j).isStrictlyBetween(plain[j] / 8, plain[j]);
        }
    }

    @Test
    void degenerateFactorsAreRejected() {
        assertThatThrownBy(() -> ReferenceLlama.inverseFrequencies(new HfConfig.Rope(500000.0, "llama3", 8.0, 4.0, 4.0, 8192), 128))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("high_freq_factor");
    }
}
