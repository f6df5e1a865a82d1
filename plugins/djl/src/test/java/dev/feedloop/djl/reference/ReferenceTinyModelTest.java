package dev.feedloop.djl.reference;

import static dev.feedloop.djl.reference.TestModels.fill;
import static dev.feedloop.djl.reference.TestModels.identity;
import static dev.feedloop.djl.reference.TestModels.rows;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.feedloop.djl.hf.HfConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One-layer models with V=5, d=4, H=2, K=1, h=2, I=6 (and one with H=4, K=2) and hand-chosen weights,
 * whose logits are derived in closed form below without the reference's loops.
 */
class ReferenceTinyModelTest {

    private static final double EPS = 1e-6;
    private static final double TOLERANCE = 1e-12;

    private static final HfConfig TINY = TestModels.config("llama", 5, 4, 6, 1, 2, 1, 2, EPS,
            HfConfig.Rope.plain(10000.0), false, false, false);

    private static final double[] E0 = {1, 0, 0, 0};
    private static final double[] E1 = {0, 1, 0, 0};
    private static final double[] E2 = {0, 0, 1, 0};
    private static final double[] E3 = {0, 0, 0, 1};
    private static final double[] ONES = {1, 1, 1, 1};
    private static final double[] ZERO = {0, 0, 0, 0};

    /** embed rows: token 0..4. */
    private static final double[] EMBED = rows(
            new double[] {2, 0, 0, 0},
            new double[] {1, 1, 1, 1},
            new double[] {1, -1, 1, -1},
            new double[] {0, 3, 0, 1},
            new double[] {2, 2, 2, 2});

    /** lm_head reads the four coordinates and their sum. */
    private static final double[] LM_HEAD = rows(E0, E1, E2, E3, ONES);

    @Test
    void mlpPathWithAttentionSwitchedOff() {
        // o_proj = 0, so h = x (q/k/v are arbitrary and must not matter).
        // gate = up = [I4; 0; 0] and down = [I4 | 1 1], so m_i = silu(n_i)·n_i for i < 4, and the two extra
        // intermediate units give silu(0)·(Σn) = 0. Post-attention norm weight w = [1, ½, 2, 1].
        Map<String, double[]> w = base();
        w.put("model.layers.0.self_attn.q_proj.weight", fill(16, 0.5));
        w.put("model.layers.0.self_attn.k_proj.weight", fill(8, -0.25));
        w.put("model.layers.0.self_attn.v_proj.weight", fill(8, 0.75));
        w.put("model.layers.0.self_attn.o_proj.weight", fill(16, 0));
        w.put("model.layers.0.post_attention_layernorm.weight", new double[] {1, 0.5, 2, 1});
        w.put("model.layers.0.mlp.gate_proj.weight", rows(E0, E1, E2, E3, ZERO, ZERO));
        w.put("model.layers.0.mlp.up_proj.weight", rows(E0, E1, E2, E3, ONES, ONES));
        w.put("model.layers.0.mlp.down_proj.weight", rows(
                new double[] {1, 0, 0, 0, 1, 1},
                new double[] {0, 1, 0, 0, 1, 1},
                new double[] {0, 0, 1, 0, 1, 1},
                new double[] {0, 0, 0, 1, 1, 1}));
        double[][] logits = new ReferenceLlama(TINY, w).logits(new int[] {1, 2, 3});

        // token 1: x = [1,1,1,1], mean x² = 1, n = [1, ½, 2, 1]/√(1+ε)
        assertLogits(logits[0], mlpExpected(new double[] {1, 1, 1, 1}, new double[] {1, 0.5, 2, 1}, Math.sqrt(1 + EPS)));
        // token 2: x = [1,−1,1,−1], mean x² = 1, n = [1, −½, 2, −1]/√(1+ε)
        assertLogits(logits[1], mlpExpected(new double[] {1, -1, 1, -1}, new double[] {1, -0.5, 2, -1}, Math.sqrt(1 + EPS)));
        // token 3: x = [0,3,0,1], mean x² = 10/4, n = [0, 3/2, 0, 1]/√(2.5+ε)
        assertLogits(logits[2], mlpExpected(new double[] {0, 3, 0, 1}, new double[] {0, 1.5, 0, 1}, Math.sqrt(2.5 + EPS)));
    }

