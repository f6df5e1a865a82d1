package dev.feedloop.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every loss against values computed by hand (plain double arithmetic, written out below). */
class LossesTest {
    private NDManager m;

    // two pairs, responses of up to 3 tokens; policy and reference per-token log-probs
    private static final double[][] POL_W = {{-0.5, -1.0, -0.2}, {-2.0, -0.1, 0}};
    private static final double[][] REF_W = {{-0.7, -0.6, -0.9}, {-1.0, -0.3, 0}};
    private static final double[][] MASK_W = {{1, 1, 1}, {1, 1, 0}};
    private static final double[][] POL_L = {{-1.5, -0.4, 0}, {-0.3, -3.5, -0.2}};
    private static final double[][] REF_L = {{-1.0, -0.5, 0}, {-0.6, -0.5, -0.4}};
    private static final double[][] MASK_L = {{1, 1, 0}, {1, 1, 1}};

    @BeforeEach
    void open() {
        m = NDManager.newBaseManager("PyTorch");
    }

    @AfterEach
    void close() {
        m.close();
    }

    private NDArray arr(double[][] v) {
        double[] flat = new double[v.length * v[0].length];
        for (int i = 0; i < v.length; i++) {
            System.arraycopy(v[i], 0, flat, i * v[0].length, v[0].length);
        }
        return m.create(flat, new Shape(v.length, v[0].length)).toType(DataType.FLOAT64, false);
    }

    private static double ratioSum(double[] pol, double[] ref, double[] mask, boolean clamp) {
        double s = 0;
        for (int j = 0; j < pol.length; j++) {
            double r = pol[j] - ref[j];
            if (clamp) {
                r = Math.max(-1.0, Math.min(1.5, r));
            }
            s += r * mask[j];
        }
        return s;
    }

    private static double logSigmoid(double x) {
        return -Math.log1p(Math.exp(-x));
    }

    private double[] losses(TrainConfig c) {
        NDArray w = Losses.tokenRatios(arr(POL_W), arr(REF_W), arr(MASK_W), c);
        NDArray l = Losses.tokenRatios(arr(POL_L), arr(REF_L), arr(MASK_L), c);
        return Losses.pairLosses(w, arr(MASK_W), l, arr(MASK_L), c).toDoubleArray();
    }

    private static TrainConfig cfg(LossType type, double beta, double eps, boolean humanline) {
        TrainConfig d = TrainConfig.defaults();
        return new TrainConfig(type, beta, eps, humanline, -1.0, 1.5, 1.3, 0.7, false, 0.04, d.learningRate(), 0, 0.9, 0.999,
                1e-8, 1, 0, TrainConfig.Schedule.CONSTANT, 0, 1);
    }

    private static double h(int i, boolean clamp) {
        return ratioSum(POL_W[i], REF_W[i], MASK_W[i], clamp) - ratioSum(POL_L[i], REF_L[i], MASK_L[i], clamp);
    }

    @Test
    void sigmoidDpo() {
        double[] got = losses(cfg(LossType.SIGMOID, 0.1, 0, false));
        // pair 0: chosen Σ = 0.2 + -0.4 + 0.7 = 0.5; rejected Σ = -0.5 + 0.1 = -0.4; h = 0.9
        assertThat(h(0, false)).isCloseTo(0.9, within(1e-12));
        for (int i = 0; i < 2; i++) {
            assertThat(got[i]).isCloseTo(-logSigmoid(0.1 * h(i, false)), within(1e-12));
        }
    }

    @Test
    void conservativeAndRobustDpo() {
        double eps = 0.2;
        double[] cdpo = losses(cfg(LossType.CDPO, 0.5, eps, false));
        double[] robust = losses(cfg(LossType.ROBUST, 0.5, eps, false));
        for (int i = 0; i < 2; i++) {
            double bh = 0.5 * h(i, false);
            assertThat(cdpo[i]).isCloseTo(-(1 - eps) * logSigmoid(bh) - eps * logSigmoid(-bh), within(1e-12));
            assertThat(robust[i]).isCloseTo((-(1 - eps) * logSigmoid(bh) + eps * logSigmoid(-bh)) / (1 - 2 * eps), within(1e-12));
        }
    }

