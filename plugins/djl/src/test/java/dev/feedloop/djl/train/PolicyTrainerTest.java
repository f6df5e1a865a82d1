package dev.feedloop.djl.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.model.LlamaModel;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.djl.model.Scoring;
import dev.feedloop.djl.model.TestAccess;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyTrainerTest {
    private static final LoraAdapter.Spec SPEC = new LoraAdapter.Spec(4, 8, false, 0,
            EnumSet.of(Projection.Q_PROJ, Projection.K_PROJ, Projection.V_PROJ, Projection.O_PROJ));

    private static TrainConfig config(LossType loss, boolean humanline, double lr) {
        return TrainConfig.defaults().withLoss(loss).withHumanline(humanline).withLearningRate(lr, 0);
    }

    private static List<TrainingPair> toyPairs() {
        List<TrainingPair> pairs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            pairs.add(TrainingPair.of(new int[] {1 + i, 2 + i, 3}, new int[] {20, 21, 22}, new int[] {30, 31, 32}));
        }
        return pairs;
    }

    private static double preferenceMargin(LlamaModel model, LoraAdapter adapter, List<TrainingPair> pairs) {
        double margin = 0;
        for (TrainingPair p : pairs) {
            List<float[]> lp = Scoring.responseLogProbs(model, LoraRouting.single(adapter), List.of(p.prompt(), p.prompt()),
                    List.of(p.chosen(), p.rejected()));
            List<float[]> base = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(p.prompt(), p.prompt()),
                    List.of(p.chosen(), p.rejected()));
            margin += sum(lp.get(0)) - sum(base.get(0)) - (sum(lp.get(1)) - sum(base.get(1)));
        }
        return margin / pairs.size();
    }

    private static double sum(float[] x) {
        double s = 0;
        for (float v : x) {
            s += v;
        }
        return s;
    }

    @Test
    void shortDpoRunLearnsTheToyPreference() {
        HfConfig c = TestAccess.config("llama", false, false);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 11), Device.cpu());
                LoraAdapter adapter = LoraAdapter.initialize("policy", SPEC, model, 1);
                PolicyTrainer trainer = new PolicyTrainer(model, adapter, config(LossType.SIGMOID, false, 1e-2))) {
            List<TrainingPair> pairs = toyPairs();
            StepMetrics first = trainer.step(pairs);
            assertThat(first.accuracy()).isZero(); // policy == reference: every reward is 0
            assertThat(first.loss()).isCloseTo(Math.log(2), within(1e-5));
            StepMetrics last = first;
            for (int i = 0; i < 30; i++) {
                last = trainer.step(pairs);
            }
            assertThat(last.accuracy()).isEqualTo(1.0);
            assertThat(last.rewardMargin()).isPositive();
            assertThat(last.loss()).isLessThan(first.loss());
            assertThat(last.klToBase()).isPositive();
            assertThat(last.tokens()).isEqualTo(8 * 6);
            assertThat(preferenceMargin(model, adapter, pairs)).isPositive();
        }
    }

    @Test
    void nativeMemoryDoesNotGrowAcrossSteps() {
        HfConfig c = TestAccess.config("qwen2", true, true);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 12), Device.cpu());
                LoraAdapter adapter = LoraAdapter.initialize("policy", SPEC, model, 2);
                PolicyTrainer trainer = new PolicyTrainer(model, adapter,
                        config(LossType.SIGMOID, true, 1e-3).withLoss(LossType.SIGMOID))) {
            List<TrainingPair> pairs = toyPairs();
            for (int i = 0; i < 3; i++) {
                trainer.step(pairs);
            }
            BaseNDManager manager = (BaseNDManager) model.manager();
            int arrays = manager.getManagedArrays().size();
            for (int i = 0; i < 40; i++) {
                trainer.step(pairs);
            }
            assertThat(manager.getManagedArrays()).hasSize(arrays);
        }
    }

    @Test
    void humanlineReferenceIsThePolicyOneStepEarlier() {
        HfConfig c = TestAccess.config("llama", false, false);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 13), Device.cpu());
                LoraAdapter adapter = LoraAdapter.initialize("policy", SPEC, model, 3);
                PolicyTrainer trainer = new PolicyTrainer(model, adapter, config(LossType.SIGMOID, true, 1e-2))) {
            List<TrainingPair> pairs = toyPairs();
            trainer.step(pairs);
            trainer.step(pairs);
            float[] before = adapter.values(0, Projection.Q_PROJ, true);
            StepMetrics m = trainer.step(pairs);
            assertThat(trainer.reference().values(0, Projection.Q_PROJ, true)).containsExactly(before);
            assertThat(adapter.values(0, Projection.Q_PROJ, true)).isNotEqualTo(before);
            assertThat(m.clampedFraction()).isBetween(0.0, 1.0);
        }
    }

    @Test
    void gradientAccumulationMatchesOneBigBatch() {
        HfConfig c = TestAccess.config("llama", false, false);
        float[] single;
        float[] accumulated;
        TrainConfig one = config(LossType.SIGMOID, false, 1e-2);
        TrainConfig two = new TrainConfig(one.loss(), one.beta(), one.labelSmoothing(), false, -1, 1.5, 1, 1, false, 0.04,
                one.learningRate(), 0, 0.9, 0.999, 1e-8, 1.0, 0, TrainConfig.Schedule.CONSTANT, 0, 2);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 14), Device.cpu())) {
            try (LoraAdapter a = TestAccess.randomAdapter(model, "p", SPEC, 4); PolicyTrainer t = new PolicyTrainer(model, a, one)) {
                t.step(toyPairs());
                single = a.values(1, Projection.V_PROJ, false);
            }
            try (LoraAdapter a = TestAccess.randomAdapter(model, "p", SPEC, 4); PolicyTrainer t = new PolicyTrainer(model, a, two)) {
                t.step(toyPairs());
                accumulated = a.values(1, Projection.V_PROJ, false);
            }
        }
        for (int i = 0; i < single.length; i++) {
            assertThat(accumulated[i]).isCloseTo(single[i], within(1e-6f));
        }
    }

    @Test
    void weightsScaleEachPairsContribution() {
        HfConfig c = TestAccess.config("llama", false, false);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 15), Device.cpu());
                LoraAdapter a = TestAccess.randomAdapter(model, "p", SPEC, 5);
                PolicyTrainer t = new PolicyTrainer(model, a, config(LossType.SIGMOID, false, 1e-3))) {
            TrainingPair p = toyPairs().get(0);
            TrainingPair zero = new TrainingPair(p.prompt(), p.chosen(), p.rejected(), 0.0, null, null);
            StepMetrics m = t.step(List.of(zero, zero));
            assertThat(m.loss()).isZero();
            assertThat(m.gradNorm()).isZero();
        }
    }

    @Test
    void m2poMasksTheMostOffPolicyTokens() {
        HfConfig c = TestAccess.config("llama", false, false);
        TrainConfig d = config(LossType.SIGMOID, false, 1e-3);
        TrainConfig m2po = new TrainConfig(d.loss(), d.beta(), 0, false, -1, 1.5, 1, 1, true, 0.04, d.learningRate(), 0, 0.9,
                0.999, 1e-8, 1, 0, TrainConfig.Schedule.CONSTANT, 0, 1);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 16), Device.cpu());
                LoraAdapter a = LoraAdapter.initialize("p", SPEC, model, 6);
                PolicyTrainer t = new PolicyTrainer(model, a, m2po)) {
            TrainingPair base = toyPairs().get(0);
            float[] chosenLp = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(base.prompt()), List.of(base.chosen())).get(0);
            float[] rejectedLp = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(base.prompt()), List.of(base.rejected()))
                    .get(0);
            float[] offChosen = chosenLp.clone();
            offChosen[1] -= 3; // one token sampled by a very different policy: δ² = 9
            StepMetrics on = t.step(List.of(new TrainingPair(base.prompt(), base.chosen(), base.rejected(), 1, offChosen, rejectedLp)));
            assertThat(on.maskedFraction()).isCloseTo(1.0 / 6, within(1e-9));
            StepMetrics onPolicy = t.step(List.of(new TrainingPair(base.prompt(), base.chosen(), base.rejected(), 1, chosenLp,
                    rejectedLp)));
            assertThat(onPolicy.maskedFraction()).isZero();
        }
    }

    @Test
    void ktoRaisesDesirableRewards() {
        HfConfig c = TestAccess.config("llama", false, false);
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 17), Device.cpu());
                LoraAdapter a = LoraAdapter.initialize("p", SPEC, model, 7);
                PolicyTrainer t = new PolicyTrainer(model, a, config(LossType.KTO, false, 1e-2))) {
            List<TrainingExample> examples = List.of(
                    new TrainingExample(new int[] {1, 2}, new int[] {20, 21}, true, 1),
                    new TrainingExample(new int[] {3, 4}, new int[] {30, 31}, false, 1),
                    new TrainingExample(new int[] {5, 6}, new int[] {20, 21}, true, 1),
                    new TrainingExample(new int[] {7, 8}, new int[] {30, 31}, false, 1));
            StepMetrics first = t.stepKto(examples);
            StepMetrics last = first;
            for (int i = 0; i < 20; i++) {
                last = t.stepKto(examples);
            }
            assertThat(first.rewardMargin()).isCloseTo(0, within(1e-6));
            assertThat(last.chosenReward()).isPositive();
            assertThat(last.rejectedReward()).isNegative();
            assertThat(last.loss()).isLessThan(first.loss());
            assertThat(last.kl0()).isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void everyPairwiseLossTrainsWithoutNaN() {
        HfConfig c = TestAccess.config("llama", false, false);
        for (LossType loss : List.of(LossType.SIGMOID, LossType.CDPO, LossType.ROBUST, LossType.IPO, LossType.HINGE)) {
            for (boolean humanline : List.of(false, true)) {
                TrainConfig d = config(loss, humanline, 1e-2);
                TrainConfig cfg = new TrainConfig(loss, d.beta(), loss == LossType.CDPO || loss == LossType.ROBUST ? 0.1 : 0,
                        humanline, -1, 1.5, 1, 1, false, 0.04, d.learningRate(), 0.01, 0.9, 0.999, 1e-8, 1, 2,
                        TrainConfig.Schedule.COSINE, 10, 1);
                try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 18), Device.cpu());
                        LoraAdapter a = LoraAdapter.initialize("p", SPEC, model, 8);
                        PolicyTrainer t = new PolicyTrainer(model, a, cfg)) {
                    StepMetrics m = null;
                    for (int i = 0; i < 5; i++) {
                        m = t.step(toyPairs());
                        assertThat(m.finite()).as(loss + " humanline=" + humanline).isTrue();
                    }
                    assertThat(m.learningRate()).isCloseTo(cfg.learningRateAt(5), within(1e-15));
                    NDArray anyB = a.b(0, Projection.Q_PROJ);
                    assertThat(anyB.abs().sum().getFloat()).as(loss + " moved B").isPositive();
                }
            }
        }
    }
}
