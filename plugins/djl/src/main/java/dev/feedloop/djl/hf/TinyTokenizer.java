package dev.feedloop.djl.hf;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A byte-level BPE tokenizer trained from scratch on a small text, written as a Hugging Face {@code tokenizer.json} +
 * {@code tokenizer_config.json} pair that the Rust {@code tokenizers} library (and so DJL and transformers) loads.
 * It exists so that {@code feedloop model init-tiny} can build a Llama-architecture checkpoint without downloading
 * anything.
 *
 * <p><b>Vocabulary layout</b> (Llama 3 style: specials last):
 * <ul>
 *   <li>ids {@code 0..255}: the 256 byte-level symbols, id = byte value (see {@link ByteLevel});</li>
 *   <li>ids {@code 256..V-7}: merged symbols in the order training created them;</li>
 *   <li>ids {@code V-6..V-1}: the special tokens, in the order of {@link #SPECIAL_TOKENS}, registered as
 *       {@code added_tokens} with {@code special=true} (so {@code skip_special_tokens} drops them).</li>
 * </ul>
 *
 * <p><b>Training</b> is the classic greedy BPE: the corpus is split into pre-tokens with the GPT-2 regex that the
 * {@code ByteLevel} pre-tokenizer uses, each pre-token becomes its byte symbols, and then, repeatedly, the adjacent pair
 * with the highest count (weighted by pre-token frequency) is merged everywhere. Ties are broken by the smallest
 * {@code (left, right)} pair, comparing the byte-level strings with {@link String#compareTo}, so training is fully
 * deterministic: the same corpus and size always give a byte-identical {@code tokenizer.json}. When two merges happen
 * to produce the same string (e.g. {@code ab+c} and {@code a+bc}) both merges are kept and share one id, so the
 * number of merges can exceed the number of merged symbols. Training recounts pairs after every merge, which is fine
 * for the few-kilobyte corpora it is meant for.
 *
 * <p><b>Pipeline</b>: no normalizer; {@code ByteLevel} pre-tokenizer ({@code add_prefix_space=false},
 * {@code use_regex=true}); BPE model; a {@code TemplateProcessing} post-processor that prepends
 * {@code <|begin_of_text|>} when special tokens are requested (as Llama 3 does); {@code ByteLevel} decoder.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class TinyTokenizer {

    /** Beginning of sequence ({@code bos_token}). */
    public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    /** End of a document (pre-training end of sequence). */
    public static final String END_OF_TEXT = "<|end_of_text|>";
    /** Opens a message header (the role name). */
    public static final String START_HEADER = "<|start_header_id|>";
    /** Closes a message header. */
    public static final String END_HEADER = "<|end_header_id|>";
    /** End of a chat turn; the {@code eos_token} generation stops on. */
    public static final String EOT = "<|eot_id|>";
    /** Padding ({@code pad_token}). */
    public static final String PAD = "<|pad|>";
    /** The special tokens, in id order (they take the last six ids). */
    public static final List<String> SPECIAL_TOKENS = List.of(BEGIN_OF_TEXT, END_OF_TEXT, START_HEADER, END_HEADER, EOT, PAD);

    /** Number of byte-level base symbols. */
    public static final int BYTE_SYMBOLS = 256;
    /** Smallest possible vocabulary: the bytes plus the special tokens, no merges. */
    public static final int MIN_VOCAB_SIZE = BYTE_SYMBOLS + 6;
    /** {@code model_max_length} written when none is given. */
    public static final int DEFAULT_MODEL_MAX_LENGTH = 2048;

    /**
     * The Llama-3-style chat template written to {@code tokenizer_config.json}. Renders
     * {@code <|begin_of_text|>} and then, per message,
     * {@code <|start_header_id|>ROLE<|end_header_id|>\n\nCONTENT<|eot_id|>} (content trimmed); with
     * {@code add_generation_prompt}, ends with an open assistant header. Roles other than system, user and assistant
     * are rejected with {@code raise_exception}.
     */
    public static final String CHAT_TEMPLATE = """
            {{- bos_token }}
            {%- for message in messages %}
                {%- if message['role'] not in ['system', 'user', 'assistant'] %}
                    {{- raise_exception('Unsupported role: ' + message['role']) }}
                {%- endif %}
                {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
            {%- endif %}
            """;

    /**
     * The GPT-2 pre-tokenization regex of the {@code ByteLevel} pre-tokenizer ({@code use_regex=true}); {@code \s}
     * is Unicode whitespace there, hence {@link Pattern#UNICODE_CHARACTER_CLASS}.
     */
    private static final Pattern PRE_TOKENIZER = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<Character, Integer> BYTE_ID = byteIds();

    private final List<String> symbols;
    private final List<String> merges;
    private final int modelMaxLength;

    private TinyTokenizer(List<String> symbols, List<String> merges, int modelMaxLength) {
        this.symbols = List.copyOf(symbols);
        this.merges = List.copyOf(merges);
        this.modelMaxLength = modelMaxLength;
    }

    /**
     * Trains a tokenizer with {@link #DEFAULT_MODEL_MAX_LENGTH}.
     *
     * @param corpus training text; must offer enough distinct adjacent pairs for the requested size
     * @param vocabSize total vocabulary size including the 256 bytes and the 6 special tokens (at least
     *     {@value #MIN_VOCAB_SIZE})
     * @throws IllegalArgumentException if the size is too small or the corpus runs out of pairs to merge
     */
    public static TinyTokenizer train(String corpus, int vocabSize) {
        return train(corpus, vocabSize, DEFAULT_MODEL_MAX_LENGTH);
    }

    /**
     * Trains a tokenizer.
     *
     * @param corpus training text; must offer enough distinct adjacent pairs for the requested size
     * @param vocabSize total vocabulary size including the 256 bytes and the 6 special tokens (at least
     *     {@value #MIN_VOCAB_SIZE})
     * @param modelMaxLength the {@code model_max_length} written to {@code tokenizer_config.json}
     * @throws IllegalArgumentException if an argument is out of range or the corpus runs out of pairs to merge
     */
    public static TinyTokenizer train(String corpus, int vocabSize, int modelMaxLength) {
        Objects.requireNonNull(corpus, "corpus");
        if (vocabSize < MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabSize must be at least " + MIN_VOCAB_SIZE
                    + " (256 byte symbols + 6 special tokens), got " + vocabSize);
        }
        if (modelMaxLength <= 0) {
            throw new IllegalArgumentException("modelMaxLength must be positive, got " + modelMaxLength);
        }
        List<String> symbols = new ArrayList<>(vocabSize);
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < BYTE_SYMBOLS; b++) {
            String s = String.valueOf(ByteLevel.symbol(b));
            symbols.add(s);
            ids.put(s, b);
        }
        List<Word> words = preTokenize(corpus);
        List<String> merges = new ArrayList<>();
        int target = vocabSize - SPECIAL_TOKENS.size();
        while (symbols.size() < target) {
            long best = bestPair(words, symbols);
            if (best < 0) {
                throw new IllegalArgumentException("corpus too small for vocabSize " + vocabSize + ": it ran out of pairs to"
                        + " merge after " + (symbols.size() - BYTE_SYMBOLS) + " merged symbols (largest possible vocabSize "
                        + (symbols.size() + SPECIAL_TOKENS.size()) + ")");
            }
            int left = (int) (best >>> 32);
            int right = (int) best;
            String merged = symbols.get(left) + symbols.get(right);
            Integer id = ids.get(merged);
            if (id == null) {
                id = symbols.size();
                symbols.add(merged);
                ids.put(merged, id);
            }
            merges.add(symbols.get(left) + " " + symbols.get(right));
            for (Word w : words) {
                w.merge(left, right, id);
            }
        }
        return new TinyTokenizer(symbols, merges, modelMaxLength);
    }

    /** A distinct pre-token as symbol ids, with its number of occurrences. */
    private static final class Word {
        final int[] ids;
        final int count;
        int length;

        Word(String byteLevel, int count) {
            this.count = count;
            this.length = byteLevel.length();
            this.ids = new int[length];
            for (int i = 0; i < length; i++) {
                // byte-level chars are at most U+0143 and the first 256 ids are the bytes themselves
                ids[i] = BYTE_ID.get(byteLevel.charAt(i));
            }
        }

        void merge(int left, int right, int merged) {
            int out = 0;
            for (int i = 0; i < length; i++) {
                if (i + 1 < length && ids[i] == left && ids[i + 1] == right) {
                    ids[out++] = merged;
                    i++;
                } else {
                    ids[out++] = ids[i];
                }
            }
            length = out;
        }
    }

    private static Map<Character, Integer> byteIds() {
        Map<Character, Integer> m = new HashMap<>();
        for (int b = 0; b < BYTE_SYMBOLS; b++) {
            m.put(ByteLevel.symbol(b), b);
        }
        return Map.copyOf(m);
    }

    private static List<Word> preTokenize(String corpus) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Matcher m = PRE_TOKENIZER.matcher(corpus);
        while (m.find()) {
            counts.merge(ByteLevel.encode(m.group()), 1, Integer::sum);
        }
        List<Word> words = new ArrayList<>(counts.size());
        counts.forEach((w, c) -> words.add(new Word(w, c)));
        return words;
    }

    /** The most frequent adjacent pair as {@code left << 32 | right}, ties to the smallest strings; -1 if none. */
    private static long bestPair(List<Word> words, List<String> symbols) {
        Map<Long, Integer> counts = new HashMap<>();
        for (Word w : words) {
            for (int i = 0; i + 1 < w.length; i++) {
                counts.merge(((long) w.ids[i] << 32) | w.ids[i + 1], w.count, Integer::sum);
            }
        }
        long best = -1;
        int bestCount = 0;
        for (Map.Entry<Long, Integer> e : counts.entrySet()) {
            long pair = e.getKey();
            int count = e.getValue();
            if (count > bestCount || (count == bestCount && comparePairs(pair, best, symbols) < 0)) {
                best = pair;
                bestCount = count;
            }
        }
        return best;
    }

    private static int comparePairs(long a, long b, List<String> symbols) {
        int c = symbols.get((int) (a >>> 32)).compareTo(symbols.get((int) (b >>> 32)));
        return c != 0 ? c : symbols.get((int) a).compareTo(symbols.get((int) b));
    }

    /** Total vocabulary size: byte symbols + merged symbols + special tokens. */
    public int vocabSize() {
        return symbols.size() + SPECIAL_TOKENS.size();
    }

    /** The merges in rank order, each as {@code "left right"} in byte-level characters. */
    public List<String> merges() {
        return merges;
    }

    /** The {@code model_max_length} written to {@code tokenizer_config.json}. */
    public int modelMaxLength() {
        return modelMaxLength;
    }

    /**
     * The id of one of the {@link #SPECIAL_TOKENS}.
     *
     * @throws IllegalArgumentException if {@code token} is not one of them
     */
    public int specialTokenId(String token) {
        int i = SPECIAL_TOKENS.indexOf(token);
        if (i < 0) {
            throw new IllegalArgumentException("'" + token + "' is not a special token; special tokens: " + SPECIAL_TOKENS);
        }
        return symbols.size() + i;
    }

    /** Id of {@value #BEGIN_OF_TEXT} (the {@code bos_token}). */
    public int bosTokenId() {
        return specialTokenId(BEGIN_OF_TEXT);
    }

    /** Id of {@value #EOT} (the {@code eos_token}). */
    public int eosTokenId() {
        return specialTokenId(EOT);
    }

    /** Id of {@value #END_OF_TEXT}. */
    public int endOfTextTokenId() {
        return specialTokenId(END_OF_TEXT);
    }

    /** Id of {@value #PAD} (the {@code pad_token}). */
    public int padTokenId() {
        return specialTokenId(PAD);
    }

    /** Id of {@value #START_HEADER}. */
    public int startHeaderTokenId() {
        return specialTokenId(START_HEADER);
    }

    /** Id of {@value #END_HEADER}. */
    public int endHeaderTokenId() {
        return specialTokenId(END_HEADER);
    }

    /**
     * Writes {@code tokenizer.json} and {@code tokenizer_config.json} into {@code dir} (created if missing),
     * replacing existing files.
     */
    public void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("tokenizer.json"), tokenizerJson(), StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tokenizer_config.json"), tokenizerConfigJson(), StandardCharsets.UTF_8);
    }

    /** The {@code tokenizer.json} document (UTF-8 text, {@code \n} line ends, trailing newline). */
    public String tokenizerJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String token : SPECIAL_TOKENS) {
            ObjectNode t = added.addObject();
            t.put("id", specialTokenId(token));
            t.put("content", token);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(f, false, true));

        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", BEGIN_OF_TEXT).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode bos = post.putObject("special_tokens").putObject(BEGIN_OF_TEXT);
        bos.put("id", BEGIN_OF_TEXT);
        bos.putArray("ids").add(bosTokenId());
        bos.putArray("tokens").add(BEGIN_OF_TEXT);

        root.set("decoder", byteLevel(f, false, true));

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < symbols.size(); id++) {
            vocab.put(symbols.get(id), id);
        }
        ArrayNode mergeArray = model.putArray("merges");
        merges.forEach(mergeArray::add);
        return pretty(root);
    }

    /**
     * The {@code tokenizer_config.json} document: special tokens ({@code bos_token}, {@code eos_token} =
     * {@value #EOT}, {@code pad_token}), {@code added_tokens_decoder}, {@code model_max_length},
     * {@code clean_up_tokenization_spaces=false} (so decoding round-trips) and {@link #CHAT_TEMPLATE}.
     */
    public String tokenizerConfigJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        ObjectNode decoder = root.putObject("added_tokens_decoder");
        for (String token : SPECIAL_TOKENS) {
            ObjectNode t = decoder.putObject(Integer.toString(specialTokenId(token)));
            t.put("content", token);
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", true);
        }
        root.put("bos_token", BEGIN_OF_TEXT);
        root.put("chat_template", CHAT_TEMPLATE);
        root.put("clean_up_tokenization_spaces", false);
        root.put("eos_token", EOT);
        root.putArray("model_input_names").add("input_ids").add("attention_mask");
        root.put("model_max_length", modelMaxLength);
        root.put("pad_token", PAD);
        root.put("tokenizer_class", "PreTrainedTokenizerFast");
        return pretty(root);
    }

    private static ObjectNode byteLevel(JsonNodeFactory f, boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = f.objectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    /** Two-space indentation and {@code \n} line ends on every platform, so the output is byte-reproducible. */
    private static String pretty(ObjectNode root) {
        DefaultIndenter indenter = new DefaultIndenter("  ", "\n");
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter()
                .withObjectIndenter(indenter)
                .withArrayIndenter(indenter);
        ObjectWriter writer = JSON.writer(printer);
        try {
            return writer.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise tokenizer JSON", e);
        }
    }
}
