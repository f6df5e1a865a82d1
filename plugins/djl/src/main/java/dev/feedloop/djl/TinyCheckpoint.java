package dev.feedloop.djl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.hf.TinyTokenizer;
import dev.feedloop.djl.model.Projection;
import dev.feedloop.djl.safetensors.Safetensors;
import dev.feedloop.djl.safetensors.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * {@code feedloop model init-tiny}: writes a tiny Llama-architecture checkpoint in Hugging Face layout
 * ({@code config.json}, {@code tokenizer.json}, {@code tokenizer_config.json} with a chat template,
 * {@code model.safetensors}), byte-for-byte deterministic for a seed, with grouped-query attention.
 * Nothing is downloaded: the tokenizer is trained on a small built-in corpus.
 */
public final class TinyCheckpoint {
    /** The built-in corpus (classpath resource), also the default pre-training text. */
    public static final String CORPUS_RESOURCE = "/dev/feedloop/djl/tiny-corpus.txt";

    /**
     * The shape of the tiny model.
     *
     * @param vocabSize vocabulary (bytes + merges + 6 specials)
     * @param hidden d
     * @param layers decoder layers
     * @param heads query heads
     * @param kvHeads key/value heads (fewer than heads: GQA)
     * @param intermediate MLP width
     * @param maxPositions max_position_embeddings
     */
    public record Spec(int vocabSize, int hidden, int layers, int heads, int kvHeads, int intermediate, int maxPositions) {
        /** The default: V=384, d=64, 2 layers, 4 heads over 2 KV heads, I=176. */
        public static Spec standard() {
            return new Spec(384, 64, 2, 4, 2, 176, 512);
        }
    }

    private TinyCheckpoint() {}

    /** The built-in corpus text. */
    public static String corpus() {
        try (InputStream in = TinyCheckpoint.class.getResourceAsStream(CORPUS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + CORPUS_RESOURCE);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the checkpoint into {@code dir}, which must not exist or be empty.
     *
     * @return the config written
     */
    public static HfConfig write(Path dir, long seed, Spec spec) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException(dir + " is not empty; init-tiny writes a new model directory");
                }
            }
        }
        Files.createDirectories(dir);
        TinyTokenizer tokenizer = TinyTokenizer.train(corpus(), spec.vocabSize());
        tokenizer.write(dir);
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode c = json.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("vocab_size", spec.vocabSize());
        c.put("hidden_size", spec.hidden());
        c.put("intermediate_size", spec.intermediate());
        c.put("num_hidden_layers", spec.layers());
        c.put("num_attention_heads", spec.heads());
        c.put("num_key_value_heads", spec.kvHeads());
        c.put("head_dim", spec.hidden() / spec.heads());
        c.put("hidden_act", "silu");
        c.put("max_position_embeddings", spec.maxPositions());
        c.put("rms_norm_eps", 1e-5);
        c.put("rope_theta", 10000.0);
        c.putNull("rope_scaling");
        c.put("tie_word_embeddings", false);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("bos_token_id", tokenizer.bosTokenId());
        c.putArray("eos_token_id").add(tokenizer.eosTokenId()).add(tokenizer.specialTokenId(TinyTokenizer.END_OF_TEXT));
        c.put("initializer_range", 0.02);
        c.put("torch_dtype", "float32");
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(c) + "\n", StandardCharsets.UTF_8);
        HfConfig config = HfConfig.parse(c, "config.json");
        Safetensors.write(dir.resolve(Safetensors.SINGLE_FILE), weights(config, seed), Map.of("format", "pt"));
        return config;
    }

    /** Seeded weights: projections and embeddings N(0, 0.02), norms 1. */
    static Map<String, TensorData> weights(HfConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, TensorData> w = new LinkedHashMap<>();
        int d = c.hiddenSize();
        w.put("model.embed_tokens.weight", normal(r, c.vocabSize(), d));
        for (int i = 0; i < c.numLayers(); i++) {
            w.put("model.layers." + i + ".input_layernorm.weight", ones(d));
            for (Projection p : List.of(Projection.Q_PROJ, Projection.K_PROJ, Projection.V_PROJ, Projection.O_PROJ)) {
                w.put(p.weightName(i), normal(r, p.outFeatures(c), p.inFeatures(c)));
            }
            w.put("model.layers." + i + ".post_attention_layernorm.weight", ones(d));
            for (Projection p : List.of(Projection.GATE_PROJ, Projection.UP_PROJ, Projection.DOWN_PROJ)) {
                w.put(p.weightName(i), normal(r, p.outFeatures(c), p.inFeatures(c)));
            }
        }
        w.put("model.norm.weight", ones(d));
        w.put("lm_head.weight", normal(r, c.vocabSize(), d));
        return w;
    }

    private static TensorData normal(Random r, int rows, int cols) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 0.02);
        }
        return TensorData.f32(new long[] {rows, cols}, v);
    }

    private static TensorData ones(int n) {
        float[] v = new float[n];
        Arrays.fill(v, 1f);
        return TensorData.f32(new long[] {n}, v);
    }
}