    /** out = x + silu(n)·n with n = scaledX / rms; logits = lm_head · out/√(mean(out²)+ε). */
    private static double[] mlpExpected(double[] x, double[] scaledX, double rms) {
        double[] out = new double[4];
        for (int i = 0; i < 4; i++) {
            double n = scaledX[i] / rms;
            out[i] = x[i] + n / (1 + Math.exp(-n)) * n;
        }
        return readOut(out);
    }

    @Test
    void attentionByHandWithOneKvHeadSharedByBothQueryHeads() {
        // H=2 query heads, K=1 KV head, h=2, inv_freq = [1] so the angle at position p is p.
        // MLP off (down_proj = 0). Input norm weight 1. o_proj = I4: attn = [head0 (2), head1 (2)].
        // q head0 = [n0, n1], q head1 = [n2, −n3]; the one KV head: k = [n0, n3], v = [n0 + n1, n2 − n3].
        Map<String, double[]> w = base();
        w.put("model.layers.0.self_attn.q_proj.weight", rows(E0, E1, E2, new double[] {0, 0, 0, -1}));
        w.put("model.layers.0.self_attn.k_proj.weight", rows(E0, E3));
        w.put("model.layers.0.self_attn.v_proj.weight", rows(new double[] {1, 1, 0, 0}, new double[] {0, 0, 1, -1}));
        w.put("model.layers.0.self_attn.o_proj.weight", identity(4));
        w.put("model.layers.0.post_attention_layernorm.weight", ONES);
        w.put("model.layers.0.mlp.gate_proj.weight", fill(24, 0.3));
        w.put("model.layers.0.mlp.up_proj.weight", fill(24, -0.7));
        w.put("model.layers.0.mlp.down_proj.weight", fill(24, 0));
        double[][] logits = new ReferenceLlama(TINY, w).logits(new int[] {1, 2});

        double r = 1 / Math.sqrt(1 + EPS);
        double c = Math.cos(1);
        double s = Math.sin(1);
        // Position 0, token 1: n = r[1,1,1,1], v0 = [2r, 0]. Only itself to attend to: both heads output v0.
        double[] x0 = {1, 1, 1, 1};
        assertLogits(logits[0], readOut(new double[] {x0[0] + 2 * r, x0[1], x0[2] + 2 * r, x0[3]}));

        // Position 1, token 2: n = r[1,−1,1,−1]; q head0 = r[1,−1], q head1 = r[1,1], k1 = r[1,−1], v1 = [0, 2r].
        // RoPE by angle 1: rot([a,b]) = [a·c − b·s, b·c + a·s]; k0 (position 0) = r[1,1] unrotated.
        // head0: rot(q)·k0 = r²[(c + s) + (s − c)] = 2r²s;  rot(q)·rot(k1) = q·k1 = 2r²
        // head1: rot(q)·k0 = r²[(c − s) + (c + s)] = 2r²c;  rot(q)·rot(k1) = q·k1 = 0
        double[] p0 = softmax(2 * r * r * s / Math.sqrt(2), 2 * r * r / Math.sqrt(2));
        double[] p1 = softmax(2 * r * r * c / Math.sqrt(2), 0);
        // Both heads mix the same two values v0 = [2r, 0] and v1 = [0, 2r], with their own weights.
        double[] attn = {2 * r * p0[0], 2 * r * p0[1], 2 * r * p1[0], 2 * r * p1[1]};
        double[] x1 = {1, -1, 1, -1};
        assertLogits(logits[1], readOut(new double[] {x1[0] + attn[0], x1[1] + attn[1], x1[2] + attn[2], x1[3] + attn[3]}));
        // The heads' weights do differ, so the shared KV head is not hiding a broken per-head path.
        assertThat(Math.abs(p0[0] - p1[0])).isGreaterThan(0.1);
    }

