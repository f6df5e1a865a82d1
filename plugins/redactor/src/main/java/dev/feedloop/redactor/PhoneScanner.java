package dev.feedloop.redactor;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Phone numbers, international ({@code +CC ...} or {@code 00CC ...}) and national, written together or in digit
 * groups separated by spaces, hyphens, dots or slashes, with an optional parenthesized area code.
 *
 * <p>A regex finds phone-shaped candidates (bounded: at most eight groups of at most fifteen digits, never glued to
 * a word, a decimal or a path); then the longest run of whole groups that passes these rules is taken. If none
 * does, the next candidate may start at the candidate's second group, so a number is also found after a long run
 * of other numbers, and each group is tried as a start at most once. The regex runs only at the start of a digit
 * run ({@link DigitRuns}) or a '+' or '(' just before one, and only where the stretch of digits, spaces,
 * parentheses and separators that follows holds at least eight digits, the fewest any valid number has. The
 * rules:
 *
 * <ul>
 *   <li><b>International</b> ({@code +} or {@code 00} prefix): 8..15 digits after the prefix, one-digit groups only
 *       as the country code or right after it (a parenthesized trunk {@code (0)} not counted), and exactly 11
 *       digits after {@code +1}. The negative keywords below also reject a {@code 00} number (an id such as
 *       {@code SKU 0012345678905}).
 *   <li><b>National</b>: 8..12 digits, the last group at least two digits, a one-digit group only first and only
 *       {@code 0} or {@code 1}; not a date ({@code 2024-03-15}, {@code 15.03.2024}), not a list of years, not a
 *       number with thousands groups ({@code 12 500 000}) and not followed by a currency or a unit. It must also
 *       have the shape of a phone number: a parenthesized area code, a trunk {@code 0} ({@code 030 1234567},
 *       {@code 06 12 34 56 78}), the North American 3-3-4 form ({@code 415-555-0100}) or a compact {@code 0} +
 *       9..10 digits; or else a phone keyword ("call", "tel", "Telefon", "téléphone", "電話", ...) must be the
 *       keyword nearest before it.
 *   <li>A negative keyword nearest before a national or {@code 00} number ("order", "invoice", "ISBN",
 *       "Bestellung", ...) rejects it; of two keywords ending at the same place the longer wins, so "order number"
 *       is negative and "phone number" positive.
 * </ul>
 */
final class PhoneScanner implements Scanner {
    static final String TYPE = "PHONE";

    private static final String GROUP = "(?:\\(\\d{1,5}\\)|\\d{1,15})";
    private static final String SEP = "(?:[ \\u00A0]?[\\-./][ \\u00A0]?|[ \\u00A0]|(?<=\\))|(?=\\())";
    static final Pattern CANDIDATE = Pattern.compile(
            "(?<![\\w+\\-.,/#$€£¥@%])(\\+[ \\u00A0]?)?" + GROUP + "(?:" + SEP + GROUP + "){0,7}"
                    + "(?![\\w@%]|[\\-.,/]\\d)");

