package dev.feedloop.redactor;

import java.util.List;

/**
 * IPv4 addresses in dotted-quad form with octets 0..255 and no leading zeros. Not part of a longer dotted number
 * ({@code 1.2.3.4.5}, OIDs), not glued to a word ({@code v1.2.3.4}), and not right after a word such as
 * "version" or "build"; three-part versions ({@code 1.2.3}) and out-of-range octets ({@code 10.0.0.256}) never
 * match; nor does a product version in a user agent ({@code Chrome/120.0.0.0}).
 *
 * <p>A hand-written scan, without a regex: an address starts at the digit run just before a dot, so only the runs
 * before each dot (found with {@link String#indexOf(int, int)}) are tried, each once. Every octet is a whole run of
 * one to three digits; the address must not follow an ASCII word character or a dot, and must not be followed by
 * an ASCII word character, a dot and a digit, or a hyphen and a letter.
 */
final class Ipv4Scanner implements Scanner {
    static final String TYPE = "IPV4";

    private static final Context VERSION = new Context(List.of(),
            List.of("version", "ver", "v", "build", "release", "firmware", "fw", "kernel", "patch"), 10);

    @Override
    public void scan(String text, DigitRuns digits, List<Candidate> out) {
        int from = 0;
        for (int dot = text.indexOf('.'); dot >= 0; dot = text.indexOf('.', dot + 1)) {
            int s = dot;
            while (s > 0 && dot - s < 4 && Chars.isDigit(text.charAt(s - 1))) {
                s--;
            }
            if (s == dot || s < from || (s > 0 && isWordOrDot(text.charAt(s - 1)))) {
                continue;
            }
            int e = end(text, s);
            if (e < 0) {
                continue;
            }
            from = e;
            if (s >= 2 && text.charAt(s - 1) == '/' && Chars.isWord(text.charAt(s - 2))) {
                continue; // a product version such as Chrome/120.0.0.0 in a user agent, not http://10.0.0.1
            }
            if (VERSION.before(text, s) == Context.NEGATIVE) {
                continue;
            }
            out.add(new Candidate(TYPE, s, e, Candidate.RANK_IPV4));
        }
    }

    /**
     * The end of the dotted quad starting at {@code start}, or -1: four whole digit runs of value 0..255 without a
     * leading zero, joined by single dots, then no ASCII word character, no dot and digit, no hyphen and letter.
     */
    static int end(String text, int start) {
        int n = text.length();
        int k = start;
        for (int part = 0; part < 4; part++) {
            if (part > 0) {
                if (k >= n || text.charAt(k) != '.') {
                    return -1;
                }
                k++;
            }
            int partStart = k;
            int value = 0;
            while (k < n && k - partStart < 4 && Chars.isDigit(text.charAt(k))) {
                value = value * 10 + text.charAt(k) - '0';
                k++;
            }
            int len = k - partStart;
            if (len == 0 || len > 3 || value > 255 || (len > 1 && text.charAt(partStart) == '0')) {
                return -1;
            }
        }
        if (k < n) {
            char c = text.charAt(k);
            boolean next = k + 1 < n;
            if (isAsciiWord(c) || (c == '.' && next && Chars.isDigit(text.charAt(k + 1)))
                    || (c == '-' && next && isAsciiLetter(text.charAt(k + 1)))) {
                return -1;
            }
        }
        return k;
    }

    /** {@code [A-Za-z0-9_]}: a word character as a regex without Unicode classes sees it. */
    private static boolean isAsciiWord(char c) {
        return Chars.isAsciiAlnum(c) || c == '_';
    }

    private static boolean isWordOrDot(char c) {
        return isAsciiWord(c) || c == '.';
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
