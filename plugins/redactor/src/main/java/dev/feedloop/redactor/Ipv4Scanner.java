package dev.feedloop.redactor;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IPv4 addresses in dotted-quad form with octets 0..255 and no leading zeros. Not part of a longer dotted number
 * ({@code 1.2.3.4.5}, OIDs), not glued to a word ({@code v1.2.3.4}), and not right after a word such as
 * "version" or "build"; three-part versions ({@code 1.2.3}) and out-of-range octets ({@code 10.0.0.256}) never
 * match; nor does a product version in a user agent ({@code Chrome/120.0.0.0}).
 */
final class Ipv4Scanner implements Scanner {
    static final String TYPE = "IPV4";

    private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\w.])" + OCTET + "(?:\\." + OCTET + "){3}(?!\\w|\\.\\d|-[A-Za-z])");
    private static final Context VERSION = new Context(List.of(),
            List.of("version", "ver", "v", "build", "release", "firmware", "fw", "kernel", "patch"), 10);

    @Override
    public void scan(String text, List<Candidate> out) {
        if (text.indexOf('.') < 0) {
            return;
        }
        Matcher m = IPV4.matcher(text);
        while (m.find()) {
            int s = m.start();
            if (s >= 2 && text.charAt(s - 1) == '/' && Chars.isWord(text.charAt(s - 2))) {
                continue; // a product version such as Chrome/120.0.0.0 in a user agent, not http://10.0.0.1
            }
            if (VERSION.before(text, s) == Context.NEGATIVE) {
                continue;
            }
            out.add(new Candidate(TYPE, m.start(), m.end(), Candidate.RANK_IPV4));
        }
    }
}
