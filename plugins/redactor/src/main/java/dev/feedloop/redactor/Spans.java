package dev.feedloop.redactor;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/** An immutable set of spans answering "does any span overlap / contain [start, end)" in logarithmic time. */
final class Spans {
    private static final Spans NONE = new Spans(new int[0], new int[0]);

    private final int[] starts;
    /** Greatest end among the spans up to each index, sorted by start. */
    private final int[] maxEnds;

    private Spans(int[] starts, int[] maxEnds) {
        this.starts = starts;
        this.maxEnds = maxEnds;
    }

    /** The given {start, end} pairs, in any order. */
    static Spans of(List<int[]> spans) {
        if (spans.isEmpty()) {
            return NONE;
        }
        int[][] sorted = spans.toArray(new int[0][]);
        Arrays.sort(sorted, Comparator.comparingInt((int[] s) -> s[0]));
        int[] starts = new int[sorted.length];
        int[] maxEnds = new int[sorted.length];
        int max = Integer.MIN_VALUE;
        for (int k = 0; k < sorted.length; k++) {
            starts[k] = sorted[k][0];
            max = Math.max(max, sorted[k][1]);
            maxEnds[k] = max;
        }
        return new Spans(starts, maxEnds);
    }

    /** Whether one span contains all of [start, end). */
    boolean contain(int start, int end) {
        int k = lastStartAtOrBefore(start);
        return k >= 0 && maxEnds[k] >= end;
    }

    /** Whether one span shares at least one character with [start, end). */
    boolean overlap(int start, int end) {
        int k = lastStartAtOrBefore(end - 1);
        return k >= 0 && maxEnds[k] > start;
    }

    private int lastStartAtOrBefore(int at) {
        int lo = 0;
        int hi = starts.length - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= at) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }
}
