package dev.feedloop.djl.model;

import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.safetensors.TensorData;
import java.util.Map;

/** Opens the package-private test helpers to other test packages. */
public final class TestAccess {
    private TestAccess() {}

    public static HfConfig config(String type, boolean tied, boolean bias) {
        return TestModels.config(type, tied, bias);
    }

    public static Map<String, TensorData> weights(HfConfig c, long seed) {
        return TestModels.weights(c, seed);
    }

    public static LoraAdapter.Spec allTargets(int rank) {
        return TestModels.allTargets(rank);
    }

    public static LoraAdapter randomAdapter(LlamaModel model, String name, LoraAdapter.Spec spec, long seed) {
        return TestModels.randomAdapter(model, name, spec, seed);
    }
}
