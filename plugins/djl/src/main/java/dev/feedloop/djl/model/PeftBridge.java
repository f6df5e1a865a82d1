package dev.feedloop.djl.model;

import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.peft.InvalidAdapterException;
import dev.feedloop.djl.peft.PeftAdapterFiles;
import dev.feedloop.contracts.peft.PeftKeys;
import dev.feedloop.djl.safetensors.TensorData;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Moves {@link LoraAdapter}s to and from PEFT adapter directories ({@code adapter_config.json} +
 * {@code adapter_model.safetensors}) with PEFT's key names, so that vLLM, SGLang and LoRAX load what
 * Feedloop trains, and Feedloop loads what PEFT trains.
 */
public final class PeftBridge {
    private PeftBridge() {}

    /**
     * Writes an adapter as a new PEFT directory (atomically; fails if {@code dir} exists).
     *
     * @param baseModel {@code base_model_name_or_path}: must equal the serving engine's {@code --model}
     * @throws IllegalArgumentException if alpha is not a whole number (PEFT stores an integer)
     */
    public static void write(LoraAdapter adapter, String baseModel, Path dir) throws IOException {
        LoraAdapter.Spec spec = adapter.spec();
        if (spec.alpha() != Math.rint(spec.alpha())) {
            throw new IllegalArgumentException("LoRA alpha " + spec.alpha() + " is not a whole number; PEFT stores lora_alpha as an int");
        }
        List<String> modules = new ArrayList<>();
        for (Projection p : Projection.values()) {
            if (spec.targets().contains(p)) {
                modules.add(p.moduleName());
            }
        }
        AdapterConfig base = AdapterConfig.forServing(baseModel, spec.rank(), (int) spec.alpha(), modules);
        AdapterConfig config = new AdapterConfig(base.r(), base.loraAlpha(), base.targetModules(), spec.dropout(), spec.rsLora(),
                base.baseModelNameOrPath(), base.bias(), base.useDora(), base.modulesToSave(), base.rankPattern(),
                base.alphaPattern(), base.fanInFanOut(), base.inferenceMode(), base.peftType(), base.taskType(), base.peftVersion());
        PeftAdapterFiles.write(dir, config, tensors(adapter));
    }

    /** The adapter's weights under PEFT keys, A {@code [r, in]} and B {@code [out, r]}, float32. */
    public static Map<String, TensorData> tensors(LoraAdapter adapter) {
        Map<String, TensorData> out = new LinkedHashMap<>();
        HfConfig c = adapter.config();
        int r = adapter.spec().rank();
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (Projection p : Projection.values()) {
                if (!adapter.spec().targets().contains(p)) {
                    continue;
                }
                out.put(PeftKeys.loraA(layer, p.moduleName()),
                        TensorData.f32(new long[] {r, p.inFeatures(c)}, adapter.values(layer, p, false)));
                out.put(PeftKeys.loraB(layer, p.moduleName()),
                        TensorData.f32(new long[] {p.outFeatures(c), r}, adapter.values(layer, p, true)));
            }
        }
        return out;
    }

    /**
     * Reads a PEFT directory into an adapter of {@code model}.
     *
     * @throws InvalidAdapterException if the files are malformed, or do not fit the model (layer count,
     *     shapes), or use what the embedded engine does not support (rank/alpha patterns, DoRA, bias)
     */
    public static LoraAdapter read(LlamaModel model, String name, Path dir) throws IOException {
        PeftAdapterFiles.Adapter files = PeftAdapterFiles.read(dir);
        AdapterConfig cfg = files.config();
        List<String> problems = new ArrayList<>(cfg.validateForServing(Integer.MAX_VALUE));
        if (!cfg.rankPattern().isEmpty() || !cfg.alphaPattern().isEmpty()) {
            problems.add("rank_pattern/alpha_pattern are not supported by the embedded engine");
        }
        HfConfig c = model.config();
        Set<Projection> targets = EnumSet.noneOf(Projection.class);
        cfg.targetModules().forEach(m -> targets.add(Projection.of(m)));
        float[][][] a = new float[c.numLayers()][Projection.values().length][];
        float[][][] b = new float[c.numLayers()][Projection.values().length][];
        for (Map.Entry<String, TensorData> e : files.weights().entrySet()) {
            PeftKeys.Parsed key = PeftKeys.parse(e.getKey());
            Projection p = Projection.of(key.module());
            if (key.layer() >= c.numLayers()) {
                problems.add(e.getKey() + ": layer " + key.layer() + " but the model has " + c.numLayers() + " layers");
                continue;
            }
            long[] expected = key.matrix() == PeftKeys.Matrix.A ? new long[] {cfg.r(), p.inFeatures(c)}
                    : new long[] {p.outFeatures(c), cfg.r()};
            if (!Arrays.equals(e.getValue().shape(), expected)) {
                problems.add(e.getKey() + ": shape " + Arrays.toString(e.getValue().shape()) + " does not fit the model, expected "
                        + Arrays.toString(expected));
                continue;
            }
            (key.matrix() == PeftKeys.Matrix.A ? a : b)[key.layer()][p.ordinal()] = e.getValue().toFloats();
        }
        for (int layer = 0; layer < c.numLayers() && problems.isEmpty(); layer++) {
            for (Projection p : targets) {
                if (a[layer][p.ordinal()] == null || b[layer][p.ordinal()] == null) {
                    problems.add("no lora_A/lora_B for " + p.moduleName() + " of layer " + layer);
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidAdapterException(dir.toString(), problems);
        }
        LoraAdapter.Spec spec = new LoraAdapter.Spec(cfg.r(), cfg.loraAlpha(), cfg.useRslora(), cfg.loraDropout(), targets);
        return LoraAdapter.of(name, spec, model, new LoraAdapter.Weights() {
            @Override
            public float[] a(int layer, Projection p) {
                return a[layer][p.ordinal()];
            }

            @Override
            public float[] b(int layer, Projection p) {
                return b[layer][p.ordinal()];
            }
        });
    }

    /**
     * The base weights with the adapter merged in: {@code W' = W + scaling·B·A} for every targeted
     * projection (what {@code merge_and_unload} produces).
     */
    public static Map<String, TensorData> merged(LlamaModel model, LoraAdapter adapter) {
        Map<String, TensorData> w = model.toTensors();
        HfConfig c = model.config();
        double s = adapter.spec().scaling();
        int r = adapter.spec().rank();
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (Projection p : adapter.spec().targets()) {
                int in = p.inFeatures(c);
                int out = p.outFeatures(c);
                float[] base = w.get(p.weightName(layer)).toFloats();
                float[] av = adapter.values(layer, p, false);
                float[] bv = adapter.values(layer, p, true);
                for (int o = 0; o < out; o++) {
                    for (int i = 0; i < in; i++) {
                        double sum = 0;
                        for (int k = 0; k < r; k++) {
                            sum += (double) bv[o * r + k] * av[k * in + i];
                        }
                        base[o * in + i] += (float) (s * sum);
                    }
                }
                w.put(p.weightName(layer), TensorData.f32(new long[] {out, in}, base));
            }
        }
        return w;
    }
}
