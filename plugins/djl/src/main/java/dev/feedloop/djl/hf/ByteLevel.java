package dev.feedloop.djl.hf;

import java.nio.charset.StandardCharsets;

/**
 * The GPT-2 byte-level alphabet used by Hugging Face's {@code ByteLevel} pre-tokenizer and decoder: every byte maps to
 * one printable Unicode character, so a byte-level BPE vocabulary never contains raw whitespace or control characters.
 *
 * <p>Bytes that are already printable Latin-1 ({@code '!'..'~'}, {@code '¡'..'¬'}, {@code '®'..'ÿ'}) map to
 * themselves; the remaining 68 bytes (controls, space, DEL, NBSP, soft hyphen) map, in increasing byte order, to
 * {@code U+0100}, {@code U+0101}, … So a space becomes {@code 'Ġ'} (U+0120) and a newline {@code 'Ċ'} (U+010A).
 */
final class ByteLevel {

    private static final char[] BYTE_TO_CHAR = new char[256];

    static {
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + next++);
        }
    }

    private ByteLevel() {
    }

    /** The alphabet character for one byte (0..255). */
    static char symbol(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte-level string for a piece of text: its UTF-8 bytes, each replaced by its alphabet character. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }
}
