package dev.feedloop.redactor;

import java.util.List;
import java.util.Locale;

/**
 * Keywords near a match that make it more or less likely to be what it looks like, e.g. "call" before a phone
 * number or "order" before an order number of the same shape. Looks at a bounded window, so it costs constant
 * time per match.
 */
final class Context {
    /** The nearest keyword before the match is a positive one. */
    static final int POSITIVE = 1;
    /** No keyword in the window. */
    static final int NONE = 0;
    /** The nearest keyword before the match is a negative one. */
    static final int NEGATIVE = -1;

    private final List<String> positive;
    private final List<String> negative;
    private final int window;

    /**
     * @param positive lower-case keywords that support the match
     * @param negative lower-case keywords that speak against it
     * @param window how many characters before the match to look at
     */
    Context(List<String> positive, List<String> negative, int window) {
        this.positive = List.copyOf(positive);
        this.negative = List.copyOf(negative);
        this.window = window;
    }

    /**
     * Which kind of keyword ends nearest to {@code at} within the window before it; of two ending at the same place
     * the longer wins ("order number" beats "number").
     */
    int before(String text, int at) {
        String w = text.substring(Math.max(0, at - window), at).toLowerCase(Locale.ROOT);
        long best = -1;
        int verdict = NONE;
        for (String k : positive) {
            long score = score(w, k);
            if (score > best) {
                best = score;
                verdict = POSITIVE;
            }
        }
        for (String k : negative) {
            long score = score(w, k);
            if (score > best) {
                best = score;
                verdict = NEGATIVE;
            }
        }
        return verdict;
    }

    /**
     * Whether one of {@code words} follows {@code at} after at most two spaces, e.g. a currency or unit after a
     * number.
     */
    static boolean followedBy(String text, int at, List<String> words) {
        int i = at;
        for (int k = 0; k < 2 && i < text.length() && (text.charAt(i) == ' ' || text.charAt(i) == '\u00A0'); k++) {
            i++;
        }
        for (String word : words) {
            if (text.regionMatches(true, i, word, 0, word.length())) {
                int end = i + word.length();
                if (!Chars.needsBoundary(word.charAt(word.length() - 1)) || !Chars.wordAt(text, end)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** End position of the last whole-word occurrence of {@code k} in {@code w}, then its length; -1 if none. */
    private static long score(String w, String k) {
        int idx = w.lastIndexOf(k);
        while (idx >= 0) {
            int end = idx + k.length();
            boolean startOk = !Chars.needsBoundary(k.charAt(0)) || !Chars.wordBefore(w, idx);
            boolean endOk = !Chars.needsBoundary(k.charAt(k.length() - 1)) || !Chars.wordAt(w, end);
            if (startOk && endOk) {
                return ((long) end << 16) | k.length();
            }
            idx = idx == 0 ? -1 : w.lastIndexOf(k, idx - 1);
        }
        return -1;
    }
}
