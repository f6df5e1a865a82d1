package dev.feedloop.redactor;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * International bank account numbers: a country code of a country that uses IBANs, two check digits and the
 * country's BBAN, written together or with single spaces, of exactly that country's length and passing the
 * mod-97 check. Nothing may be glued to either end.
 *
 * <p>A hand-written scan, without a regex: a start is tried only two characters before a run of two or more digits
 * (the check digits) found by {@link DigitRuns}, and the country's length and the checksum are checked only for a
 * start that has the IBAN shape.
 */
final class IbanScanner implements Scanner {
    static final String TYPE = "IBAN";

    /** Two letters, two check digits and at least eleven more letters or digits (each after at most one space). */
    private static final int MIN_LENGTH = 15;
    /** The Unicode general categories of letters and numbers, as bits of {@link Character#getType(char)}. */
    private static final int LETTER_OR_NUMBER = (1 << Character.UPPERCASE_LETTER) | (1 << Character.LOWERCASE_LETTER)
            | (1 << Character.TITLECASE_LETTER) | (1 << Character.MODIFIER_LETTER) | (1 << Character.OTHER_LETTER)
            | (1 << Character.DECIMAL_DIGIT_NUMBER) | (1 << Character.LETTER_NUMBER) | (1 << Character.OTHER_NUMBER);

    /** IBAN length by country (ISO 13616 registry). */
    private static final Map<String, Integer> LENGTHS = Map.ofEntries(
            Map.entry("AD", 24), Map.entry("AE", 23), Map.entry("AL", 28), Map.entry("AT", 20), Map.entry("AZ", 28),
            Map.entry("BA", 20), Map.entry("BE", 16), Map.entry("BG", 22), Map.entry("BH", 22), Map.entry("BR", 29),
            Map.entry("BY", 28), Map.entry("CH", 21), Map.entry("CR", 22), Map.entry("CY", 28), Map.entry("CZ", 24),
            Map.entry("DE", 22), Map.entry("DK", 18), Map.entry("DO", 28), Map.entry("EE", 20), Map.entry("EG", 29),
            Map.entry("ES", 24), Map.entry("FI", 18), Map.entry("FO", 18), Map.entry("FR", 27), Map.entry("GB", 22),
            Map.entry("GE", 22), Map.entry("GI", 23), Map.entry("GL", 18), Map.entry("GR", 27), Map.entry("GT", 28),
            Map.entry("HR", 21), Map.entry("HU", 28), Map.entry("IE", 22), Map.entry("IL", 23), Map.entry("IQ", 23),
            Map.entry("IS", 26), Map.entry("IT", 27), Map.entry("JO", 30), Map.entry("KW", 30), Map.entry("KZ", 20),
            Map.entry("LB", 28), Map.entry("LC", 32), Map.entry("LI", 21), Map.entry("LT", 20), Map.entry("LU", 20),
            Map.entry("LV", 21), Map.entry("MC", 27), Map.entry("MD", 24), Map.entry("ME", 22), Map.entry("MK", 19),
            Map.entry("MR", 27), Map.entry("MT", 31), Map.entry("MU", 30), Map.entry("NL", 18), Map.entry("NO", 15),
            Map.entry("PK", 24), Map.entry("PL", 28), Map.entry("PS", 29), Map.entry("PT", 25), Map.entry("QA", 29),
            Map.entry("RO", 24), Map.entry("RS", 22), Map.entry("SA", 24), Map.entry("SC", 31), Map.entry("SE", 24),
            Map.entry("SI", 19), Map.entry("SK", 24), Map.entry("SM", 27), Map.entry("ST", 25), Map.entry("SV", 28),
            Map.entry("TL", 23), Map.entry("TN", 24), Map.entry("TR", 26), Map.entry("UA", 29), Map.entry("VA", 22),
            Map.entry("VG", 24), Map.entry("XK", 20));

    @Override
    public void scan(String text, DigitRuns digits, List<Candidate> out) {
        // the check digits come third and fourth, so a start is two characters before a run of two or more digits
        int from = 0;
        for (int r = 0; r < digits.size(); r++) {
            int start = digits.start(r) - 2;
            if (start < from || digits.length(r) < 2 || !candidateAt(text, start)) {
                continue;
            }
            int end = validEnd(text, start);
            if (end > 0) {
                out.add(new Candidate(TYPE, start, end, Candidate.RANK_IBAN));
                from = end;
            }
        }
    }

    /**
     * Whether an IBAN-shaped run starts at {@code start}: not after a letter, number or underscore, two ASCII
     * letters, two digits, then at least eleven ASCII letters or digits, each after at most one (no-break) space.
     */
    static boolean candidateAt(String text, int start) {
        int n = text.length();
        if (start + MIN_LENGTH > n || !isAsciiLetter(text.charAt(start)) || !isAsciiLetter(text.charAt(start + 1))
                || !Chars.isDigit(text.charAt(start + 2)) || !Chars.isDigit(text.charAt(start + 3))) {
            return false;
        }
        if (start > 0) {
            char before = text.charAt(start - 1);
            if (before == '_' || ((LETTER_OR_NUMBER >> Character.getType(before)) & 1) != 0) {
                return false;
            }
        }
        int k = start + 4;
        for (int more = 0; more < MIN_LENGTH - 4; more++) {
            if (k < n && (text.charAt(k) == ' ' || text.charAt(k) == '\u00A0')) {
                k++;
            }
            if (k >= n || !Chars.isAsciiAlnum(text.charAt(k))) {
                return false;
            }
            k++;
        }
        return true;
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** The end of a valid IBAN starting at {@code start}, or -1. */
    private static int validEnd(String text, int start) {
        Integer length = LENGTHS.get(text.substring(start, start + 2).toUpperCase(Locale.ROOT));
        if (length == null) {
            return -1;
        }
        StringBuilder iban = new StringBuilder(length);
        int k = start;
        while (k < text.length() && iban.length() < length) {
            char c = text.charAt(k);
            if (Chars.isAsciiAlnum(c)) {
                iban.append(c);
            } else if ((c != ' ' && c != '\u00A0') || iban.length() < 4 || k + 1 >= text.length()
                    || !Chars.isAsciiAlnum(text.charAt(k + 1))) {
                return -1;
            }
            k++;
        }
        if (iban.length() < length || (k < text.length() && Chars.isAlnum(text.charAt(k)))) {
            return -1;
        }
        return Checksums.ibanMod97(iban) ? k : -1;
    }
}
