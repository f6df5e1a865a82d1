package dev.feedloop.djl.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The parts of a Hugging Face {@code config.json} that a Llama-family decoder needs
 * ({@code LlamaForCausalLM}, {@code Qwen2ForCausalLM}, {@code MistralForCausalLM}).
 *
 * <p>Reads both the transformers v4 form ({@code rope_theta} + {@code rope_scaling}) and the v5 form
 * ({@code rope_parameters}); when both are present, {@code rope_parameters} wins. Unsupported
 * architectures, RoPE types and options are rejected with a message naming the key.
 *
 * @param modelType {@code llama}, {@code qwen2} or {@code mistral}
 * @param vocabSize V
 * @param hiddenSize d
 * @param intermediateSize I (SwiGLU width)
 * @param numLayers number of decoder layers
 * @param numHeads H, query heads
 * @param numKvHeads K, key/value heads (GQA; equals H without GQA)
 * @param headDim h, per-head width ({@code head_dim}, else d/H)
 * @param rmsNormEps RMSNorm epsilon
 * @param rope rotary embedding parameters
 * @param tieWordEmbeddings whether {@code lm_head} reuses {@code embed_tokens}
 * @param attentionBias whether q/k/v projections have a bias (always for Qwen2)
 * @param mlpBias whether MLP projections have a bias
 * @param maxPositionEmbeddings context length the model was trained for
 * @param bosTokenId beginning-of-sequence token, or -1
 * @param eosTokenIds end-of-sequence tokens (may be several)
 */
