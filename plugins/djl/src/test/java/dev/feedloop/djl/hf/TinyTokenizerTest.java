package dev.feedloop.djl.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training and serialisation of the from-scratch byte-level BPE tokenizer (no native code involved). */
class TinyTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A few paragraphs of training text. */
    static final String CORPUS = """
            The feedback loop collects preferences from people who read the model's answers. Each preference pairs a
            chosen answer with a rejected one, and the trainer nudges the policy toward the chosen side. Small steps,
            taken often, keep the policy close to the reference model while it learns what readers prefer.

            A tokenizer turns text into numbers. This one starts from the 256 possible bytes, so it can spell any
            string at all: English, français, español, 日本語, emoji like 🙂 and 🚀, tabs\tand
            newlines. Then it learns merges: the most frequent pair of neighbouring symbols becomes a new symbol,
            again and again, until the vocabulary is as large as requested.

            The chat format wraps every message in a header that names the speaker, followed by two newlines, the
            text, and an end-of-turn marker. The system speaks first, the user asks, and the assistant answers.
            When the assistant is asked to continue, the prompt ends with an open assistant header.
            """;

    @Test
    void byteLevelAlphabetIsTheGpt2Mapping() {
        Set<Character> seen = new HashSet<>();
        for (int b = 0; b < 256; b++) {
            seen.add(ByteLevel.symbol(b));
        }
        assertThat(seen).hasSize(256);
        assertThat(ByteLevel.symbol(' ')).isEqualTo('Ġ');
        assertThat(ByteLevel.symbol('\n')).isEqualTo('Ċ');
        assertThat(ByteLevel.symbol('\t')).isEqualTo('ĉ');
        assertThat(ByteLevel.symbol('A')).isEqualTo('A');
        assertThat(ByteLevel.symbol(0)).isEqualTo('Ā');
        assertThat(ByteLevel.symbol(0xAD)).isEqualTo('Ń');
        assertThat(ByteLevel.encode(" é")).isEqualTo("ĠÃ©");
    }

    @Test
    void vocabularyHasBytesThenMergesThenSpecials() {
        TinyTokenizer t = TinyTokenizer.train(CORPUS, 400);
        assertThat(t.vocabSize()).isEqualTo(400);
        assertThat(t.merges().size()).isGreaterThanOrEqualTo(400 - 256 - 6);
        assertThat(t.bosTokenId()).isEqualTo(394);
        assertThat(t.endOfTextTokenId()).isEqualTo(395);
        assertThat(t.startHeaderTokenId()).isEqualTo(396);
        assertThat(t.endHeaderTokenId()).isEqualTo(397);
        assertThat(t.eosTokenId()).isEqualTo(398);
        assertThat(t.padTokenId()).isEqualTo(399);
        assertThatThrownBy(() -> t.specialTokenId("<s>"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'<s>' is not a special token");
    }

    @Test
    void tokenizerJsonIsAByteLevelBpeWithSpecialAddedTokens() throws Exception {
        TinyTokenizer t = TinyTokenizer.train(CORPUS, 320);
        JsonNode root = JSON.readTree(t.tokenizerJson());
        assertThat(root.path("version").asText()).isEqualTo("1.0");
        assertThat(root.path("pre_tokenizer").path("type").asText()).isEqualTo("ByteLevel");
        assertThat(root.path("pre_tokenizer").path("add_prefix_space").asBoolean(true)).isFalse();
        assertThat(root.path("decoder").path("type").asText()).isEqualTo("ByteLevel");
        JsonNode model = root.path("model");
        assertThat(model.path("type").asText()).isEqualTo("BPE");
        assertThat(model.path("vocab").size()).isEqualTo(320 - 6);
        assertThat(model.path("vocab").path("Ġ").asInt()).isEqualTo(' ');
        assertThat(model.path("vocab").path("a").asInt()).isEqualTo('a');
        assertThat(model.path("merges").size()).isEqualTo(t.merges().size());
        // every merge is two vocabulary entries whose concatenation is in the vocabulary too
        for (JsonNode m : model.path("merges")) {
            String[] parts = m.asText().split(" ");
            assertThat(parts).hasSize(2);
            assertThat(model.path("vocab").has(parts[0])).isTrue();
            assertThat(model.path("vocab").has(parts[1])).isTrue();
            assertThat(model.path("vocab").has(parts[0] + parts[1])).isTrue();
        }
        JsonNode added = root.path("added_tokens");
        assertThat(added.size()).isEqualTo(6);
        for (int i = 0; i < 6; i++) {
            assertThat(added.get(i).path("content").asText()).isEqualTo(TinyTokenizer.SPECIAL_TOKENS.get(i));
            assertThat(added.get(i).path("id").asInt()).isEqualTo(314 + i);
            assertThat(added.get(i).path("special").asBoolean()).isTrue();
            assertThat(added.get(i).path("normalized").asBoolean(true)).isFalse();
        }
    }

    @Test
    void tokenizerConfigNamesTheSpecialTokensAndTheChatTemplate(@TempDir Path dir) throws Exception {
        TinyTokenizer t = TinyTokenizer.train(CORPUS, 300, 4096);
        t.write(dir);
        JsonNode config = JSON.readTree(dir.resolve("tokenizer_config.json").toFile());
        assertThat(config.path("bos_token").asText()).isEqualTo("<|begin_of_text|>");
        assertThat(config.path("eos_token").asText()).isEqualTo("<|eot_id|>");
        assertThat(config.path("pad_token").asText()).isEqualTo("<|pad|>");
        assertThat(config.path("model_max_length").asInt()).isEqualTo(4096);
        assertThat(config.path("clean_up_tokenization_spaces").asBoolean(true)).isFalse();
        assertThat(config.path("chat_template").asText()).isEqualTo(TinyTokenizer.CHAT_TEMPLATE);
        assertThat(config.path("added_tokens_decoder").path(Integer.toString(t.eosTokenId())).path("content").asText())
                .isEqualTo("<|eot_id|>");
        assertThat(Files.readString(dir.resolve("tokenizer.json"))).isEqualTo(t.tokenizerJson());
    }

    @Test
    void tiesAreBrokenByTheLexicographicallySmallestPair() {
        // "xy" and " ab" each occur once: pairs (x,y), (Ġ,a), (a,b) all count 1; "a" < "x" < "Ġ"
        TinyTokenizer t = TinyTokenizer.train("xy ab", 263);
        assertThat(t.merges()).containsExactly("a b");
        // the most frequent pairs win over a smaller one: (z,z) and (Ġ,z) count 2, (a,b) 1; then "z" < "Ġ"
        TinyTokenizer u = TinyTokenizer.train("ab zz zz", 263);
        assertThat(u.merges()).containsExactly("z z");
    }

    @Test
    void trainingIsDeterministic() {
        String a = TinyTokenizer.train(CORPUS, 450).tokenizerJson();
        String b = TinyTokenizer.train(CORPUS, 450).tokenizerJson();
        assertThat(a).isEqualTo(b);
        assertThat(a).doesNotContain("\r");
    }

    @Test
    void rejectsImpossibleSizes() {
        assertThatThrownBy(() -> TinyTokenizer.train(CORPUS, 261))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("vocabSize must be at least 262 (256 byte symbols + 6 special tokens), got 261");
        // "abab" offers the pairs ab, ba, then ab+ab: at most 2 merged symbols
        assertThatThrownBy(() -> TinyTokenizer.train("abab", 270))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("corpus too small for vocabSize 270")
                .hasMessageContaining("largest possible vocabSize 264");
        assertThat(TinyTokenizer.train("", 262).merges()).isEmpty();
    }
}
