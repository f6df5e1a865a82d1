package dev.feedloop.redactor;

import java.util.ArrayList;
import java.util.List;

/**
 * Payment card numbers: 13 to 19 digits, written together or in groups of three to six separated by one kind of
 * separator (space or hyphen), starting with 2..6 (the major networks' ranges) and passing the Luhn check. A digit
 * run that fails Luhn is not a card, and nor is a longer run of digits that merely contains a Luhn-valid part.
 *
 * <p>A hand-written scan joins the text's digit runs ({@link DigitRuns}) into chains of digit groups joined by
 * single spaces or hyphens, and takes from each chain, left to right, the longest runs of whole groups that are
 * valid card numbers; so a card is found also right after other numbers ({@code +1 415 555 0100 4057 8308 6271
 * 4973}). Each start is tried against at most 19 groups, which keeps the scan linear however long a chain is. A
 * chain must not continue a word, a decimal or a path ({@code x4057...}, {@code 3.1415...}, {@code /4057...}) at
 * its start, nor at its end. A chain with fewer than 13 digits in all (or a text with fewer) is skipped before its
 * groups are looked at.
 */
final class CardScanner implements Scanner {
    static final String TYPE = "CARD";

    private static final int MIN_DIGITS = 13;
    private static final int MAX_DIGITS = 19;

    @Override
    public void scan(String text, DigitRuns digits, List<Candidate> out) {
        if (digits.digits() < MIN_DIGITS) {
            return;
        }
        List<int[]> groups = null;
        for (int r = 0; r < digits.size(); r++) {
            // a chain of digit groups joined by single spaces or hyphens; most chains are too short to hold a card
            int first = r;
            int chainDigits = digits.length(r);
            while (r + 1 < digits.size() && digits.start(r + 1) == digits.end(r) + 1
                    && (text.charAt(digits.end(r)) == ' ' || text.charAt(digits.end(r)) == '-')) {
                r++;
                chainDigits += digits.length(r);
            }
            if (chainDigits < MIN_DIGITS) {
                continue;
            }
            groups = groups == null ? new ArrayList<>() : groups;
            groups.clear();
            for (int k = first; k <= r; k++) {
                groups.add(new int[] {digits.start(k), digits.end(k)});
            }
            scanChain(text, groups, out);
        }
    }

    private static void scanChain(String text, List<int[]> groups, List<Candidate> out) {
        int g = groups.size();
        boolean startOk = startOk(text, groups.get(0)[0]);
        boolean endOk = endOk(text, groups.get(g - 1)[1]);
        int i = startOk ? 0 : 1;
        while (i < g) {
            int found = -1;
            int digits = 0;
            int last = i;
            while (last < g && digits + length(groups.get(last)) <= MAX_DIGITS) {
                digits += length(groups.get(last));
                last++;
            }
            for (int j = last; j > i; j--) {
                if ((j < g || endOk) && groupsOk(text, groups, i, j)
                        && isCard(text, groups.get(i)[0], groups.get(j - 1)[1])) {
                    found = j;
                    break;
                }
            }
            if (found > 0) {
                out.add(new Candidate(TYPE, groups.get(i)[0], groups.get(found - 1)[1], Candidate.RANK_CARD));
                i = found;
            } else {
                i++;
            }
        }
    }

    private static int length(int[] group) {
        return group[1] - group[0];
    }

    /** Not glued to a word, a decimal point, a path, a sign or a hyphenated id before it. */
    private static boolean startOk(String text, int start) {
        return start == 0 || !(Chars.isWord(text.charAt(start - 1)) || "-.,/+".indexOf(text.charAt(start - 1)) >= 0);
    }

    /** Not followed by a word character, or by {@code - . , /} and a digit. */
    private static boolean endOk(String text, int end) {
        if (end >= text.length()) {
            return true;
        }
        char c = text.charAt(end);
        if (Chars.isWord(c)) {
            return false;
        }
        return !("-.,/".indexOf(c) >= 0 && end + 1 < text.length() && Chars.isDigit(text.charAt(end + 1)));
    }

    /** Groups i..j-1 are one group, or 3..6 digits each with one kind of separator. */
    private static boolean groupsOk(String text, List<int[]> groups, int i, int j) {
        if (j - i == 1) {
            return true;
        }
        char sep = text.charAt(groups.get(i)[1]);
        for (int k = i; k < j; k++) {
            int len = length(groups.get(k));
            if (len < 3 || len > 6 || (k < j - 1 && text.charAt(groups.get(k)[1]) != sep)) {
                return false;
            }
        }
        return true;
    }

    /** 13..19 digits in {@code [start, end)}, leading 2..6, not all the same digit, Luhn-valid. */
    static boolean isCard(String text, int start, int end) {
        StringBuilder digits = new StringBuilder(MAX_DIGITS);
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            if (Chars.isDigit(c)) {
                digits.append(c);
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