public record HfConfig(
        String modelType,
        int vocabSize,
        int hiddenSize,
        int intermediateSize,
        int numLayers,
        int numHeads,
        int numKvHeads,
        int headDim,
        double rmsNormEps,
        Rope rope,
        boolean tieWordEmbeddings,
        boolean attentionBias,
        boolean mlpBias,
        int maxPositionEmbeddings,
        int bosTokenId,
        List<Integer> eosTokenIds) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ARCHITECTURES = Set.of("LlamaForCausalLM", "Qwen2ForCausalLM", "MistralForCausalLM");

    public HfConfig {
        Objects.requireNonNull(modelType, "modelType");
        Objects.requireNonNull(rope, "rope");
        eosTokenIds = List.copyOf(eosTokenIds);
        if (numHeads % numKvHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numHeads + ") must be a multiple of num_key_value_heads ("
                    + numKvHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for RoPE, got " + headDim);
        }
    }

    /**
     * RoPE parameters.
     *
     * @param theta base ({@code rope_theta})
     * @param type {@code default}, {@code linear} or {@code llama3}
     * @param factor scaling factor (1 for default)
     * @param lowFreqFactor llama3 {@code low_freq_factor}
     * @param highFreqFactor llama3 {@code high_freq_factor}
     * @param originalMaxPositionEmbeddings llama3 {@code original_max_position_embeddings}
     */
    public record Rope(double theta, String type, double factor, double lowFreqFactor, double highFreqFactor,
            int originalMaxPositionEmbeddings) {

        /** Unscaled RoPE with base theta. */
        public static Rope plain(double theta) {
            return new Rope(theta, "default", 1.0, 1.0, 4.0, 8192);
        }

        /**
         * The inverse frequencies for a head width, after scaling, computed in float32 as transformers does.
         *
         * @return {@code headDim / 2} values
         */
        public float[] inverseFrequencies(int headDim) {
            int half = headDim / 2;
            float[] inv = new float[half];
            for (int j = 0; j < half; j++) {
                // transformers: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), float32
                float exponent = (float) (2 * j) / (float) headDim;
                inv[j] = (float) (1.0 / Math.pow(theta, exponent));
            }
            switch (type) {
                case "default" -> { }
                case "linear" -> {
                    for (int j = 0; j < half; j++) {
                        inv[j] = (float) (inv[j] / factor);
                    }
                }
                case "llama3" -> {
                    double lowWl = originalMaxPositionEmbeddings / lowFreqFactor;
                    double highWl = originalMaxPositionEmbeddings / highFreqFactor;
                    for (int j = 0; j < half; j++) {
                        double wl = 2 * Math.PI / inv[j];
                        double scaled = wl > lowWl ? inv[j] / factor : inv[j];
                        if (!(wl < highWl) && !(wl > lowWl)) {
                            double smooth = (originalMaxPositionEmbeddings / wl - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                            scaled = (1 - smooth) * scaled / factor + smooth * scaled;
                        }
                        inv[j] = (float) scaled;
                    }
                }
                default -> throw new IllegalStateException(type);
            }
            return inv;
        }
    }

    /** Reads {@code <dir>/config.json}. */
    public static HfConfig read(Path modelDir) throws IOException {
        Path file = modelDir.resolve("config.json");
        try {
            return parse(JSON.readTree(Files.readAllBytes(file)), file.toString());
        } catch (NoSuchFileException e) {
            throw new IOException("no config.json in " + modelDir + " (expected a Hugging Face model directory)", e);
        }
    }

    /**
     * Parses a {@code config.json} document.
     *
     * @param source named in error messages
     * @throws IllegalArgumentException naming the offending key
     */
    public static HfConfig parse(JsonNode c, String source) {
        String arch = c.path("architectures").path(0).asText("");
        String modelType = c.path("model_type").asText("").toLowerCase(Locale.ROOT);
        if (!ARCHITECTURES.contains(arch) && !Set.of("llama", "qwen2", "mistral").contains(modelType)) {
            throw new IllegalArgumentException(source + ": architectures " + c.path("architectures") + " / model_type '"
                    + modelType + "' is not supported; supported: " + ARCHITECTURES);
        }
        if (modelType.isEmpty()) {
            modelType = arch.startsWith("Qwen2") ? "qwen2" : arch.startsWith("Mistral") ? "mistral" : "llama";
        }
        int d = requireInt(c, "hidden_size", source);
        int heads = requireInt(c, "num_attention_heads", source);
        int kv = c.hasNonNull("num_key_value_heads") ? c.get("num_key_value_heads").asInt() : heads;
        int headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : d / heads;
        String act = c.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw new IllegalArgumentException(source + ": hidden_act '" + act + "' is not supported (only silu)");
        }
        if (c.path("use_sliding_window").asBoolean(false)) {
            throw new IllegalArgumentException(source + ": use_sliding_window=true is not supported");
        }
        boolean qwen2 = modelType.equals("qwen2");
        List<Integer> eos = new ArrayList<>();
        JsonNode e = c.get("eos_token_id");
        if (e != null && e.isArray()) {
            e.forEach(x -> eos.add(x.asInt()));
        } else if (e != null && e.isNumber()) {
            eos.add(e.asInt());
        }
        return new HfConfig(modelType,
                requireInt(c, "vocab_size", source), d, requireInt(c, "intermediate_size", source),
                requireInt(c, "num_hidden_layers", source), heads, kv, headDim,
                c.path("rms_norm_eps").asDouble(1e-6), rope(c, source),
                c.path("tie_word_embeddings").asBoolean(false),
                qwen2 || c.path("attention_bias").asBoolean(false),
                c.path("mlp_bias").asBoolean(false),
                c.path("max_position_embeddings").asInt(2048),
                c.hasNonNull("bos_token_id") ? c.get("bos_token_id").asInt() : -1,
                eos);
    }

    private static Rope rope(JsonNode c, String source) {
        JsonNode p = c.get("rope_parameters");
        JsonNode scaling;
        double theta;
        if (p != null && p.isObject()) {
            scaling = p;
            theta = p.hasNonNull("rope_theta") ? p.get("rope_theta").asDouble() : c.path("rope_theta").asDouble(10000.0);
        } else {
            scaling = c.get("rope_scaling");
            theta = c.hasNonNull("rope_theta") ? c.get("rope_theta").asDouble() : 10000.0;
        }
        if (scaling == null || scaling.isNull()) {
            return Rope.plain(theta);
        }
        String type = scaling.hasNonNull("rope_type") ? scaling.get("rope_type").asText() : scaling.path("type").asText("default");
        return switch (type) {
            case "default" -> Rope.plain(theta);
            case "linear" -> new Rope(theta, "linear", requireDouble(scaling, "factor", source), 1.0, 4.0, 8192);
            case "llama3" -> new Rope(theta, "llama3", requireDouble(scaling, "factor", source),
                    scaling.path("low_freq_factor").asDouble(1.0), scaling.path("high_freq_factor").asDouble(4.0),
                    scaling.path("original_max_position_embeddings").asInt(8192));
            default -> throw new IllegalArgumentException(source + ": rope type '" + type
                    + "' is not supported (supported: default, linear, llama3)");
        };
    }

    private static int requireInt(JsonNode c, String key, String source) {
        JsonNode v = c.get(key);
        if (v == null || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new IllegalArgumentException(source + ": " + key + " must be a positive integer, got " + v);
        }
        return v.asInt();
    }

    private static double requireDouble(JsonNode c, String key, String source) {
        JsonNode v = c.get(key);
        if (v == null || !v.isNumber()) {
            throw new IllegalArgumentException(source + ": rope scaling " + key + " must be a number, got " + v);
        }
        return v.asDouble();
    }

    /** Number of query heads that share one KV head. */
    public int groupSize() {
        return numHeads / numKvHeads;
    }
}
