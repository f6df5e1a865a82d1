package dev.feedloop.redactor;

/** Character classes shared by the scanners. */
final class Chars {
    private Chars() {}

    /** A letter, digit or underscore, in any script. */
    static boolean isWord(char c) {
        return c == '_' || Character.isLetterOrDigit(c);
    }

    /** A letter or digit, in any script. */
    static boolean isAlnum(char c) {
        return Character.isLetterOrDigit(c);
    }

    /** An ASCII digit. */
    static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** An ASCII hex digit. */
    static boolean isHex(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** An ASCII letter or digit. */
    static boolean isAsciiAlnum(char c) {
        return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** The word character just before {@code at}, or false at the start of the text. */
    static boolean wordBefore(String text, int at) {
        return at > 0 && isWord(text.charAt(at - 1));
    }

    /** The word character at {@code at}, or false at the end of the text. */
    static boolean wordAt(String text, int at) {
        return at < text.length() && isWord(text.charAt(at));
    }

    /**
     * Whether a keyword starting or ending with {@code c} needs a word boundary there: true for letters and digits
     * of alphabetic scripts, false for symbols and for scripts written without spaces (CJK and later blocks).
     */
    static boolean needsBoundary(char c) {
        return Character.isLetterOrDigit(c) && c < '\u3000';
    }
}
