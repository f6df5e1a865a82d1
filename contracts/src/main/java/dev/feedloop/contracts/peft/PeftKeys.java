package dev.feedloop.contracts.peft;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names of LoRA weights in a PEFT {@code adapter_model.safetensors} for Llama-family decoders
 * ({@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code MistralForCausalLM}).
 *
 * <p>The canonical form, as PEFT saves it, is
 * {@code base_model.model.model.layers.<i>.<self_attn|mlp>.<module>.lora_<A|B>.weight}: attention projections
 * ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}) live under {@code self_attn}, MLP projections
 * ({@code gate_proj}, {@code up_proj}, {@code down_proj}) under {@code mlp}. {@code lora_A} is {@code [r, in]} and
 * {@code lora_B} is {@code [out, r]}.
 *
 * <p>All methods are pure functions, safe from any thread.
 */
public final class PeftKeys {
    /** The prefix PEFT puts before the base model's own module path. */
    public static final String PREFIX = "base_model.model.";
    /** The modules LoRA may target in a Llama-family decoder, in layer order. */
    public static final List<String> MODULES =
            List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj");

    private static final Pattern KEY = Pattern.compile(
            "(?:base_model\\.model\\.)?model\\.layers\\.([0-9]+)\\.([A-Za-z_]+)\\.([A-Za-z_]+)\\.lora_([AB])"
                    + "(?:\\.default)?\\.weight");
    private static final String EXPECTED =
            "expected [base_model.model.]model.layers.<i>.<self_attn|mlp>.<module>.lora_<A|B>[.default].weight";

    private PeftKeys() {
    }

    /** Which of the two LoRA factors a weight is. */
    public enum Matrix {
        /** {@code lora_A}, shape {@code [r, in_features]}, applied first. */
        A,
        /** {@code lora_B}, shape {@code [out_features, r]}, applied second. */
        B
    }

    /**
     * A parsed LoRA weight key.
     *
     * @param layer decoder layer index, from 0
     * @param module one of {@link #MODULES}
     * @param matrix which factor
     */
    public record Parsed(int layer, String module, Matrix matrix) {
        /**
         * Validates the parts.
         *
         * @throws IllegalArgumentException if the layer is negative or the module is not one of {@link #MODULES}
         */
        public Parsed {
            if (layer < 0) {
                throw new IllegalArgumentException("layer must be non-negative, got " + layer);
            }
            parent(module);
            Objects.requireNonNull(matrix, "matrix");
        }

        /**
         * The canonical key, as PEFT saves it.
         *
         * @return e.g. {@code base_model.model.model.layers.3.mlp.up_proj.lora_B.weight}
         */
        public String key() {
            return PREFIX + modulePath() + ".lora_" + matrix + ".weight";
        }

        /**
         * The module's path inside the base model, which PEFT matches {@code rank_pattern} and
         * {@code alpha_pattern} against.
         *
         * @return e.g. {@code model.layers.3.mlp.up_proj}
         */
        public String modulePath() {
            return "model.layers." + layer + "." + parent(module) + "." + module;
        }
    }

    /**
     * The canonical key of a {@code lora_A} weight.
     *
     * @param layer decoder layer index, from 0
     * @param module one of {@link #MODULES}
     * @return e.g. {@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}
     * @throws IllegalArgumentException if the layer is negative or the module unknown
     */
    public static String loraA(int layer, String module) {
        return new Parsed(layer, module, Matrix.A).key();
    }

    /**
     * The canonical key of a {@code lora_B} weight.
     *
     * @param layer decoder layer index, from 0
     * @param module one of {@link #MODULES}
     * @return e.g. {@code base_model.model.model.layers.0.mlp.down_proj.lora_B.weight}
     * @throws IllegalArgumentException if the layer is negative or the module unknown
     */
    public static String loraB(int layer, String module) {
        return new Parsed(layer, module, Matrix.B).key();
    }

    /**
     * The parent block of a module.
     *
     * @param module one of {@link #MODULES}
     * @return {@code self_attn} for the attention projections, {@code mlp} for the MLP ones
     * @throws IllegalArgumentException if the module is not one of {@link #MODULES}
     */
    public static String parent(String module) {
        return switch (Objects.requireNonNull(module, "module")) {
            case "q_proj", "k_proj", "v_proj", "o_proj" -> "self_attn";
            case "gate_proj", "up_proj", "down_proj" -> "mlp";
            default -> throw new IllegalArgumentException("module '" + module + "' is not one of " + MODULES);
        };
    }

    /**
     * Parses a LoRA weight key. Accepts the canonical form, the form without the {@code base_model.model.}
     * prefix, and either with a {@code .default} adapter-name segment before {@code .weight}.
     *
     * @param key a tensor name from an adapter file
     * @return its parts
     * @throws IllegalArgumentException {@code '<key>' is not a LoRA weight key ...}, saying why
     */
    public static Parsed parse(String key) {
        Objects.requireNonNull(key, "key");
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            throw notAKey(key, EXPECTED);
        }
        String digits = m.group(1);
        if (digits.length() > 9 || (digits.length() > 1 && digits.charAt(0) == '0')) {
            throw notAKey(key, "layer index '" + digits + "' is not a canonical int");
        }
        String block = m.group(2);
        String module = m.group(3);
        if (!MODULES.contains(module)) {
            throw notAKey(key, "module '" + module + "' is not one of " + MODULES);
        }
        String parent = parent(module);
        if (!parent.equals(block)) {
            throw notAKey(key, module + " lives under " + parent + ", not " + block);
        }
        return new Parsed(Integer.parseInt(digits), module, Matrix.valueOf(m.group(4)));
    }

    private static IllegalArgumentException notAKey(String key, String why) {
        return new IllegalArgumentException("'" + key + "' is not a LoRA weight key (" + why + ")");
    }
}