    @Test
    void queryHeadsMapToKvHeadQueryOverGroupSize() {
        // H=4, K=2, h=2, d=8: query heads 0,1 read KV head 0 and heads 2,3 read KV head 1 (q / (H/K)),
        // not q mod K. One token, so each head outputs its KV head's v.
        HfConfig gqa = TestModels.config("llama", 8, 8, 2, 1, 4, 2, 2, EPS, HfConfig.Rope.plain(10000.0), false, false, false);
        Map<String, double[]> w = new HashMap<>();
        w.put("model.embed_tokens.weight", identity(8)); // token t embeds as e_t
        w.put("model.layers.0.input_layernorm.weight", fill(8, 1));
        w.put("model.layers.0.self_attn.q_proj.weight", fill(64, 0.1));
        w.put("model.layers.0.self_attn.k_proj.weight", fill(32, 0.2));
        // v for KV head 0 = [1, 2]·n0, for KV head 1 = [3, 4]·n0
        double[] v = new double[32];
        v[0] = 1;
        v[8] = 2;
        v[16] = 3;
        v[24] = 4;
        w.put("model.layers.0.self_attn.v_proj.weight", v);
        w.put("model.layers.0.self_attn.o_proj.weight", identity(8));
        w.put("model.layers.0.post_attention_layernorm.weight", fill(8, 1));
        w.put("model.layers.0.mlp.gate_proj.weight", fill(16, 1));
        w.put("model.layers.0.mlp.up_proj.weight", fill(16, 1));
        w.put("model.layers.0.mlp.down_proj.weight", fill(16, 0));
        w.put("model.norm.weight", fill(8, 1));
        w.put("lm_head.weight", identity(8));
        double[] logits = new ReferenceLlama(gqa, w).logits(new int[] {0})[0];

        // x = e0, mean x² = 1/8, n0 = a = 1/√(1/8 + ε); attn = a·[1,2, 1,2, 3,4, 3,4]; y = x + attn
        double a = 1 / Math.sqrt(0.125 + EPS);
        double[] y = {1 + a, 2 * a, a, 2 * a, 3 * a, 4 * a, 3 * a, 4 * a};
        double rms = Math.sqrt(sumSquares(y) / 8 + EPS);
        for (int i = 0; i < 8; i++) {
            assertThat(logits[i]).as("logit %d", i).isCloseTo(y[i] / rms, within(TOLERANCE));
        }
    }

    @Test
    void rmsNormSiluAndLogSoftmaxByHand() {
        // mean([1,2,3,4]²) = 30/4 = 7.5
        double[] y = ReferenceLlama.rmsNorm(new double[] {1, 2, 3, 4}, new double[] {1, 1, 2, -1}, 0.0);
        double k = 1 / Math.sqrt(7.5);
        assertThat(y).containsExactly(new double[] {k, 2 * k, 6 * k, -4 * k}, within(1e-15));
        assertThat(ReferenceLlama.silu(0)).isZero();
        assertThat(ReferenceLlama.silu(1)).isCloseTo(1 / (1 + Math.exp(-1)), within(1e-16));
        assertThat(ReferenceLlama.silu(-1000)).isCloseTo(0, within(1e-300));
        // softmax([0, ln 3]) = [¼, ¾]
        assertThat(ReferenceLlama.logSoftmax(new double[] {0, Math.log(3)}))
                .containsExactly(new double[] {Math.log(0.25), Math.log(0.75)}, within(1e-15));
        // shift invariance with huge logits (no overflow)
        assertThat(ReferenceLlama.logSoftmax(new double[] {1000, 1000 + Math.log(3)}))
                .containsExactly(new double[] {Math.log(0.25), Math.log(0.75)}, within(1e-12));
    }

    /** Embedding, input norm, final norm and lm_head shared by the V=5 tests; the rest per test. */
    private static Map<String, double[]> base() {
        Map<String, double[]> w = new HashMap<>();
        w.put("model.embed_tokens.weight", EMBED);
        w.put("model.layers.0.input_layernorm.weight", ONES);
        w.put("model.norm.weight", ONES);
        w.put("lm_head.weight", LM_HEAD);
        return w;
    }

    /** Final RMSNorm (weight 1) then lm_head: [y0, y1, y2, y3, y0+y1+y2+y3]. */
    private static double[] readOut(double[] out) {
        double rms = Math.sqrt(sumSquares(out) / 4 + EPS);
        double[] y = new double[4];
        for (int i = 0; i < 4; i++) {
            y[i] = out[i] / rms;
        }
        return new double[] {y[0], y[1], y[2], y[3], y[0] + y[1] + y[2] + y[3]};
    }

    private static double[] softmax(double a, double b) {
        double m = Math.max(a, b);
        double ea = Math.exp(a - m);
        double eb = Math.exp(b - m);
        return new double[] {ea / (ea + eb), eb / (ea + eb)};
    }

    private static double sumSquares(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return s;
    }

    private static void assertLogits(double[] actual, double[] expected) {
        assertThat(actual).containsExactly(expected, within(TOLERANCE));
    }
}
