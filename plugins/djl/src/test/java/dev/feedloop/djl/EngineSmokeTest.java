package dev.feedloop.djl;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/** The PyTorch engine starts offline from the Maven Central native jar, computes and differentiates. */
class EngineSmokeTest {
    @Test
    void pytorchEngineComputesAndDifferentiatesOffline() {
        Engine engine = Engine.getEngine("PyTorch");
        assertThat(engine.getEngineName()).isEqualTo("PyTorch");
        try (NDManager m = NDManager.newBaseManager(engine.defaultDevice(), "PyTorch")) {
            NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(2, 2));
            x.setRequiresGradient(true);
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray y = x.matMul(x).sum();
                gc.backward(y);
            }
            // d/dx sum(x @ x) = 1 1^T x^T + x^T 1 1^T
            assertThat(x.getGradient().toFloatArray()).containsExactly(4f + 3f, 4f + 7f, 6f + 3f, 6f + 7f);
        }
    }
}
