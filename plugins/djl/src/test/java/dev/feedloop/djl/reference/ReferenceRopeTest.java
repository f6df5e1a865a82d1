package dev.feedloop.djl.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.djl.hf.HfConfig;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** RoPE in the reference: rotate_half convention, float32 inverse frequencies, linear scaling. */
class ReferenceRopeTest {

    @Test
    void inverseFrequenciesForHeadDim4AndTheta4AreOneAndOneHalf() {
        // inv[j] = 1 / 4^(2j/4): j=0 → 1, j=1 → 1/√4 = 0.5, both exact in float32
        assertThat(ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(4.0), 4)).containsExactly(1.0, 0.5);
    }

    @Test
    void rotatesSplitHalvesByHand() {
        // h = 4, angles at position 1: θ0 = 1·1 = 1 (pairs elements 0 and 2), θ1 = 1·0.5 = 0.5 (pairs 1 and 3)
        // cos 1 = 0.5403023058681398, sin 1 = 0.8414709848078965, cos ½ = 0.8775825618903728, sin ½ = 0.479425538604203
        double[] q = {1, 2, 3, 4};
        double[] r = ReferenceLlama.rope(q, 1, new double[] {1.0, 0.5});
        // q'[0] = q[0]cos1 − q[2]sin1 = 0.5403023058681398 − 3·0.8414709848078965
        assertThat(r[0]).isCloseTo(-1.9841106485555495, within(1e-15));
        // q'[1] = q[1]cos½ − q[3]sin½ = 2·0.8775825618903728 − 4·0.479425538604203
        assertThat(r[1]).isCloseTo(-0.1625370306360665, within(1e-15));
        // q'[2] = q[2]cos1 + q[0]sin1 = 3·0.5403023058681398 + 0.8414709848078965
        assertThat(r[2]).isCloseTo(2.4623779024123156, within(1e-15));
        // q'[3] = q[3]cos½ + q[1]sin½ = 4·0.8775825618903728 + 2·0.479425538604203
        assertThat(r[3]).isCloseTo(4.469181324769897, within(1e-15));
        assertThat(q).as("input untouched").containsExactly(1, 2, 3, 4);
    }

    @Test
    void positionZeroIsTheIdentity() {
        double[] inv = ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(10000.0), 8);
        double[] q = gaussian(new Random(1), 8);
        assertThat(ReferenceLlama.rope(q, 0, inv)).containsExactly(q);
    }

    @Test
    void rotationPreservesTheNorm() {
        double[] inv = ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(10000.0), 8);
        double[] q = gaussian(new Random(2), 8);
        assertThat(dot(ReferenceLlama.rope(q, 37, inv), ReferenceLlama.rope(q, 37, inv))).isCloseTo(dot(q, q), within(1e-12));
    }

    @Test
    void scoreDependsOnlyOnTheRelativePosition() {
        double[] inv = ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(10000.0), 8);
        Random rnd = new Random(3);
        double[] q = gaussian(rnd, 8);
        double[] k = gaussian(rnd, 8);
        for (int offset : new int[] {0, 1, 3, 17}) {
            double reference = dot(ReferenceLlama.rope(q, offset, inv), ReferenceLlama.rope(k, 0, inv));
            for (int shift : new int[] {1, 5, 100, 1000}) {
                double shifted = dot(ReferenceLlama.rope(q, offset + shift, inv), ReferenceLlama.rope(k, shift, inv));
                assertThat(shifted).as("offset %d shifted by %d", offset, shift).isCloseTo(reference, within(1e-12));
            }
        }
        // ... and it does depend on the offset (otherwise the check above would be vacuous)
        double d1 = dot(ReferenceLlama.rope(q, 1, inv), ReferenceLlama.rope(k, 0, inv));
        double d3 = dot(ReferenceLlama.rope(q, 3, inv), ReferenceLlama.rope(k, 0, inv));
        assertThat(Math.abs(d1 - d3)).isGreaterThan(1e-3);
    }

    @Test
    void defaultInverseFrequenciesAreFloat32ValuesOfTheFormula() {
        double[] inv = ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(10000.0), 128);
        assertThat(inv).hasSize(64);
        assertThat(inv[0]).isEqualTo(1.0);
        // 10000^(−2/128) = 10000^(−1/64) = 0.8659643233600653; float32 spacing there is 6e-8
        assertThat(inv[1]).isCloseTo(0.8659643233600653, within(6e-8));
        // 10000^(−64/128) = 1/100: pow and the reciprocal are exact up to float32 rounding of 0.01
        assertThat(inv[32]).isEqualTo((double) 0.01f);
        for (double v : inv) {
            assertThat((double) (float) v).as("float32-representable").isEqualTo(v);
        }
    }

    @Test
    void exponentIsRoundedToFloat32AsTransformersDoes() {
        // transformers: arange(0, 112, 2).float() / 112 in float32, so for j = 31 the exponent is
        // fl32(62/112) = 0.5535714030265808, not 0.5535714285714286. With θ = 1e6 that moves inv_freq by
        // about 7 float32 ulps (4e-7 relative), which a double-then-round computation would miss.
        double[] inv = ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(1e6), 112);
        double ulp = Math.ulp((float) inv[31]);
        assertThat(inv[31]).isCloseTo(Math.pow(1e6, -0.5535714030265808), within(ulp)); // 4.7705843797549624e-4
        assertThat(Math.abs(inv[31] - Math.pow(1e6, -62.0 / 112))).isGreaterThan(4 * ulp);
        // the same float32 pipeline in numpy gives these exact bits
        assertThat(inv[31]).isEqualTo(4.77058463729918e-4);
    }

    @Test
    void linearScalingDividesEveryFrequencyByTheFactor() {
        double[] plain = ReferenceLlama.inverseFrequencies(HfConfig.Rope.plain(10000.0), 16);
        double[] linear = ReferenceLlama.inverseFrequencies(new HfConfig.Rope(10000.0, "linear", 4.0, 1, 4, 8192), 16);
        for (int j = 0; j < plain.length; j++) {
            assertThat(linear[j]).isEqualTo(plain[j] / 4); // division by a power of two is exact
        }
    }

    @Test
    void unknownRopeTypeIsRejected() {
        assertThatThrownBy(() -> ReferenceLlama.inverseFrequencies(new HfConfig.Rope(10000.0, "yarn", 4.0, 1, 4, 8192), 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("yarn");
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double[] gaussian(Random rnd, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = rnd.nextGaussian();
        }
        return out;
    }
}