    private static final List<String> POSITIVE = List.of(
            "phone", "phone number", "phone no", "telephone", "tel", "call", "calling", "call me", "mobile",
            "mobile number", "cell", "cellphone", "fax", "whatsapp", "sms", "text me", "reach me", "ring", "hotline",
            "dial", "contact", "number", "my number", "telefon", "telefonnummer", "handy", "handynummer", "mobil",
            "mobilnummer", "rufnummer", "anrufen", "ruf", "rufen", "rufen sie", "erreichbar", "nummer", "téléphone",
            "tél", "portable", "appelez", "appeler", "appelle", "appelez-moi", "numéro", "joindre", "teléfono",
            "telefono", "móvil", "movil", "llámame", "llamame", "llamar", "llama", "número", "numero", "celular",
            "telefone", "ligue", "ligar", "cellulare", "chiamare", "chiamami", "chiama", "telefoon", "bel", "mobiel",
            "電話", "電話番号", "携帯", "电话", "手机", "联系", "телефон", "тел", "звоните", "позвоните", "номер");
    private static final List<String> NEGATIVE = List.of(
            "order", "order number", "order no", "order id", "invoice", "invoice number", "ticket", "ticket number",
            "case number", "ref", "reference", "reference number", "id", "isbn", "issn", "tracking",
            "tracking number", "sku", "serial", "serial number", "version", "build", "po", "zip", "postcode", "postal",
            "account", "account number", "acct", "iban", "bic", "swift", "routing", "customer", "customer number",
            "member", "member number", "pedido", "número de pedido", "commande", "numéro de commande", "bestellung",
            "bestellnummer", "rechnung", "rechnungsnummer", "factura", "auftrag", "kundennummer", "ordine", "fattura",
            "batch", "lot", "part number", "model", "transaction", "txn", "receipt", "booking", "reservation",
            "confirmation", "confirmation number", "pnr", "vin", "ssn", "price", "total", "amount", "qty",
            "quantity", "nr", "#", "№", "facture", "référence", "referencia", "vat", "tax", "nif", "siret", "siren",
            "ust-id", "pid", "pr", "issue", "commit", "job", "page", "pages", "seed", "port", "ports", "years",
            "year");
    private static final List<String> UNITS = List.of(
            "€", "eur", "euro", "euros", "$", "usd", "£", "gbp", "chf", "¥", "jpy", "yen", "km", "kg", "mb", "gb", "kb",
            "ms", "users", "tokens", "people", "habitants", "einwohner", "views", "downloads", "times", "%", "rows",
            "bytes", "items", "records", "requests");
    private static final Context CONTEXT = new Context(POSITIVE, NEGATIVE, 32);
    /** The fewest digits of a valid number, national or international; fewer cannot make one. */
    private static final int MIN_DIGITS = 8;

    /** The keyword context before one start position, looked up at most once per candidate and start. */
    private static final class ContextAt {
        private final String text;
        private final int at;
        private int verdict = Integer.MIN_VALUE;

        ContextAt(String text, int at) {
            this.text = text;
            this.at = at;
        }

        int get() {
            if (verdict == Integer.MIN_VALUE) {
                verdict = CONTEXT.before(text, at);
            }
            return verdict;
        }
    }

    /**
     * One digit group of a candidate: its span, its digits' span (inside parentheses), the separator before it
     * ({@code - . /} over a space, 0 for none) and whether that separator contains whitespace.
     */
    private record Group(int start, int end, int digitsStart, int digitsEnd, boolean paren, char sepBefore,
            boolean spaceBefore) {
        int digits() {
            return digitsEnd - digitsStart;
        }
    }

    /** One scan of one text: where the next candidate may start, and the last stretch of candidate characters. */
    private static final class Search {
        private final String text;
        private final List<Candidate> out;
        private Matcher m;
        private int from;
        private int stretchEnd;
        private boolean enoughDigits;

        Search(String text, List<Candidate> out) {
            this.text = text;
            this.out = out;
        }

        /** Tries a candidate at {@code at}, a '+', a '(' or the first digit of a run. */
        void tryAt(int at) {
            if (at < from) {
                return;
            }
            // only if the characters a candidate may hold from there on hold enough digits for a number
            int body = text.charAt(at) == '+' ? at + 1 : at;
            if (body >= stretchEnd) {
                stretchEnd = stretchEnd(text, body);
                enoughDigits = digits(text, body, stretchEnd) >= MIN_DIGITS;
            }
            if (!enoughDigits) {
                return;
            }
            m = m == null ? CANDIDATE.matcher(text).useTransparentBounds(true) : m;
            if (!m.region(at, text.length()).lookingAt()) {
                return;
            }
            int bodyStart = m.group(1) == null ? m.start() : m.end(1);
            List<Group> groups = groups(text, bodyStart, m.end());
            int[] best = longestValid(text, groups, m.group(1) != null ? m.start() : -1);
            if (best != null) {
                out.add(new Candidate(TYPE, best[0], best[1], Candidate.RANK_PHONE));
                from = best[1];
            } else {
                // the window of eight groups may have cut a number short: try again from the next group
                from = groups.get(0).end();
            }
        }
    }

    @Override
    public void scan(String text, DigitRuns digits, List<Candidate> out) {
        if (digits.digits() < MIN_DIGITS) {
            return;
        }
        Search search = new Search(text, out);
        int next = 0; // the first position not looked at yet
        for (int r = 0; r < digits.size(); r++) {
            int runStart = digits.start(r);
            // a candidate starts with the first digit of a run, or with a '+' or '(' at most three characters
            // before one ("(0", "+4", "+ 4", "+(0", "+ (0"): the pattern cannot match at a '+' or '(' farther away
            for (int at = Math.max(next, runStart - 3); at < runStart; at++) {
                char c = text.charAt(at);
                if (c == '+' || c == '(') {
                    search.tryAt(at);
                }
            }
            search.tryAt(runStart);
            next = runStart + 1;
        }
    }

