package dev.feedloop.redactor;

/** The check-digit algorithms that tell a card number or an IBAN from a random string of the same shape. */
final class Checksums {
    private Checksums() {}

    /**
     * The Luhn (mod 10) check of a card number.
     *
     * @param digits ASCII digits only, at least two
     * @return whether the last digit is the correct check digit
     */
    static boolean luhn(CharSequence digits) {
        int sum = 0;
        boolean doubled = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (d < 0 || d > 9) {
                return false;
            }
            if (doubled) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            doubled = !doubled;
        }
        return digits.length() > 1 && sum % 10 == 0;
    }

    /**
     * The ISO 13616 / ISO 7064 mod-97-10 check of an IBAN: the first four characters moved to the end, letters
     * replaced by 10..35, and the resulting number taken mod 97 must be 1.
     *
     * @param iban upper- or lower-case letters and ASCII digits, without spaces
     * @return whether the check digits are right
     */
    static boolean ibanMod97(CharSequence iban) {
        int n = iban.length();
        if (n < 5) {
            return false;
        }
        int rest = 0;
        for (int k = 0; k < n; k++) {
            char c = iban.charAt((k + 4) % n);
            int v;
            if (c >= '0' && c <= '9') {
                v = c - '0';
                rest = (rest * 10 + v) % 97;
            } else {
                char u = Character.toUpperCase(c);
                if (u < 'A' || u > 'Z') {
                    return false;
                }
                v = u - 'A' + 10;
                rest = (rest * 100 + v) % 97;
            }
        }
        return rest == 1;
    }
}
