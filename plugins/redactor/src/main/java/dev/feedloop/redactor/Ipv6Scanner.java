package dev.feedloop.redactor;

import java.util.List;

/**
 * IPv6 addresses: eight groups of one to four hex digits, or fewer with one {@code ::}, optionally ending in an
 * embedded IPv4 address ({@code ::ffff:192.0.2.1}). Found by a hand-written scan over runs of hex digits, colons
 * and dots, so it is linear without any regex; only runs that hold a colon are looked at (found from each colon),
 * and each is validated as a whole (after dropping a trailing sentence dot or colon).
 *
 * <p>To keep times ({@code 12:30:45}), MAC addresses and C++/Rust paths out, a run must not touch a word
 * character on either side, must parse completely, and must contain at least one decimal digit (so hex words like
 * {@code cafe::beef} are left alone). A compressed address with one or two groups needs a group of three or more
 * hex digits ({@code fe80::1}) or to be {@code ::1}, so Python slices such as {@code a[1::2]} are left alone.
 */
final class Ipv6Scanner implements Scanner {
    static final String TYPE = "IPV6";

    /** The longest textual IPv6 address: six groups of four, the colons and an embedded IPv4 address. */
    private static final int MAX_LENGTH = 45;

    @Override
    public void scan(String text, DigitRuns digits, List<Candidate> out) {
        // only a run with a colon can be an address: find the colons, then the run around each
        int colon = text.indexOf(':');
        while (colon >= 0) {
            int start = colon;
            while (start > 0 && isRunChar(text.charAt(start - 1))) {
                start--;
            }
            int end = colon;
            while (end < text.length() && isRunChar(text.charAt(end))) {
                end++;
            }
            colon = text.indexOf(':', end);
            scanRun(text, start, end, out);
        }
    }

    /** Adds the maximal run of address characters {@code [start, end)} if it is an address. */
    private static void scanRun(String text, int start, int runEnd, List<Candidate> out) {
        int end = runEnd;
        if (end - start > MAX_LENGTH + 1 || Chars.wordBefore(text, start) || Chars.wordAt(text, end)) {
            return;
        }
        // a sentence may end right after the address: "reach it at fe80::1." or "fe80::1: it answers"
        while (end > start && (text.charAt(end - 1) == '.'
                || (text.charAt(end - 1) == ':' && (end - 2 < start || text.charAt(end - 2) != ':')))) {
            end--;
        }
        if (end - start >= 3 && end - start <= MAX_LENGTH && isIpv6(text, start, end)) {
            out.add(new Candidate(TYPE, start, end, Candidate.RANK_IPV6));
        }
    }

    private static boolean isRunChar(char c) {
        return Chars.isHex(c) || c == ':' || c == '.';
    }

    /** Whether {@code text[start, end)} is a complete IPv6 address with at least one decimal digit. */
    static boolean isIpv6(String text, int start, int end) {
        boolean digit = false;
        int colons = 0;
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            digit |= Chars.isDigit(c);
            if (c == ':') {
                colons++;
            }
        }
        if (!digit || colons < 2) {
            return false;
        }
        int groups = 0;
        boolean compressed = false;
        int k = start;
        if (text.startsWith("::", k)) {
            compressed = true;
            k += 2;
            if (k == end) {
                return false; // "::" alone has no digit anyway; kept explicit
            }
        }
        while (k < end) {
            int groupStart = k;
            while (k < end && Chars.isHex(text.charAt(k))) {
                k++;
            }
            int len = k - groupStart;
            if (k < end && text.charAt(k) == '.') {
                // embedded IPv4 as the last two groups
                if (!isIpv4(text, groupStart, end)) {
                    return false;
                }
                groups += 2;
                k = end;
                break;
            }
            if (len < 1 || len > 4) {
                return false;
            }
            groups++;
            if (k == end) {
                break;
            }
            // k is at ':'
            if (k + 1 < end && text.charAt(k + 1) == ':') {
                if (compressed) {
                    return false; // a second "::"
                }
                compressed = true;
                k += 2;
            } else if (k + 1 == end) {
                return false; // a single trailing ':'
            } else {
                k++;
            }
        }
        if (!compressed) {
            return groups == 8;
        }
        // "1::2" and "::2" are far more often Python slices (a[1::2]) than addresses; "::1" is loopback
        return groups <= 7 && (groups > 2 || longGroup(text, start, end) || text.substring(start, end).equals("::1"));
    }

    /** Whether some group has three or more hex digits (fe80::1, 2001:db8::) or an IPv4 address is embedded. */
    private static boolean longGroup(String text, int start, int end) {
        int run = 0;
        for (int k = start; k < end; k++) {
            char c = text.charAt(k);
            if (c == '.') {
                return true;
            }
            run = Chars.isHex(c) ? run + 1 : 0;
            if (run >= 3) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code text[start, end)} is a dotted quad with octets 0..255 and no leading zeros. */
    private static boolean isIpv4(String text, int start, int end) {
        int parts = 0;
        int k = start;
        while (k <= end) {
            int partStart = k;
            int value = 0;
            while (k < end && Chars.isDigit(text.charAt(k))) {
                value = value * 10 + (text.charAt(k) - '0');
                k++;
                if (k - partStart > 3) {
                    return false;
                }
            }
            int len = k - partStart;
            if (len == 0 || value > 255 || (len > 1 && text.charAt(partStart) == '0')) {
                return false;
            }
            parts++;
            if (k == end) {
                break;
            }
            if (text.charAt(k) != '.') {
                return false;
            }
            k++;
        }
        return parts == 4;
    }
}