    /**
     * The end of the stretch from {@code start} of the only characters a candidate holds after its '+': digits,
     * parentheses, spaces and the separators {@code - . /}.
     */
    static int stretchEnd(String text, int start) {
        int k = start;
        while (k < text.length() && isCandidateChar(text.charAt(k))) {
            k++;
        }
        return k;
    }

    private static boolean isCandidateChar(char c) {
        return Chars.isDigit(c) || c == ' ' || c == '\u00A0' || c == '-' || c == '.' || c == '/' || c == '('
                || c == ')';
    }

    private static int digits(String text, int start, int end) {
        int digits = 0;
        for (int k = start; k < end; k++) {
            digits += Chars.isDigit(text.charAt(k)) ? 1 : 0;
        }
        return digits;
    }

    private static List<Group> groups(String text, int start, int end) {
        List<Group> groups = new ArrayList<>();
        int k = start;
        char sep = 0;
        boolean space = false;
        while (k < end) {
            char c = text.charAt(k);
            if (c == '(') {
                int close = text.indexOf(')', k);
                groups.add(new Group(k, close + 1, k + 1, close, true, sep, space));
                k = close + 1;
                sep = 0;
                space = false;
            } else if (Chars.isDigit(c)) {
                int e = k;
                while (e < end && Chars.isDigit(text.charAt(e))) {
                    e++;
                }
                groups.add(new Group(k, e, k, e, false, sep, space));
                k = e;
                sep = 0;
                space = false;
            } else {
                // remember the strongest separator: '-', '.' or '/' over a space
                boolean blank = c == ' ' || c == '\u00A0';
                space |= blank;
                if (sep == 0 || sep == ' ') {
                    sep = blank ? ' ' : c;
                }
                k++;
            }
        }
        return groups;
    }

    /**
     * The longest run of whole groups that is a valid phone number, as {start, end}; null if none.
     *
     * @param plusAt where the candidate's '+' is, or -1
     */
    private static int[] longestValid(String text, List<Group> groups, int plusAt) {
        int g = groups.size();
        int[] best = null;
        for (int i = 0; i < g; i++) {
            // a shorter number may only start after a space: "2024-0612345678" is one token, not a phone number
            if (i > 0 && groups.get(i).sepBefore() != ' ') {
                continue;
            }
            ContextAt context = new ContextAt(text, i == 0 && plusAt >= 0 ? plusAt : groups.get(i).start());
            for (int j = g; j > i; j--) {
                // a shorter number may only end before a space or a hyphen: in "0958 10.0.0.1" the "10" is not ours
                if (j < g && !groups.get(j).spaceBefore() && groups.get(j).sepBefore() != '-') {
                    continue;
                }
                int start = i == 0 && plusAt >= 0 ? plusAt : groups.get(i).start();
                int end = groups.get(j - 1).end();
                if (best != null && end - start <= best[1] - best[0]) {
                    break;
                }
                if (valid(text, groups.subList(i, j), i == 0 && plusAt >= 0, context, end)) {
                    best = new int[] {start, end};
                    break;
                }
            }
        }
        return best;
    }

    private static boolean valid(String text, List<Group> groups, boolean plus, ContextAt context, int end) {
        int g = groups.size();
        int digits = 0;
        int parens = 0;
        for (Group group : groups) {
            digits += group.digits();
            parens += group.paren() ? 1 : 0;
        }
        Group first = groups.get(0);
        Group last = groups.get(g - 1);
        if (parens > 1 || last.digits() < 2 || last.paren()) {
            return false;
        }
        boolean doubleZero = !plus && !first.paren() && first.digits() >= 3
                && text.startsWith("00", first.digitsStart()) && text.charAt(first.digitsStart() + 2) != '0';
        if (plus) {
            return validInternational(text, groups, digits);
        }
        if (doubleZero) {
            return validInternational(text, groups, digits - 2) && context.get() != Context.NEGATIVE;
        }
        return validNational(text, groups, digits, context, end);
    }

