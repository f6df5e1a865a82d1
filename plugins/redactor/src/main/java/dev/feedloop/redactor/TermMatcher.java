package dev.feedloop.redactor;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * Finds every occurrence of a fixed set of terms in one pass (Aho-Corasick), in time linear in the text plus the
 * number of occurrences. Case-insensitive matching folds each UTF-16 unit on its own, so offsets in the text are
 * never shifted. Immutable and thread-safe once built.
 */
final class TermMatcher {
    /** Receives one occurrence. */
    @FunctionalInterface
    interface Occurrence {
        void at(int start, int end);
    }

    private final boolean ignoreCase;
    private final List<Map<Character, Integer>> next = new ArrayList<>();
    private final int[] fail;
    /** Lengths of the terms that end at each state, including those of its suffix states. */
    private final int[][] outputs;

    private TermMatcher(Collection<String> terms, boolean ignoreCase) {
        this.ignoreCase = ignoreCase;
        List<List<Integer>> out = new ArrayList<>();
        next.add(new HashMap<>());
        out.add(new ArrayList<>());
        for (String term : terms) {
            int state = 0;
            for (int k = 0; k < term.length(); k++) {
                char c = fold(term.charAt(k));
                Integer to = next.get(state).get(c);
                if (to == null) {
                    to = next.size();
                    next.get(state).put(c, to);
                    next.add(new HashMap<>());
                    out.add(new ArrayList<>());
                }
                state = to;
            }
            if (!out.get(state).contains(term.length())) {
                out.get(state).add(term.length());
            }
        }
        fail = new int[next.size()];
        Queue<Integer> queue = new ArrayDeque<>();
        for (int child : next.get(0).values()) {
            queue.add(child);
        }
        while (!queue.isEmpty()) {
            int state = queue.remove();
            for (Map.Entry<Character, Integer> edge : next.get(state).entrySet()) {
                int child = edge.getValue();
                int f = fail[state];
                while (f != 0 && !next.get(f).containsKey(edge.getKey())) {
                    f = fail[f];
                }
                Integer target = next.get(f).get(edge.getKey());
                fail[child] = target == null || target == child ? 0 : target;
                for (int len : out.get(fail[child])) {
                    if (!out.get(child).contains(len)) {
                        out.get(child).add(len);
                    }
                }
                queue.add(child);
            }
        }
        outputs = new int[next.size()][];
        for (int s = 0; s < outputs.length; s++) {
            outputs[s] = out.get(s).stream().mapToInt(Integer::intValue).toArray();
            Arrays.sort(outputs[s]);
        }
    }

    /**
     * A matcher for the given terms; empty terms are ignored.
     *
     * @param ignoreCase whether to compare case-insensitively
     */
    static TermMatcher of(Collection<String> terms, boolean ignoreCase) {
        return new TermMatcher(terms.stream().filter(t -> !t.isEmpty()).toList(), ignoreCase);
    }

    /** Whether there are no terms. */
    boolean isEmpty() {
        return next.get(0).isEmpty();
    }

    /** Reports every occurrence, by end position, shortest first at each end. */
    void forEach(String text, Occurrence occurrence) {
        if (isEmpty()) {
            return;
        }
        int state = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = fold(text.charAt(i));
            while (state != 0 && !next.get(state).containsKey(c)) {
                state = fail[state];
            }
            Integer to = next.get(state).get(c);
            state = to == null ? 0 : to;
            for (int len : outputs[state]) {
                occurrence.at(i + 1 - len, i + 1);
            }
        }
    }

    private char fold(char c) {
        return ignoreCase ? Character.toLowerCase(Character.toUpperCase(c)) : c;
    }
}
