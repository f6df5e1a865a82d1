package dev.feedloop.contracts.spi;

import java.util.List;
import java.util.Objects;

/**
 * Removes personal data and secrets from text before it leaves the serving pod.
 *
 * <p><b>Threading:</b> called on the tap's event loop for every captured prompt, response and
 * feedback text, so it <b>must not block</b> and must be fast (linear in the text). It must be
 * thread-safe and a pure function of its input.
 *
 * <p><b>Output format:</b> each finding's span of the original text is replaced by {@code <TYPE>}
 * (for example {@code <EMAIL>}); all other characters are kept. Placeholders must not themselves be
 * detected, so redacting redacted text finds nothing.
 */
public interface Redactor extends Plugin {
    /**
     * Redacts one text.
     *
     * @param text the text, never null
     * @return the redacted text and what was found
     */
    Redaction redact(String text);

    /**
     * A redaction result.
     *
     * @param text the redacted text
     * @param findings what was replaced, by position in the <em>original</em> text, sorted and
     *     non-overlapping
     */
    record Redaction(String text, List<Finding> findings) {
        public Redaction {
            Objects.requireNonNull(text, "text");
            findings = List.copyOf(findings);
        }

        /** The text had nothing to redact. */
        public static Redaction clean(String text) {
            return new Redaction(text, List.of());
        }

        /** Applies findings to an original text in the contract's output format. */
        public static Redaction apply(String original, List<Finding> findings) {
            StringBuilder sb = new StringBuilder(original.length());
            int at = 0;
            for (Finding f : findings) {
                sb.append(original, at, f.start()).append('<').append(f.type()).append('>');
                at = f.end();
            }
            sb.append(original, at, original.length());
            return new Redaction(sb.toString(), findings);
        }
    }

    /**
     * One redacted span.
     *
     * @param type upper-case placeholder type, e.g. {@code EMAIL}, {@code PHONE}, {@code CARD}
     * @param start start offset (inclusive) in the original text
     * @param end end offset (exclusive) in the original text
     */
    record Finding(String type, int start, int end) {
        /** {@code [A-Z][A-Z0-9_]*}, checked without a regex: this runs for every finding. */
        private static boolean isType(String type) {
            if (type == null || type.isEmpty() || type.charAt(0) < 'A' || type.charAt(0) > 'Z') {
                return false;
            }
            for (int i = 1; i < type.length(); i++) {
                char c = type.charAt(i);
                if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
                    return false;
                }
            }
            return true;
        }

        public Finding {
            if (!isType(type)) {
                throw new IllegalArgumentException("finding type must be upper-case: " + type);
            }
            if (start < 0 || end <= start) {
                throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
            }
        }
    }
}