    private static boolean validInternational(String text, List<Group> groups, int digits) {
        if (digits < 8 || digits > 15) {
            return false;
        }
        Group first = groups.get(0);
        if (text.charAt(first.digitsStart()) == '0' && !text.startsWith("00", first.digitsStart())) {
            return false; // "+0..." is no country code
        }
        int position = 0; // among the groups that are not a parenthesized trunk prefix such as (0)
        for (Group group : groups) {
            if (group.paren()) {
                continue;
            }
            if (group.digits() == 1 && position >= 2) {
                return false;
            }
            position++;
        }
        boolean nanp = groups.size() > 1 && first.digits() == 1 && text.charAt(first.digitsStart()) == '1';
        return !nanp || digits == 11;
    }

    private static boolean validNational(String text, List<Group> groups, int digits, ContextAt contextAt, int end) {
        if (digits < 8 || digits > 12) {
            return false;
        }
        int g = groups.size();
        for (int k = 1; k < g; k++) {
            if (groups.get(k).digits() == 1) {
                return false;
            }
        }
        Group head = groups.get(0);
        if (head.digits() == 1 && g > 1 && text.charAt(head.digitsStart()) > '1') {
            return false; // only a trunk 0 or the North American 1 stands alone in front
        }
        if (isDate(text, groups) || isYearList(text, groups) || Context.followedBy(text, end, UNITS)) {
            return false;
        }
        int context = contextAt.get();
        if (context == Context.NEGATIVE) {
            return false;
        }
        boolean keyword = context == Context.POSITIVE;
        if (isThousands(groups) && !keyword) {
            return false;
        }
        if (digits == 8 && !keyword) {
            return false;
        }
        Group first = groups.get(0);
        char lead = text.charAt(first.digitsStart());
        if (g == 1) {
            // compact: 0 + 9..10 digits (06 12 34 56 78 without spaces), else only with a phone keyword
            return keyword || (lead == '0' && text.charAt(first.digitsStart() + 1) != '0' && digits >= 10);
        }
        if (first.paren() && first.digits() >= 2) {
            return true;
        }
        if (lead == '0' && (first.digits() == 1 || text.charAt(first.digitsStart() + 1) != '0')) {
            return true;
        }
        return keyword || isNorthAmerican(text, groups);
    }

    /** [1-]NXX-NXX-XXXX: three groups 3-3-4 (or 1-3-3-4 with a leading 1), area and exchange not starting 0/1. */
    private static boolean isNorthAmerican(String text, List<Group> groups) {
        Group head = groups.get(0);
        int offset = groups.size() == 4 && head.digits() == 1 && text.charAt(head.digitsStart()) == '1' ? 1 : 0;
        if (groups.size() - offset != 3) {
            return false;
        }
        Group area = groups.get(offset);
        Group exchange = groups.get(offset + 1);
        return area.digits() == 3 && exchange.digits() == 3 && groups.get(offset + 2).digits() == 4
                && text.charAt(area.digitsStart()) >= '2' && text.charAt(exchange.digitsStart()) >= '2';
    }

    /** Three groups of 4-2-2 or 2-2-4 (or 1-2 digit day/month) with a plausible year: a date, not a number. */
    private static boolean isDate(String text, List<Group> groups) {
        if (groups.size() != 3) {
            return false;
        }
        int a = groups.get(0).digits();
        int b = groups.get(1).digits();
        int c = groups.get(2).digits();
        if (a == 4 && b <= 2 && c <= 2) {
            return isYear(text, groups.get(0));
        }
        return a <= 2 && b <= 2 && c == 4 && isYear(text, groups.get(2));
    }

    /** Every group is a four-digit year: "1999 2000 2001". */
    private static boolean isYearList(String text, List<Group> groups) {
        for (Group group : groups) {
            if (group.digits() != 4 || !isYear(text, group)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isYear(String text, Group group) {
        return group.digits() == 4 && (text.startsWith("19", group.digitsStart())
                || text.startsWith("20", group.digitsStart()));
    }

    /** 1..3 digits, then groups of exactly 3 separated by spaces or dots: "12 500 000", "1.299.000". */
    private static boolean isThousands(List<Group> groups) {
        if (groups.size() < 2 || groups.get(0).digits() > 3 || groups.get(0).paren()) {
            return false;
        }
        char sep = groups.get(1).sepBefore();
        for (int k = 1; k < groups.size(); k++) {
            Group group = groups.get(k);
            if (group.digits() != 3 || group.paren() || group.sepBefore() != sep || (sep != ' ' && sep != '.')) {
                return false;
            }
        }
        return true;
    }
}
