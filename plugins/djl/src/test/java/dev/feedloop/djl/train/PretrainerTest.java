package dev.feedloop.djl.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import ai.djl.ndarray.BaseNDManager;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.model.LlamaModel;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.Scoring;
import dev.feedloop.djl.model.TestAccess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PretrainerTest {
    @Test
    void crossEntropyTrainingLearnsARepeatingSequenceAndFreesEverything() {
        HfConfig c = TestAccess.config("llama", true, false);
        int[] corpus = new int[600];
        for (int i = 0; i < corpus.length; i++) {
            corpus[i] = 3 + (i * 7) % 11; // a period-11 pattern over 11 distinct tokens
        }
        try (LlamaModel model = LlamaModel.create(c, TestAccess.weights(c, 31), Device.cpu())) {
            int arrays = ((BaseNDManager) model.manager()).getManagedArrays().size();
            int[] probe = {3, 10, 6};
            int[] next = {13};
            List<Pretrainer.Progress> progress = new ArrayList<>();
            Pretrainer.train(model, corpus, 16, 4, 60, 1e-2, 5, progress::add);
            assertThat(progress).hasSize(60);
            double first = progress.get(0).loss();
            double last = progress.get(59).loss();
            assertThat(first).isGreaterThan(2.0);
            assertThat(last).isLessThan(0.5);
            // the learned model predicts the pattern: after 3, 10, 6 comes 13 (= 3 + 21 % 11)
            float lp = Scoring.responseLogProbs(model, LoraRouting.none(), List.of(probe), List.of(next)).get(0)[0];
            assertThat(next[0]).isEqualTo(13);
            assertThat(Math.exp(lp)).isGreaterThan(0.5);
            assertThat(((BaseNDManager) model.manager()).getManagedArrays()).hasSize(arrays);
            assertThat(model.weights().get("model.norm.weight").hasGradient()).isFalse();
        }
    }
}
