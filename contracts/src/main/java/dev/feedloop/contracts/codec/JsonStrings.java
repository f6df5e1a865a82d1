package dev.feedloop.contracts.codec;

/**
 * Minimal JSON string escaping, shared by every place that writes JSON byte-exactly by hand (prompt
 * hashes, safetensors headers, Python-compatible JSON): {@code \"} and {@code \\}, the short escapes
 * {@code \b \f \n \r \t}, other control characters as a lower-case six-character unicode escape, and
 * everything else literal — or, with {@code asciiOnly}, every character outside space..tilde escaped,
 * as Python's {@code json.dumps} does by default.
 */
public final class JsonStrings {
    private JsonStrings() {}

    /**
     * Appends {@code s} as a quoted JSON string.
     *
     * @param asciiOnly escape every character outside U+0020..U+007E (Python's {@code ensure_ascii=True})
     * @return {@code sb}
     */
    public static StringBuilder appendQuoted(StringBuilder sb, String s, boolean asciiOnly) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || (asciiOnly && c > 0x7e)) {
                        sb.append("\\u").append(Character.forDigit((c >> 12) & 0xf, 16)).append(Character.forDigit((c >> 8) & 0xf, 16))
                                .append(Character.forDigit((c >> 4) & 0xf, 16)).append(Character.forDigit(c & 0xf, 16));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }
}
