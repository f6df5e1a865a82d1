package dev.feedloop.redactor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Keywords near a match that make it more or less likely to be what it looks like, e.g. "call" before a phone
 * number or "order" before an order number of the same shape. Looks at a bounded window before the match, word by
 * word from the match backwards, so it costs time linear in the window whatever the number of keywords.
 */
final class Context {
    /** The nearest keyword before the match is a positive one. */
    static final int POSITIVE = 1;
    /** No keyword in the window. */
    static final int NONE = 0;
    /** The nearest keyword before the match is a negative one. */
    static final int NEGATIVE = -1;

    /** One keyword and what it says. */
    private record Keyword(String text, int verdict) {}

    /** Keywords that end in a letter or digit of an alphabetic script, by their last word. */
    private final Map<String, List<Keyword>> byLastWord = new HashMap<>();
    /** Keywords that end in a symbol or a CJK character (no word boundary), found by search. */
    private final List<Keyword> others = new ArrayList<>();
    private final int window;

    /**
     * @param positive lower-case keywords that support the match
     * @param negative lower-case keywords that speak against it
     * @param window how many characters before the match to look at
     */
    Context(List<String> positive, List<String> negative, int window) {
        this.window = window;
        positive.forEach(k -> add(k, POSITIVE));
        negative.forEach(k -> add(k, NEGATIVE));
    }

    private void add(String keyword, int verdict) {
        Keyword k = new Keyword(keyword, verdict);
        int end = keyword.length();
        if (!Chars.needsBoundary(keyword.charAt(end - 1))) {
            others.add(k);
            return;
        }
        int start = end;
        while (start > 0 && Chars.needsBoundary(keyword.charAt(start - 1))) {
            start--;
        }
        byLastWord.computeIfAbsent(keyword.substring(start, end), w -> new ArrayList<>()).add(k);
    }

    /**
     * Which kind of keyword ends nearest to {@code at} within the window before it; of two ending at the same place
     * the longer wins ("order number" beats "number").
     */
    int before(String text, int at) {
        String w = text.substring(Math.max(0, at - window), at).toLowerCase(Locale.ROOT);
        long best = -1;
        int verdict = NONE;
        // alphabetic keywords: the nearest word that ends one decides
        int k = w.length();
        while (k > 0 && best < 0) {
            int end = k;
            while (end > 0 && !Chars.needsBoundary(w.charAt(end - 1))) {
                end--;
            }
            int start = end;
            while (start > 0 && Chars.needsBoundary(w.charAt(start - 1))) {
                start--;
            }
            List<Keyword> candidates = end > start ? byLastWord.get(w.substring(start, end)) : null;
            if (candidates != null) {
                for (Keyword kw : candidates) {
                    int s = end - kw.text().length();
                    if (s >= 0 && w.startsWith(kw.text(), s) && startOk(w, s, kw.text())) {
                        long score = ((long) end << 16) | kw.text().length();
                        if (score > best) {
                            best = score;
                            verdict = kw.verdict();
                        }
                    }
                }
            }
            k = start;
        }
        for (Keyword kw : others) {
            long score = score(w, kw.text());
            if (score > best) {
                best = score;
                verdict = kw.verdict();
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
        if (i >= text.length()) {
            return false;
        }
        char next = text.charAt(i);
        for (String word : words) {
            char first = word.charAt(0);
            if (next < 128 && first < 128 && (next | 0x20) != (first | 0x20)) {
                continue; // two ASCII characters that differ even ignoring case: no need to compare further
            }
            if (text.regionMatches(true, i, word, 0, word.length())) {
                int end = i + word.length();
                if (!Chars.needsBoundary(word.charAt(word.length() - 1)) || !Chars.wordAt(text, end)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean startOk(String w, int s, String k) {
        return !Chars.needsBoundary(k.charAt(0)) || !Chars.wordBefore(w, s);
    }

    /** End position of the last occurrence of {@code k} in {@code w} (start on a word boundary), then its length. */
    private static long score(String w, String k) {
        int idx = w.lastIndexOf(k);
        while (idx >= 0) {
            if (startOk(w, idx, k)) {
                return ((long) (idx + k.length()) << 16) | k.length();
            }
            idx = idx == 0 ? -1 : w.lastIndexOf(k, idx - 1);
        }
        return -1;
    }
}
