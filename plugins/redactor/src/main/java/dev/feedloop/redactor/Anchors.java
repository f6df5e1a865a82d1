package dev.feedloop.redactor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Literal substrings that every match of a pattern must contain, all found in one pass over the text so the (much
 * slower) regex only runs next to them. A pattern is then tried with {@link java.util.regex.Matcher#lookingAt} on
 * a region starting at the anchor, with transparent bounds so its lookbehind still sees the text before.
 *
 * <p>Each literal belongs to a numbered set and is matched either exactly or lower-cased: a lower-case literal
 * occurs where {@link Character#toLowerCase(char)} of each UTF-16 unit of the text equals the literal's unit, so
 * offsets are those of the original text and nothing is allocated for a lower-cased copy.
 *
 * <p>Every literal is at least two characters long. Where two ASCII characters start the text at a position, one
 * lookup in a bit table of the literals' first two characters (each with {@code 0x20} set, which is lower case for
 * letters) rules most positions out, and the literals that start with that pair are compared one by one; where
 * either character is not ASCII, the literals that may start at the first character are. Immutable and
 * thread-safe.
 */
final class Anchors {
    /**
     * One literal to find.
     *
     * @param text the literal; lower-case if {@code lowerCase}
     * @param set the set its occurrences are reported in, from 0
     * @param lowerCase whether it is compared with the lower-cased text instead of the text
     */
    record Literal(String text, int set, boolean lowerCase) {
        Literal {
            if (text.length() < 2 || set < 0) {
                throw new IllegalArgumentException("bad literal '" + text + "' in set " + set);
            }
        }
    }

    private static final int ASCII = 128;
    private static final int CASE_BIT = 0x20;

    private final int sets;
    /** One bit per pair of ASCII characters (each with {@link #CASE_BIT} set): whether some literal starts so. */
    private final long[] pairs = new long[ASCII * ASCII / Long.SIZE];
    /** The literals that start with each pair of ASCII characters (each with {@link #CASE_BIT} set). */
    private final Literal[][] byPair = new Literal[ASCII * ASCII][];
    /** The literals that may start at each ASCII character. */
    private final Literal[][] ascii = new Literal[ASCII][];
    /** The literals that may start at each other character, for the characters where some may. */
    private final Map<Character, Literal[]> others = new HashMap<>();
    /** One bit per UTF-16 unit: whether {@link #others} has it, so other characters are never boxed in vain. */
    private final long[] otherBits = new long[(Character.MAX_VALUE + 1) / Long.SIZE];

    private Anchors(List<Literal> literals) {
        int max = -1;
        Map<Character, List<Literal>> exact = new HashMap<>();
        Map<Character, List<Literal>> lower = new HashMap<>();
        for (Literal l : literals) {
            max = Math.max(max, l.set());
            char first = l.text().charAt(0);
            char second = l.text().charAt(1);
            if (first < ASCII && second < ASCII) {
                int pair = pair(first, second);
                pairs[pair >>> 6] |= 1L << pair;
                Literal[] bucket = byPair[pair] == null ? new Literal[0] : byPair[pair];
                byPair[pair] = Arrays.copyOf(bucket, bucket.length + 1);
                byPair[pair][bucket.length] = l;
            }
            (l.lowerCase() ? lower : exact).computeIfAbsent(l.text().charAt(0), c -> new ArrayList<>()).add(l);
        }
        sets = max + 1;
        for (int c = Character.MIN_VALUE; c <= Character.MAX_VALUE; c++) {
            List<Literal> bucket = new ArrayList<>(exact.getOrDefault((char) c, List.of()));
            bucket.addAll(lower.getOrDefault(Character.toLowerCase((char) c), List.of()));
            if (bucket.isEmpty()) {
                continue;
            }
            Literal[] array = bucket.toArray(new Literal[0]);
            if (c < ASCII) {
                ascii[c] = array;
            } else {
                others.put((char) c, array);
                otherBits[c >>> 6] |= 1L << c;
            }
        }
    }

    /**
     * Finds the given literals.
     *
     * @throws IllegalArgumentException if a literal is shorter than two characters or its set negative
     */
    static Anchors of(List<Literal> literals) {
        return new Anchors(literals);
    }

    /** The start of every occurrence of each set's literals, one bit set per set (index = set number). */
    BitSet[] find(String text) {
        BitSet[] starts = new BitSet[sets];
        for (int s = 0; s < sets; s++) {
            starts[s] = new BitSet();
        }
        for (int at = nextCandidate(text, 0); at >= 0; at = nextCandidate(text, at + 1)) {
            char c = text.charAt(at);
            char next = text.charAt(at + 1);
            Literal[] bucket;
            if ((c | next) < ASCII) {
                bucket = byPair[pair(c, next)];
            } else {
                bucket = c < ASCII ? ascii[c] : (otherBits[c >>> 6] & (1L << c)) == 0 ? null : others.get(c);
            }
            if (bucket == null) {
                continue;
            }
            for (Literal l : bucket) {
                if (occursAt(text, at, l)) {
                    starts[l.set()].set(at);
                }
            }
        }
        return starts;
    }

    /**
     * The first position from {@code from} where a literal may start: a pair of ASCII characters in the table, or a
     * pair with a character outside ASCII; -1 if there is none before the last character.
     */
    private int nextCandidate(String text, int from) {
        long[] table = pairs;
        int last = text.length() - 1;
        for (int at = from; at < last; at++) {
            char c = text.charAt(at);
            char next = text.charAt(at + 1);
            if ((c | next) >= ASCII) {
                return at;
            }
            int pair = pair(c, next);
            if ((table[pair >>> 6] & (1L << pair)) != 0) {
                return at;
            }
        }
        return -1;
    }

    /** The index of two ASCII characters in {@link #pairs}, each with {@link #CASE_BIT} set. */
    private static int pair(char first, char second) {
        return (first | CASE_BIT) << 7 | (second | CASE_BIT);
    }

    private static boolean occursAt(String text, int at, Literal l) {
        String s = l.text();
        if (!l.lowerCase()) {
            return text.startsWith(s, at);
        }
        if (at + s.length() > text.length()) {
            return false;
        }
        for (int k = 0; k < s.length(); k++) {
            char c = text.charAt(at + k);
            char lower = c < ASCII ? (c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c) : Character.toLowerCase(c);
            if (lower != s.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
