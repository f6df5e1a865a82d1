package dev.feedloop.redactor;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Payment card numbers: 13 to 19 digits, written together or in groups of three to six separated by one kind of
 * separator (space or hyphen), starting with 2..6 (the major networks' ranges) and passing the Luhn check. A digit
 * run that fails Luhn is not a card, and nor is a longer run of digits that merely contains a Luhn-valid part.
 *
 * <p>Inside one grouped match (e.g. a card followed by an unrelated number) the longest run of whole groups that
 * passes every check is taken.
 */
final class CardScanner implements Scanner {
    static final String TYPE = "CARD";

    private static final int MIN_DIGITS = 13;
    private static final int MAX_DIGITS = 19;
    private static final Pattern CANDIDATE = Pattern.compile(
            "(?<![\\w\\-.,/+])\\d(?:[ \\-]?\\d){12,18}(?!\\w|[\\-.,/]\\d)");

    @Override
    public void scan(String text, List<Candidate> out) {
        Matcher m = CANDIDATE.matcher(text);
        List<int[]> groups = new ArrayList<>();
        while (m.find()) {
            groups.clear();
            int s = m.start();
            for (int k = m.start(); k <= m.end(); k++) {
                if (k == m.end() || !Chars.isDigit(text.charAt(k))) {
                    groups.add(new int[] {s, k});
                    s = k + 1;
                }
            }
            int[] best = longestValid(text, groups);
            if (best != null) {
                out.add(new Candidate(TYPE, best[0], best[1], Candidate.RANK_CARD));
            }
        }
    }

    /** The longest run of consecutive groups that is a valid card number, as {start, end}; null if none. */
    private static int[] longestValid(String text, List<int[]> groups) {
        int g = groups.size();
        if (g == 1) {
            int[] only = groups.get(0);
            return isCard(text, only[0], only[1], true) ? only : null;
        }
        int[] best = null;
        for (int i = 0; i < g; i++) {
            for (int j = g; j > i; j--) {
                int start = groups.get(i)[0];
                int end = groups.get(j - 1)[1];
                if (best != null && end - start <= best[1] - best[0]) {
                    break;
                }
                if (groupsOk(groups, i, j, text) && isCard(text, start, end, false)) {
                    best = new int[] {start, end};
                    break;
                }
            }
        }
        return best;
    }

    /** Groups i..j-1 are 3..6 digits each (or one group of 13..19) and use one kind of separator. */
    private static boolean groupsOk(List<int[]> groups, int i, int j, String text) {
        if (j - i == 1) {
            return true;
        }
        char sep = text.charAt(groups.get(i)[1]);
        for (int k = i; k < j; k++) {
            int len = groups.get(k)[1] - groups.get(k)[0];
            if (len < 3 || len > 6) {
                return false;
            }
            if (k < j - 1 && text.charAt(groups.get(k)[1]) != sep) {
                return false;
            }
        }
        return true;
    }

    /** 13..19 digits in {@code [start, end)}, leading 2..6, not all the same digit, Luhn-valid. */
    static boolean isCard(String text, int start, int end, boolean compact) {
        StringBuilder digits = new StringBuilder(MAX_DIGITS);
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            if (Chars.isDigit(c)) {
                digits.append(c);
            } else if (compact) {
                return false;
            }
        }
        int n = digits.length();
        if (n < MIN_DIGITS || n > MAX_DIGITS) {
            return false;
        }
        char first = digits.charAt(0);
        if (first < '2' || first > '6') {
            return false;
        }
        boolean allSame = true;
        for (int k = 1; k < n && allSame; k++) {
            allSame = digits.charAt(k) == first;
        }
        return !allSame && Checksums.luhn(digits);
    }
}
