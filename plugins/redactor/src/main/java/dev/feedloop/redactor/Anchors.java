package dev.feedloop.redactor;

import java.util.BitSet;
import java.util.List;

/**
 * Literal substrings that every match of a pattern must contain, found with {@link String#indexOf} so the (much
 * slower) regex only runs next to them. A pattern is then tried with {@link java.util.regex.Matcher#lookingAt} on
 * a region starting at the anchor, with transparent bounds so its lookbehind still sees the text before.
 */
final class Anchors {
    private Anchors() {}

    /** Each UTF-16 unit lower-cased on its own, so every offset is that of the original text. */
    static String lowerCase(String text) {
        char[] chars = new char[text.length()];
        for (int k = 0; k < chars.length; k++) {
            chars[k] = Character.toLowerCase(text.charAt(k));
        }
        return new String(chars);
    }

    /** The start of every occurrence of each literal in {@code haystack}. */
    static BitSet of(String haystack, List<String> literals) {
        BitSet starts = new BitSet();
        for (String literal : literals) {
            for (int at = haystack.indexOf(literal); at >= 0; at = haystack.indexOf(literal, at + 1)) {
                starts.set(at);
            }
        }
        return starts;
    }
}
