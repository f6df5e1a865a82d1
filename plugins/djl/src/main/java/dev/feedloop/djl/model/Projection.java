package dev.feedloop.djl.model;

import dev.feedloop.djl.hf.HfConfig;
import java.util.Locale;

/** The seven linear projections of a Llama decoder layer, which LoRA may adapt. */
public enum Projection {
    Q_PROJ("self_attn"),
    K_PROJ("self_attn"),
    V_PROJ("self_attn"),
    O_PROJ("self_attn"),
    GATE_PROJ("mlp"),
    UP_PROJ("mlp"),
    DOWN_PROJ("mlp");

    private final String block;

    Projection(String block) {
        this.block = block;
    }

    /** The module name as in HF and PEFT, e.g. {@code q_proj}. */
    public String moduleName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code self_attn} or {@code mlp}. */
    public String block() {
        return block;
    }

    /** The HF weight name in layer {@code i}, e.g. {@code model.layers.3.self_attn.q_proj.weight}. */
    public String weightName(int layer) {
        return "model.layers." + layer + "." + block + "." + moduleName() + ".weight";
    }

    /** The HF bias name in layer {@code i}. */
    public String biasName(int layer) {
        return "model.layers." + layer + "." + block + "." + moduleName() + ".bias";
    }

    /** Input features. */
    public int inFeatures(HfConfig c) {
        return switch (this) {
            case O_PROJ -> c.numHeads() * c.headDim();
            case DOWN_PROJ -> c.intermediateSize();
            default -> c.hiddenSize();
        };
    }

    /** Output features. */
    public int outFeatures(HfConfig c) {
        return switch (this) {
            case Q_PROJ -> c.numHeads() * c.headDim();
            case K_PROJ, V_PROJ -> c.numKvHeads() * c.headDim();
            case O_PROJ, DOWN_PROJ -> c.hiddenSize();
            case GATE_PROJ, UP_PROJ -> c.intermediateSize();
        };
    }

    /** Whether this projection has a bias in a model with this config. */
    public boolean hasBias(HfConfig c) {
        return switch (this) {
            case Q_PROJ, K_PROJ, V_PROJ -> c.attentionBias();
            case O_PROJ -> c.attentionBias() && !c.modelType().equals("qwen2");
            default -> c.mlpBias();
        };
    }

    /** The projection for a module name such as {@code q_proj}. */
    public static Projection of(String moduleName) {
        for (Projection p : values()) {
            if (p.moduleName().equals(moduleName)) {
                return p;
            }
        }
        throw new IllegalArgumentException("'" + moduleName + "' is not a LoRA target; use q_proj, k_proj, v_proj, o_proj, "
                + "gate_proj, up_proj or down_proj");
    }
}
