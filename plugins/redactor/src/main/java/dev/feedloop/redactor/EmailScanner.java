package dev.feedloop.redactor;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * E-mail addresses: a local part of up to 64 letters, digits and {@code ._%+-} (any script; an apostrophe too,
 * but not first, as in {@code o'brien@...}), {@code @}, one to
 * eight dot-separated domain labels and an alphabetic top-level domain. Not the user or password of a URL such
 * as {@code https://user:pw@host} or {@code https://token@host} (the secret scanner takes a password or token
 * there), not the {@code git@host} of an SSH remote, and not an image named for a pixel density
 * ({@code icon@2x.png}).
 */
final class EmailScanner implements Scanner {
    static final String TYPE = "EMAIL";

    private static final String LOCAL = "[\\p{L}\\p{M}\\p{N}._%+\\-]";
    private static final String LABEL_END = "[\\p{L}\\p{M}\\p{N}]";
    private static final Pattern EMAIL = Pattern.compile(
            "(?<!" + LOCAL + ")(?<!://)(?<!//[^\\s/@:]{0,64}:)"
                    + "(" + LOCAL + "[\\p{L}\\p{M}\\p{N}._%+\\-']{0,63})@"
                    + "(?:" + LABEL_END + "(?:[\\p{L}\\p{M}\\p{N}\\-]{0,61}" + LABEL_END + ")?\\.){1,8}"
                    + "\\p{L}{2,24}(?![\\p{L}\\p{M}\\p{N}\\-@])");

    /** The domain part of an image file named for a pixel density: {@code 2x.png}, {@code 1.5x.webp}. */
    private static final Pattern RETINA_ASSET = Pattern.compile(
            "\\d{1,2}(?:\\.\\d)?x\\.(?:png|jpe?g|gif|svg|webp|avif|bmp|ico)", Pattern.CASE_INSENSITIVE);

    @Override
    public void scan(String text, DigitRuns digits, List<Candidate> out) {
        Matcher m = null;
        int from = 0;
        for (int at = text.indexOf('@'); at >= 0; at = text.indexOf('@', at + 1)) {
            int start = localStart(text, at);
            if (start < from || start == at) {
                continue;
            }
            m = m == null ? EMAIL.matcher(text).useTransparentBounds(true) : m;
            if (!m.region(start, text.length()).lookingAt() || m.end(1) != at) {
                continue;
            }
            from = m.end();
            if (m.group(1).equals("git")) {
                continue; // git@github.com:org/repo.git is an SSH remote, not a person's address
            }
            if (RETINA_ASSET.matcher(text).region(at + 1, m.end()).matches()) {
                continue; // icon@2x.png is an image file name
            }
            out.add(new Candidate(TYPE, m.start(), m.end(), Candidate.RANK_EMAIL));
        }
    }

    /**
     * Where the local part before the {@code @} at {@code at} starts: back over local-part characters (at most 65,
     * so a longer run fails the pattern's lookbehind), then past a leading apostrophe.
     */
    private static int localStart(String text, int at) {
        int start = at;
        while (start > 0 && at - start <= 64 && isLocal(text.charAt(start - 1))) {
            start--;
        }
        while (start < at && text.charAt(start) == '\'') {
            start++;
        }
        return start;
    }

    private static boolean isLocal(char c) {
        return Character.isLetterOrDigit(c) || Character.getType(c) == Character.NON_SPACING_MARK
                || Character.getType(c) == Character.COMBINING_SPACING_MARK
                || Character.getType(c) == Character.ENCLOSING_MARK || "._%+-'".indexOf(c) >= 0;
    }
}
