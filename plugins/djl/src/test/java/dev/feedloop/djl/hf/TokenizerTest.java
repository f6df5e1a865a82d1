package dev.feedloop.djl.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link TinyTokenizer} written to disk and loaded by DJL's native Hugging Face tokenizer through {@link Tokenizer},
 * offline.
 */
class TokenizerTest {

    private static final int VOCAB = 512;

    @TempDir
    static Path dir;
    private static TinyTokenizer trained;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void trainAndLoad() throws IOException {
        trained = TinyTokenizer.train(TinyTokenizerTest.CORPUS, VOCAB);
        trained.write(dir);
        tokenizer = Tokenizer.load(dir);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void vocabularyHasTheRequestedSize() {
        assertThat(tokenizer.vocabSize()).isEqualTo(VOCAB);
        assertThat(tokenizer.tokenId("<|begin_of_text|>")).isEqualTo(trained.bosTokenId());
        assertThat(tokenizer.tokenId("<|eot_id|>")).isEqualTo(trained.eosTokenId());
        assertThat(tokenizer.tokenId("<|pad|>")).isEqualTo(VOCAB - 1);
        assertThat(tokenizer.tokenId("Ġ")).isEqualTo(' ');
        assertThat(tokenizer.findTokenId("<|nope|>")).isEmpty();
        assertThatThrownBy(() -> tokenizer.tokenId("<|nope|>"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token '<|nope|>' is not in the vocabulary");
    }

    @Test
    void mergesCompressTheCorpus() {
        String corpus = TinyTokenizerTest.CORPUS;
        int bytes = corpus.getBytes(StandardCharsets.UTF_8).length;
        int[] ids = tokenizer.encode(corpus, false);
        assertThat(ids.length).isLessThan(bytes / 2);
        assertThat(Arrays.stream(ids).filter(id -> id >= 256).count()).isGreaterThan(ids.length / 2);
        assertThat(tokenizer.decode(ids, false)).isEqualTo(corpus);
    }

    @Test
    void roundTripsAnyText() {
        List<String> texts = List.of(
                "",
                "Hello, world!",
                "The quick brown fox jumps over the lazy dog. 0123456789 !@#$%^&*()_+-=[]{};':\",./<>?`~|\\",
                "café naïve résumé Ångström façade",
                "e\u0301 (combining acute) vs \u00e9",
                "日本語のテキスト、中文文本，한국어 텍스트",
                "emoji: 🙂🚀👩‍👩‍👧‍👦 🇫🇷 and a lone ❤️",
                "line one\nline two\r\nline three\n\n\nafter blank lines\n",
                "   leading spaces, trailing spaces   ",
                "runs:  two   three    four\t\ttabs \u00a0nbsp\u2003em-space",
                "\n",
                " ",
                "Ünïcödé everywhere: αβγ δ ЖЖЖ ﷽ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
                "\u0000\u0001 control bytes \u007f");
        for (String text : texts) {
            int[] ids = tokenizer.encode(text, false);
            assertThat(tokenizer.decode(ids, false)).as("round trip of %s", text).isEqualTo(text);
            assertThat(tokenizer.decode(ids, true)).as("skipping specials changes nothing without them").isEqualTo(text);
        }
    }

    @Test
    void specialTokensInTextAreSingleIds() {
        String text = "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|>";
        int[] ids = tokenizer.encode(text, false);
        assertThat(ids[0]).isEqualTo(trained.startHeaderTokenId());
        int endHeader = indexOf(ids, trained.endHeaderTokenId());
        assertThat(endHeader).isPositive();
        assertThat(ids[ids.length - 1]).isEqualTo(trained.eosTokenId());
        assertThat(Arrays.stream(ids).filter(id -> id >= VOCAB - 6).count()).isEqualTo(3);
        assertThat(tokenizer.decode(ids, false)).isEqualTo(text);
        assertThat(tokenizer.decode(ids, true)).isEqualTo("user\n\nHi there");
    }

    @Test
    void addsBeginOfTextOnlyWhenAsked() {
        int[] plain = tokenizer.encode("Hello", false);
        int[] withSpecials = tokenizer.encode("Hello", true);
        assertThat(withSpecials).hasSize(plain.length + 1);
        assertThat(withSpecials[0]).isEqualTo(trained.bosTokenId());
        assertThat(Arrays.copyOfRange(withSpecials, 1, withSpecials.length)).isEqualTo(plain);
        assertThat(tokenizer.decode(withSpecials, false)).isEqualTo("<|begin_of_text|>Hello");
        assertThat(tokenizer.decode(withSpecials, true)).isEqualTo("Hello");
    }

    @Test
    void chatTemplateOutputTokenizesToItsSpecialTokens() throws IOException {
        String prompt = ChatTemplate.load(dir).render(
                List.of(ChatTemplate.Message.system("Be brief."), ChatTemplate.Message.user("Hi!")), true);
        int[] ids = tokenizer.encode(prompt, false);
        assertThat(ids[0]).isEqualTo(trained.bosTokenId());
        assertThat(Arrays.stream(ids).filter(id -> id == trained.eosTokenId()).count()).isEqualTo(2);
        assertThat(Arrays.stream(ids).filter(id -> id == trained.startHeaderTokenId()).count()).isEqualTo(3);
        assertThat(tokenizer.decode(ids, false)).isEqualTo(prompt);
    }

    @Test
    void encodesAndDecodesConcurrently() throws Exception {
        List<String> texts = List.of("Hello, world!", "日本語のテキスト", "emoji 🙂🚀", "tabs\tand\nnewlines",
                TinyTokenizerTest.CORPUS);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String text = texts.get(i % texts.size());
                results.add(pool.submit(() -> tokenizer.decode(tokenizer.encode(text, true), true).equals(text)));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get(30, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void neitherTruncatesNorPads() {
        String longText = (TinyTokenizerTest.CORPUS + "\n").repeat(8);
        int[] ids = tokenizer.encode(longText, false);
        assertThat(ids.length).isGreaterThan(2000);
        assertThat(tokenizer.decode(ids, false)).isEqualTo(longText);
    }

    /** Pins the DJL quirk the wrapper avoids: with default options, a path-loaded tokenizer truncates to 512. */
    @Test
    void djlDefaultsTruncateTo512() throws IOException {
        String longText = (TinyTokenizerTest.CORPUS + "\n").repeat(8);
        try (HuggingFaceTokenizer raw = HuggingFaceTokenizer.newInstance(dir, Map.of())) {
            assertThat(raw.encode(longText).getIds()).hasSize(512);
        }
    }

    @Test
    void trainingTwiceGivesByteIdenticalFiles(@TempDir Path other) throws IOException {
        TinyTokenizer.train(TinyTokenizerTest.CORPUS, VOCAB).write(other);
        assertThat(Files.mismatch(dir.resolve("tokenizer.json"), other.resolve("tokenizer.json"))).isEqualTo(-1L);
        assertThat(Files.mismatch(dir.resolve("tokenizer_config.json"), other.resolve("tokenizer_config.json")))
                .isEqualTo(-1L);
    }

    @Test
    void rejectsOutOfRangeIdsAndMissingFiles(@TempDir Path empty) {
        assertThatThrownBy(() -> tokenizer.decode(new int[] {1, VOCAB}, false))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("token id 512 at position 1 is outside the vocabulary [0, 512)");
        assertThatThrownBy(() -> Tokenizer.load(empty))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no tokenizer.json in " + empty);
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        return -1;
    }
}
