package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Which word follows a number: case-insensitive, after at most two spaces, as a whole word where it ends so. */
class ContextTest {
    private static final List<String> UNITS = List.of("\u20AC", "eur", "euro", "$", "km", "kg", "ms", "%", "users",
            "\u00A5", "yen");

    @Test
    void aUnitFollowsInAnyCaseAfterAtMostTwoSpaces() {
        assertThat(Context.followedBy("12 EUR", 2, UNITS)).isTrue();
        assertThat(Context.followedBy("12  Km.", 2, UNITS)).isTrue();
        assertThat(Context.followedBy("12\u00A0\u20AC", 2, UNITS)).isTrue();
        assertThat(Context.followedBy("12 \u212Ag", 2, UNITS)).as("Kelvin sign").isTrue();
        assertThat(Context.followedBy("12%", 2, UNITS)).isTrue();
        assertThat(Context.followedBy("12   km", 2, UNITS)).as("three spaces").isFalse();
        assertThat(Context.followedBy("12 kmh", 2, UNITS)).as("a longer word").isFalse();
        assertThat(Context.followedBy("12 xkm", 2, UNITS)).isFalse();
        assertThat(Context.followedBy("12 ", 2, UNITS)).isFalse();
        assertThat(Context.followedBy("12", 2, UNITS)).isFalse();
    }

    @Test
    void agreesWithComparingEveryWordInFull() {
        Random rnd = new Random(97);
        String[] pieces = {" ", " ", "\u00A0", "e", "E", "u", "U", "r", "R", "o", "k", "K", "\u212A", "m", "M", "g", "s",
            "y", "n", "$", "%", "\u20AC", "\u00A5", "x", "1", "\u0130", "\u0131"};
        for (int i = 0; i < 50_000; i++) {
            StringBuilder sb = new StringBuilder("1");
            for (int k = rnd.nextInt(7); k > 0; k--) {
                sb.append(pieces[rnd.nextInt(pieces.length)]);
            }
            String text = sb.toString();
            assertThat(Context.followedBy(text, 1, UNITS)).as(text).isEqualTo(followedByInFull(text, 1, UNITS));
        }
    }

    /** The same rule with every word compared by {@link String#regionMatches(boolean, int, String, int, int)}. */
    private static boolean followedByInFull(String text, int at, List<String> words) {
        int i = at;
        for (int k = 0; k < 2 && i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\u00A0'); k++) {
            i++;
        }
        for (String word : words) {
            if (text.regionMatches(true, i, word, 0, word.length())
                    && (!Chars.needsBoundary(word.charAt(word.length() - 1))
                    || !Chars.wordAt(text, i + word.length()))) {
                return true;
            }
        }
        return false;
    }
}