    @Test
    void ipoUsesLengthAveragedRatios() {
        double tau = 0.1;
        double[] got = losses(cfg(LossType.IPO, tau, 0, false));
        // pair 1: chosen tokens (-2.0+1.0) + (-0.1+0.3) = -0.8 over 2 tokens; rejected 0.3 - 3.0 + 0.2 = -2.5 over 3
        double hbar1 = -0.8 / 2 - (-2.5 / 3);
        assertThat(got[1]).isCloseTo(Math.pow(hbar1 - 1 / (2 * tau), 2), within(1e-12));
        double hbar0 = 0.5 / 3 - (-0.4 / 2);
        assertThat(got[0]).isCloseTo(Math.pow(hbar0 - 1 / (2 * tau), 2), within(1e-12));
    }

    @Test
    void hinge() {
        double[] got = losses(cfg(LossType.HINGE, 2.0, 0, false));
        for (int i = 0; i < 2; i++) {
            assertThat(got[i]).isCloseTo(Math.max(0, 1 - 2.0 * h(i, false)), within(1e-12));
        }
    }

    @Test
    void humanlineClampsEachTokenBeforeSumming() {
        double[] got = losses(cfg(LossType.SIGMOID, 0.1, 0, true));
        // pair 1 rejected token 2: -3.5 - -0.5 = -3.0 clamps to -1.0; chosen token 1: -2.0 - -1.0 = -1.0 stays
        assertThat(h(1, true)).isCloseTo((-1.0 + 0.2) - (0.3 - 1.0 + 0.2), within(1e-12));
        for (int i = 0; i < 2; i++) {
            assertThat(got[i]).isCloseTo(-logSigmoid(0.1 * h(i, true)), within(1e-12));
        }
    }

    @Test
    void clampHasZeroGradientOutsideTheBounds() {
        NDArray pol = arr(new double[][] {{-3.0, 0.5, 2.5}});
        pol.setRequiresGradient(true);
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray r = Losses.tokenRatios(pol, arr(new double[][] {{0, 0, 0}}), arr(new double[][] {{1, 1, 1}}),
                    cfg(LossType.SIGMOID, 0.1, 0, true));
            gc.backward(r.sum());
        }
        assertThat(pol.getGradient().toDoubleArray()).containsExactly(0.0, 1.0, 0.0);
    }

    @Test
    void kto() {
        TrainConfig c = cfg(LossType.KTO, 0.1, 0, false);
        NDArray ratios = Losses.tokenRatios(arr(POL_W), arr(REF_W), arr(MASK_W), c);
        double z0 = 0.3;
        double[] got = Losses.ktoLosses(ratios, m.create(new double[] {1, 0}).toType(DataType.FLOAT64, false), z0, c)
                .toDoubleArray();
        double r0 = ratioSum(POL_W[0], REF_W[0], MASK_W[0], false);
        double r1 = ratioSum(POL_W[1], REF_W[1], MASK_W[1], false);
        assertThat(got[0]).isCloseTo(1.3 * (1 - 1 / (1 + Math.exp(-0.1 * (r0 - z0)))), within(1e-12));
        assertThat(got[1]).isCloseTo(0.7 * (1 - 1 / (1 + Math.exp(-0.1 * (z0 - r1)))), within(1e-12));
    }

    @Test
    void logSigmoidIsStableForLargeInputs() {
        double[] got = Losses.logSigmoid(m.create(new double[] {-800, -30, 0, 30, 800})).toDoubleArray();
        assertThat(got[0]).isCloseTo(-800, within(1e-9));
        assertThat(got[1]).isCloseTo(-30 - Math.log1p(Math.exp(-30)), within(1e-12));
        assertThat(got[2]).isCloseTo(-Math.log(2), within(1e-12));
        assertThat(got[3]).isCloseTo(-Math.log1p(Math.exp(-30)), within(1e-15));
        assertThat(got[4]).isEqualTo(0.0);
    }
}
