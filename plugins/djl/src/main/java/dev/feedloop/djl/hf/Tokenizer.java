package dev.feedloop.djl.hf;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} loaded from a model directory through DJL's native (Rust) tokenizer, offline.
 *
 * <p>DJL's {@link HuggingFaceTokenizer} has model-serving defaults that are wrong for a policy engine: when created
 * from a path it truncates to 512 tokens (truncation {@code LONGEST_FIRST}, {@code maxLength} falling back to a
 * {@code modelMaxLength} of 512), pads batches to the longest, and adds special tokens unless told otherwise. This
 * wrapper turns truncation and padding off and makes adding special tokens an explicit argument of every call. It does
 * not read {@code tokenizer_config.json}, so no {@code clean_up_tokenization_spaces} post-processing happens on decode
 * and {@code decode(encode(s))} returns {@code s} for byte-level tokenizers.
 *
 * <p>{@link #tokenId} is answered from the {@code tokenizer.json} vocabulary ({@code model.vocab} and
 * {@code added_tokens}), which DJL does not expose.
 *
 * <p>{@link #encode} and {@link #decode} may be called concurrently from several threads; {@link #close} must be
 * called once, after the last use.
 */
public final class Tokenizer implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Options for {@link HuggingFaceTokenizer#newInstance(Path, Map)}: no truncation, no padding, no specials. */
    private static final Map<String, String> OPTIONS = Map.of(
            "addSpecialTokens", "false",
            "truncation", "false",
            "padding", "false");

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, Integer> vocab;
    private final int vocabSize;

    private Tokenizer(HuggingFaceTokenizer tokenizer, Map<String, Integer> vocab) {
        this.tokenizer = tokenizer;
        this.vocab = vocab;
        this.vocabSize = vocab.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
    }

    /**
     * Loads {@code <modelDir>/tokenizer.json}. Nothing is downloaded: the native library comes from the DJL
     * tokenizers jar.
     *
     * @throws IOException if the file is missing or unreadable
     * @throws IllegalArgumentException if the file is not a tokenizer the native library accepts
     */
    public static Tokenizer load(Path modelDir) throws IOException {
        Path file = modelDir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw new IOException("no tokenizer.json in " + modelDir + " (expected a Hugging Face model directory)");
        }
        Map<String, Integer> vocab = readVocab(JSON.readTree(file.toFile()), file);
        HuggingFaceTokenizer hf;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, OPTIONS);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + " is not a valid Hugging Face tokenizer: " + e.getMessage(), e);
        }
        return new Tokenizer(hf, vocab);
    }

    private static Map<String, Integer> readVocab(JsonNode root, Path file) {
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode v = root.path("model").path("vocab");
        if (v.isObject()) {
            // BPE / WordPiece / WordLevel: {"token": id, ...}
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                vocab.put(e.getKey(), e.getValue().asInt());
            }
        } else if (v.isArray()) {
            // Unigram: [["token", score], ...], id = position
            for (int i = 0; i < v.size(); i++) {
                vocab.put(v.get(i).path(0).asText(), i);
            }
        } else {
            throw new IllegalArgumentException(file + ": model.vocab is missing");
        }
        for (JsonNode t : root.path("added_tokens")) {
            vocab.put(t.path("content").asText(), t.path("id").asInt());
        }
        return Collections.unmodifiableMap(vocab);
    }

    /**
     * Tokenizes {@code text}.
     *
     * @param addSpecialTokens whether the post-processor adds its special tokens (e.g. a leading BOS); pass
     *     {@code false} for text rendered by a chat template, which already contains them
     * @return token ids; special tokens written literally in {@code text} (e.g. {@code <|eot_id|>}) become their
     *     single ids
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        Objects.requireNonNull(text, "text");
        long[] ids = tokenizer.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * Turns ids back into text.
     *
     * @param skipSpecialTokens whether tokens flagged {@code special} in {@code added_tokens} are left out
     * @throws IllegalArgumentException if an id is outside {@code [0, vocabSize())}
     */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabSize) {
                throw new IllegalArgumentException("token id " + ids[i] + " at position " + i + " is outside the vocabulary [0, "
                        + vocabSize + ")");
            }
            longs[i] = ids[i];
        }
        return tokenizer.decode(longs, skipSpecialTokens);
    }

    /**
     * The id of a vocabulary entry, written as it appears in {@code tokenizer.json} (special tokens as-is, byte-level
     * tokens in their byte-level spelling, e.g. {@code "Ġthe"}).
     *
     * @throws IllegalArgumentException if the token is not in the vocabulary
     */
    public int tokenId(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new IllegalArgumentException("token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    /** Like {@link #tokenId}, but empty for a token not in the vocabulary. */
    public OptionalInt findTokenId(String token) {
        Integer id = vocab.get(token);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Number of ids: one more than the largest id in the model vocabulary and the added tokens. */
    public int vocabSize() {
        return vocabSize;
    }

    /** Releases the native tokenizer. */
    @Override
    public void close() {
        tokenizer.close();
    }
}
