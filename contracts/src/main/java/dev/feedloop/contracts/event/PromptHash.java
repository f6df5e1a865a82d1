package dev.feedloop.contracts.event;

import dev.feedloop.contracts.codec.JsonStrings;
import dev.feedloop.contracts.schema.Violation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * The prompt hash: lower-case hex SHA-256 of the prompt's canonical JSON in the RFC 8785 (JCS) style —
 * keys sorted, no whitespace, strings escaped minimally ({@code \"}, {@code \\}, {@code \b \f \n \r \t},
 * other control characters as a lower-case six-character unicode escape such as {@code \\u001b} written
 * with one backslash, everything else as raw UTF-8). Only the
 * messages (role, content, name if set) or the text count; token ids do not.
 *
 * <p>Python gives the same bytes with {@code json.dumps(obj, sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False).encode("utf-8")}.
 */
final class PromptHash {
    private PromptHash() {}

    /** A violation at {@code /prompt_hash} if the hash is not the prompt's. */
    static List<Violation> check(Prompt prompt, String promptHash) {
        if (prompt == null || promptHash == null) {
            return List.of();
        }
        String expected = of(prompt);
        return expected.equals(promptHash) ? List.of()
                : List.of(new Violation("/prompt_hash", "does not match the prompt: expected " + expected
                        + " (sha256 of the prompt's canonical JSON)"));
    }

    static String of(Prompt prompt) {
        return sha256(canonical(prompt));
    }

    static String canonical(Prompt prompt) {
        StringBuilder sb = new StringBuilder(256);
        if (prompt.messages() != null) {
            sb.append("{\"messages\":[");
            boolean first = true;
            for (Message m : prompt.messages()) {
                sb.append(first ? "" : ",").append("{\"content\":");
                first = false;
                string(sb, m.content());
                if (m.name() != null) {
                    sb.append(",\"name\":");
                    string(sb, m.name());
                }
                sb.append(",\"role\":");
                string(sb, m.role() == null ? null : m.role().name().toLowerCase(Locale.ROOT));
                sb.append('}');
            }
            sb.append("]}");
        } else {
            sb.append("{\"text\":");
            string(sb, prompt.text());
            sb.append('}');
        }
        return sb.toString();
    }

    private static void string(StringBuilder sb, String s) {
        if (s == null) {
            sb.append("null");
        } else {
            JsonStrings.appendQuoted(sb, s, false);
        }
    }

    private static String sha256(String canonical) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
