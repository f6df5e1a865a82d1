package dev.feedloop.djl.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.model.LlamaModel;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.djl.model.Scoring;
import dev.feedloop.djl.model.SequenceBatch;
import dev.feedloop.djl.model.TestAccess;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Autograd gradients of the DPO loss with respect to LoRA parameters against central finite
 * differences, in float64 so that the difference quotient is accurate.
 */
class GradientCheckTest {
    private static final List<int[]> PROMPTS = List.of(new int[] {1, 2, 3}, new int[] {4, 5}, new int[] {1, 2, 3}, new int[] {4, 5});
    private static final List<int[]> RESPONSES = List.of(new int[] {7, 8}, new int[] {9, 10, 11}, new int[] {12}, new int[] {13, 14});

    private static double loss(LlamaModel model, LoraAdapter policy, LoraAdapter reference, TrainConfig c, boolean backward) {
        try (NDManager m = model.manager().newSubManager()) {
            SequenceBatch batch = SequenceBatch.of(m, PROMPTS, RESPONSES);
            NDArray ref = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(reference), false);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray pol = Scoring.tokenLogProbs(model, m, batch, LoraRouting.single(policy), false);
                NDList p = pol.split(2);
                NDList r = ref.split(2);
                NDList k = batch.targetMask().toType(DataType.FLOAT64, false).split(2);
                NDArray chosen = Losses.tokenRatios(p.get(0), r.get(0), k.get(0), c);
                NDArray rejected = Losses.tokenRatios(p.get(1), r.get(1), k.get(1), c);
                NDArray l = Losses.pairLosses(chosen, k.get(0), rejected, k.get(1), c).mean();
                if (backward) {
                    gc.backward(l);
                }
                return l.getDouble();
            }
        }
    }

    @Test
    void loraGradientsMatchFiniteDifferences() {
        HfConfig c = TestAccess.config("qwen2", false, true);
        LoraAdapter.Spec spec = new LoraAdapter.Spec(3, 6, false, 0, EnumSet.of(Projection.Q_PROJ, Projection.V_PROJ,
                Projection.O_PROJ, Projection.DOWN_PROJ));
        TrainConfig cfg = TrainConfig.defaults().withLoss(LossType.SIGMOID);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 21), Device.cpu(), DataType.FLOAT64);
                LoraAdapter policy = TestAccess.randomAdapter(model, "p", spec, 22);
                LoraAdapter reference = TestAccess.randomAdapter(model, "r", spec, 23)) {
            policy.setTrainable(true);
            loss(model, policy, reference, cfg, true);
            int checked = 0;
            for (Projection proj : spec.targets()) {
                for (boolean ofB : new boolean[] {false, true}) {
                    NDArray param = ofB ? policy.b(1, proj) : policy.a(1, proj);
                    double[] analytic = param.getGradient().toDoubleArray();
                    double[] values = param.toDoubleArray();
                    for (int idx : new int[] {0, values.length / 2, values.length - 1}) {
                        double h = 1e-5;
                        double[] plus = values.clone();
                        plus[idx] += h;
                        param.set(plus);
                        double lp = loss(model, policy, reference, cfg, false);
                        double[] minus = values.clone();
                        minus[idx] -= h;
                        param.set(minus);
                        double lm = loss(model, policy, reference, cfg, false);
                        param.set(values);
                        double numeric = (lp - lm) / (2 * h);
                        double scale = Math.max(1e-6, Math.abs(numeric) + Math.abs(analytic[idx]));
                        assertThat(Math.abs(numeric - analytic[idx]) / scale)
                                .as("%s %s[%d]: numeric %g analytic %g", proj, ofB ? "B" : "A", idx, numeric, analytic[idx])
                                .isLessThan(1e-5);
                        checked++;
                    }
                }
            }
            assertThat(checked).isEqualTo(24);
        }
    }
}
