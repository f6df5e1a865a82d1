package dev.feedloop.redactor;

import java.util.Arrays;

/**
 * The maximal runs of ASCII digits in a text, in order, found in one pass over it. The scanners whose matches start
 * at or just before a digit (phone, card and IBAN numbers) visit these runs instead of every character of the text,
 * and skip the text outright when it has too few digits. Immutable once built.
 */
final class DigitRuns {
    private static final int[] NONE = new int[0];

    /** Start and end (exclusive) of each run, one after the other. */
    private final int[] bounds;
    private final int size;
    private final int digits;

    private DigitRuns(int[] bounds, int size, int digits) {
        this.bounds = bounds;
        this.size = size;
        this.digits = digits;
    }

    /** The digit runs of {@code text}. */
    static DigitRuns of(String text) {
        int n = text.length();
        int[] bounds = NONE;
        int size = 0;
        int digits = 0;
        int k = 0;
        while (k < n) {
            if (!Chars.isDigit(text.charAt(k))) {
                k++;
                continue;
            }
            int start = k;
            while (k < n && Chars.isDigit(text.charAt(k))) {
                k++;
            }
            if (2 * size == bounds.length) {
                bounds = Arrays.copyOf(bounds, Math.max(16, 2 * bounds.length));
            }
            bounds[2 * size] = start;
            bounds[2 * size + 1] = k;
            size++;
            digits += k - start;
        }
        return new DigitRuns(bounds, size, digits);
    }

    /** How many runs there are. */
    int size() {
        return size;
    }

    /** How many digits there are in all. */
    int digits() {
        return digits;
    }

    /** Where run {@code k} starts. */
    int start(int k) {
        return bounds[2 * k];
    }

    /** Where run {@code k} ends (exclusive). */
    int end(int k) {
        return bounds[2 * k + 1];
    }

    /** How many digits run {@code k} has. */
    int length(int k) {
        return end(k) - start(k);
    }
}
