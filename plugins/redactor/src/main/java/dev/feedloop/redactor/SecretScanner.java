package dev.feedloop.redactor;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * API keys, tokens, private keys and passwords:
 *
 * <ul>
 *   <li><b>Vendor key shapes</b>, whole tokens only: OpenAI-style {@code sk-...}/{@code sk-proj-...} (20+
 *       characters with a digit), AWS access key ids {@code AKIA}/{@code ASIA} + 16, GitHub {@code ghp_}/{@code
 *       gho_}/{@code ghu_}/{@code ghs_}/{@code ghr_} and {@code github_pat_} tokens, Slack {@code xox[abposr]-}
 *       tokens, Google {@code AIza} keys, Stripe {@code sk_live_}/{@code rk_test_}... keys, and JWTs ({@code
 *       eyJ...}{@code .eyJ...}{@code .signature}).
 *   <li><b>PEM private key blocks</b>, header to footer ({@code -----BEGIN ... PRIVATE KEY-----} ... {@code
 *       -----END ...-----}), also with JSON-escaped {@code \n}; a block cut off before its footer is redacted up to
 *       the end of its base64 body.
 *   <li><b>Credentials in URLs</b> ({@code scheme://user:PASSWORD@host}) and in {@code Authorization} headers and
 *       {@code Bearer} tokens: the secret part only.
 *   <li><b>Assignments</b> whose key names a secret ({@code password=}, {@code api_key:}, {@code "client_secret":},
 *       {@code DB_PASSWORD=}, {@code secret=}, {@code token:}, {@code Passwort:}, {@code mot de passe :}, ...,
 *       and "my password is ...") : the value only, without its quotes. A value that is a placeholder, a template
 *       or variable reference ({@code ${DB_PASSWORD}}, {@code {{ secret }}}, {@code <SECRET>}), already masked
 *       ({@code ********}) or a null-like word is left alone; after {@code :} with a space and in "is" sentences an
 *       unquoted value must look like a secret (a digit, a symbol or inner capitals) unless it ends the line, so
 *       prose such as "enter your password: then click OK" is not redacted. Tokenizer settings ({@code eos_token},
 *       {@code pad_token}, ...) and counters ({@code max_tokens}) are not secrets, and the value of a bare
 *       {@code token} key must be at least 12 characters and look like a secret, because model output in
 *       logprobs is {@code {"token": "Hello", ...}}.
 * </ul>
 */
final class SecretScanner implements Scanner {
    static final String TYPE = "SECRET";

    private static final Pattern TOKENS = Pattern.compile(String.join("|",
            "(?<![\\w\\-])sk-(?:proj-|svcacct-|admin-|ant-)?[A-Za-z0-9_\\-]{20,512}(?![\\w\\-])",
            "(?<![A-Za-z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Za-z0-9])",
            "(?<!\\w)gh[pousr]_[A-Za-z0-9]{36,255}(?!\\w)",
            "(?<!\\w)github_pat_[A-Za-z0-9_]{22,255}(?!\\w)",
            "(?<![\\w\\-])xox[abposr]-[A-Za-z0-9\\-]{10,250}(?![\\w\\-])",
            "(?<![\\w\\-])AIza[0-9A-Za-z_\\-]{35}(?![\\w\\-])",
            "(?<![\\w\\-])[rs]k_(?:live|test)_[A-Za-z0-9]{16,247}(?!\\w)",
            "(?<![\\w\\-.])eyJ[A-Za-z0-9_\\-]{2,4096}\\.eyJ[A-Za-z0-9_\\-]{2,8192}\\.[A-Za-z0-9_\\-]{0,4096}"
                    + "(?![\\w\\-])"));

    static final Pattern URL_PASSWORD = Pattern.compile(
            "(?<![\\w+.\\-])[A-Za-z][A-Za-z0-9+.\\-]{1,20}://[^\\s/:@]{0,64}:([^\\s/@]{1,128})@");
    private static final Pattern AUTHORIZATION = Pattern.compile(
            "(?<![\\w\\-])authorization[\"']?[ \\t]{0,3}[:=][ \\t]{0,3}[\"']?"
                    + "(?:(?:bearer|basic|token|bot)[ \\t]{1,3})?([A-Za-z0-9._~+/\\-]{8,4096}={0,2})",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern BEARER = Pattern.compile(
            "(?<![\\w\\-])bearer[ \\t]{1,3}([A-Za-z0-9._~+/\\-]{16,4096}={0,2})(?![\\w\\-.~+/=])",
            Pattern.CASE_INSENSITIVE);

    private static final Pattern PEM_BEGIN = Pattern.compile(
            "-----BEGIN (?:[A-Z0-9]{1,20} ){0,3}PRIVATE KEY(?: BLOCK)?-----");
    private static final String PEM_END = "-----END ";
    private static final int MAX_PEM_BODY = 64 * 1024;

    private static final String SNAKE = "[a-z]{1,40}(?:_[a-z]{1,40}){1,8}";
    private static final String SCREAMING = "[A-Z]{1,40}(?:_[A-Z]{1,40}){1,8}";
    private static final String CAMEL = "[a-z]{1,40}(?:[A-Z][a-z]{1,40}){1,8}";
    /** An identifier with a word break ({@code api_key_value}, {@code DB_PASSWORD}, {@code getToken}) or a path. */
    private static final Pattern CODE_REFERENCE = Pattern.compile(
            "(?:[a-z]{1,40}\\.){1,8}(?:" + SNAKE + "|" + SCREAMING + "|" + CAMEL + "|[a-z]{1,40})|" + SNAKE + "|"
                    + SCREAMING + "|" + CAMEL);

    /** Keys in scripts whose words the generic key pattern does not cover, or that contain spaces. */
    private static final String OTHER_KEYS =
            "mot de passe|mot-de-passe|contraseña|passwort|kennwort|senha|wachtwoord|hasło|пароль|パスワード|密码|密碼|비밀번호";
    /** A key and its separator: {@code =}, {@code :}, {@code =>}, {@code :=}, or "is" and its translations. */
    static final Pattern KEY = Pattern.compile(
            "(?<![\\p{L}\\p{N}_.]|[\\p{L}\\p{N}_]-)(" + OTHER_KEYS + "|[A-Za-z][A-Za-z0-9_.\\-]{0,47})"
                    + "(?:([\"']?[ \\t]{0,3}(?:=>|:=|[=:：])([ \\t]{0,3}))"
                    + "|([ \\t]{1,3}(?:is|was|ist|lautet|est|es|é|era)[ \\t]{1,3}))",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    /** The value right after a key: quoted, or up to whitespace, a quote, an angle bracket, a comma or a semicolon. */
    private static final Pattern VALUE = Pattern.compile(
            "\"[^\"\\r\\n]{1,256}\"|'[^'\\r\\n]{1,256}'|`[^`\\r\\n]{1,256}`|[^\\s\"'`<>,;]{1,256}");

    /** Literal starts of the vendor token shapes, to anchor {@link #TOKENS}. */
    private static final List<String> TOKEN_PREFIXES = List.of("sk-", "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_",
            "ghr_", "github_pat_", "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "AIza", "sk_live_", "sk_test_",
            "rk_live_", "rk_test_", "eyJ");
    /**
     * Lower-case pieces of which every secret key contains at least one; the key pattern only runs around them.
     * "pass" covers password, passwd, passphrase, Passwort and mot de passe; "pw" covers pwd.
     */
    private static final List<String> KEY_HINTS = List.of("pass", "pw", "secret", "token", "key", "kennwort",
            "wachtwoord", "contrase", "senha", "hasło", "haslo", "пароль", "パスワード", "密码", "密碼", "비밀번호",
            "mot de passe", "mot-de-passe");

    /** The anchor sets found in one pass by {@link #ANCHORS}. */
    private static final int TOKEN_ANCHORS = 0;
    private static final int KEY_ANCHORS = 1;
    private static final int AUTHORIZATION_ANCHORS = 2;
    private static final int BEARER_ANCHORS = 3;
    private static final Anchors ANCHORS = Anchors.of(Stream.of(
            TOKEN_PREFIXES.stream().map(t -> new Anchors.Literal(t, TOKEN_ANCHORS, false)),
            KEY_HINTS.stream().map(h -> new Anchors.Literal(h, KEY_ANCHORS, true)),
            Stream.of(new Anchors.Literal("authorization", AUTHORIZATION_ANCHORS, true),
                    new Anchors.Literal("bearer", BEARER_ANCHORS, true))).flatMap(l -> l).toList());
    /** {@link #OTHER_KEYS} one by one, lower-case. */
    private static final List<String> OTHER_KEY_LIST = List.of(OTHER_KEYS.split("\\|"));
    /** The words of a "key is value" sentence, lower-case. */
    private static final List<String> IS_WORDS = List.of("is", "was", "ist", "lautet", "est", "es", "é", "era");
    private static final int MAX_KEY = 48;

    /** Last key words that name a secret on their own. */
    private static final Set<String> SECRET_WORDS = Set.of(
            "password", "passwd", "pwd", "pw", "passphrase", "passcode", "secret", "apikey", "secretkey", "accesskey",
            "privatekey", "authtoken", "passwort", "kennwort", "wachtwoord", "senha", "contraseña", "contrasena",
            "hasło", "haslo", "пароль", "パスワード", "密码", "密碼", "비밀번호", "mot de passe", "mot-de-passe");
    /** Words before a last word "key" that make it a secret: api_key, secret_key, ... */
    private static final Set<String> SECRET_KEY_PREFIXES = Set.of(
            "api", "access", "secret", "private", "signing", "encryption", "master", "auth", "client", "license",
            "subscription", "app", "service");
    /** Words before a last word "token" that do not make it a secret: eos_token, max_token, ... */
    private static final Set<String> PLAIN_TOKEN_PREFIXES = Set.of(
            "max", "min", "total", "num", "input", "output", "prompt", "completion", "bos", "eos", "pad", "unk", "sep",
            "cls", "mask", "special", "start", "end", "stop", "next", "page", "continuation", "cancellation", "sync",
            "reasoning", "cached", "audio", "image", "text", "first", "last", "per");
    /** Values that are not secrets but words in their place. */
    private static final Set<String> NOT_VALUES = Set.of(
            "null", "none", "nil", "undefined", "true", "false", "empty", "required", "optional", "redacted",
            "hidden", "masked", "secret", "password", "passwd", "token", "string", "str", "int", "bool", "any",
            "object", "yes", "no", "n/a", "na", "tbd", "todo", "unset", "unknown", "invalid", "incorrect", "wrong",
            "correct", "expired", "missing", "set", "provided", "changed", "reset");

    @Override
    public void scan(String text, DigitRuns digits, List<Candidate> out) {
        BitSet[] anchors = ANCHORS.find(text);
        scanTokens(text, anchors[TOKEN_ANCHORS], out);
        scanPem(text, out);
        addGroup(URL_PASSWORD, urlStarts(text), text, out, false);
        addGroup(AUTHORIZATION, anchors[AUTHORIZATION_ANCHORS], text, out, true);
        addGroup(BEARER, anchors[BEARER_ANCHORS], text, out, true);
        scanAssignments(text, anchors[KEY_ANCHORS], out);
    }

    private static void scanTokens(String text, BitSet anchors, List<Candidate> out) {
        if (anchors.isEmpty()) {
            return;
        }
        Matcher m = TOKENS.matcher(text).useTransparentBounds(true);
        int from = 0;
        for (int at = anchors.nextSetBit(0); at >= 0; at = anchors.nextSetBit(at + 1)) {
            if (at < from || !m.region(at, text.length()).lookingAt()) {
                continue;
            }
            from = m.end();
            if (text.startsWith("sk-", at) && !hasDigit(text, at + 3, m.end())) {
                continue;
            }
            out.add(new Candidate(TYPE, at, m.end(), Candidate.RANK_SECRET_TOKEN));
        }
    }

    /** Group 1 of each match at an anchor, if it is a plausible value (and, if asked, has a digit or is long). */
    private static void addGroup(Pattern p, BitSet anchors, String text, List<Candidate> out, boolean digitOrLong) {
        if (anchors.isEmpty()) {
            return;
        }
        Matcher m = p.matcher(text).useTransparentBounds(true);
        int from = 0;
        for (int at = anchors.nextSetBit(0); at >= 0; at = anchors.nextSetBit(at + 1)) {
            if (at < from || !m.region(at, text.length()).lookingAt()) {
                continue;
            }
            from = m.end();
            int s = m.start(1);
            int e = m.end(1);
            String value = text.substring(s, e);
            if (!plausible(value) || (digitOrLong && !hasDigit(text, s, e) && e - s < 20)) {
                continue;
            }
            out.add(new Candidate(TYPE, s, e, Candidate.RANK_SECRET_TOKEN));
        }
    }

    /**
     * Where the scheme before each "://" starts (back over up to 21 scheme characters to the first letter), for the
     * "://" followed by the {@code user:password@} shape only.
     */
    private static BitSet urlStarts(String text) {
        BitSet starts = new BitSet();
        for (int at = text.indexOf("://"); at >= 0; at = text.indexOf("://", at + 1)) {
            if (!userPasswordAfter(text, at + 3)) {
                continue;
            }
            int start = at;
            while (start > 0 && at - start < 21 && (Chars.isAsciiAlnum(text.charAt(start - 1))
                    || "+.-".indexOf(text.charAt(start - 1)) >= 0)) {
                start--;
            }
            while (start < at && !Character.isLetter(text.charAt(start))) {
                start++;
            }
            if (start < at) {
                starts.set(start);
            }
        }
        return starts;
    }

    /**
     * Whether {@link #URL_PASSWORD} can go on after its "://" at {@code at}: up to 64 characters other than white
     * space, {@code / : @}, then a colon, then 1..128 characters other than white space, {@code / @}, then {@code @}.
     */
    static boolean userPasswordAfter(String text, int at) {
        int n = text.length();
        int k = at;
        while (k < n && k - at <= 64 && !isUrlBreak(text.charAt(k)) && text.charAt(k) != ':') {
            k++;
        }
        if (k - at > 64 || k >= n || text.charAt(k) != ':') {
            return false;
        }
        int valueStart = k + 1;
        int j = valueStart;
        while (j < n && j - valueStart <= 128 && !isUrlBreak(text.charAt(j))) {
            j++;
        }
        return j > valueStart && j - valueStart <= 128 && j < n && text.charAt(j) == '@';
    }

    /** White space as a regex without Unicode classes sees it ({@code \s}), a slash or an at sign. */
    private static boolean isUrlBreak(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\u000B' || c == '\f' || c == '\r' || c == '/' || c == '@';
    }

    private static void scanPem(String text, List<Candidate> out) {
        if (!text.contains("PRIVATE KEY")) {
            return;
        }
        Matcher m = PEM_BEGIN.matcher(text);
        int from = 0;
        int nextEnd = -2; // -2: not searched yet, -1: there is no footer after the last search position
        while (from < text.length() && m.find(from)) {
            int headerEnd = m.end();
            if (nextEnd != -1 && nextEnd < headerEnd) {
                nextEnd = text.indexOf(PEM_END, headerEnd);
            }
            int end;
            int bad = nextEnd < 0 ? -1 : firstNonBody(text, headerEnd, nextEnd);
            if (nextEnd >= 0 && bad == nextEnd) {
                end = footerEnd(text, nextEnd);
                from = end;
            } else {
                end = base64End(text, headerEnd);
                from = Math.max(end, bad);
            }
            out.add(new Candidate(TYPE, m.start(), end, Candidate.RANK_SECRET_TOKEN));
        }
    }

    /**
     * The first position in {@code [from, to)} that cannot be in a PEM body (base64, whitespace, escaped newlines
     * and {@code Proc-Type}/{@code DEK-Info} headers) or starts another {@code -----} marker; {@code to} if none.
     * Stops after {@link #MAX_PEM_BODY} characters.
     */
    private static int firstNonBody(String text, int from, int to) {
        int limit = Math.min(to, from + MAX_PEM_BODY);
        for (int k = from; k < limit; k++) {
            char c = text.charAt(k);
            boolean ok = Chars.isAsciiAlnum(c) || c == '+' || c == '/' || c == '=' || Character.isWhitespace(c)
                    || c == '\\' || c == ':' || c == ',' || (c == '-' && !text.startsWith("-----", k));
            if (!ok) {
                return k;
            }
        }
        return limit;
    }

    /** After {@code -----END <label>-----} starting at {@code at}; just after "-----END " if it is malformed. */
    private static int footerEnd(String text, int at) {
        int k = at + PEM_END.length();
        int limit = Math.min(text.length(), k + 64);
        while (k < limit && (Character.isUpperCase(text.charAt(k)) || Chars.isDigit(text.charAt(k))
                || text.charAt(k) == ' ')) {
            k++;
        }
        int dashes = 0;
        while (k < text.length() && text.charAt(k) == '-' && dashes < 5) {
            k++;
            dashes++;
        }
        return k;
    }

    /** The end of the base64 body (lines and escaped newlines, no spaces) after a header with no footer. */
    private static int base64End(String text, int from) {
        int limit = Math.min(text.length(), from + MAX_PEM_BODY);
        int k = from;
        while (k < limit) {
            char c = text.charAt(k);
            if (!(Chars.isAsciiAlnum(c) || c == '+' || c == '/' || c == '=' || c == '\r' || c == '\n' || c == '\\')) {
                break;
            }
            k++;
        }
        while (k > from && (text.charAt(k - 1) == '\n' || text.charAt(k - 1) == '\r')) {
            k--;
        }
        return k;
    }

    private static void scanAssignments(String text, BitSet hints, List<Candidate> out) {
        if (hints.isEmpty()) {
            return;
        }
        BitSet anchors = new BitSet();
        for (int at = hints.nextSetBit(0); at >= 0; at = hints.nextSetBit(at + 1)) {
            anchors.set(keyStart(text, at));
        }
        Matcher key = null;
        Matcher value = null;
        int from = 0;
        for (int at = anchors.nextSetBit(0); at >= 0; at = anchors.nextSetBit(at + 1)) {
            if (at < from || !mayBeKey(text, at)) {
                continue;
            }
            if (key == null) {
                key = KEY.matcher(text).useTransparentBounds(true);
                value = VALUE.matcher(text);
            }
            if (!key.region(at, text.length()).lookingAt()) {
                continue;
            }
            from = key.end(1);
            if (!isSecretKey(key.group(1))) {
                continue; // checked before the value is read, so ordinary "name: value" text costs little
            }
            value.region(key.end(), text.length());
            if (!value.lookingAt()) {
                continue;
            }
            int valueStart = value.start();
            int valueEnd = value.end();
            char open = text.charAt(valueStart);
            boolean quoted = open == '"' || open == '\'' || open == '`';
            if (quoted) {
                valueStart++;
                valueEnd--;
            } else {
                valueEnd = queryEnd(text, valueStart, valueEnd);
                while (valueEnd - valueStart > 1 && ".,;:?)]}".indexOf(text.charAt(valueEnd - 1)) >= 0) {
                    valueEnd--;
                }
            }
            String v = text.substring(valueStart, valueEnd);
            if (acceptable(text, key, v, quoted, valueEnd)) {
                out.add(new Candidate(TYPE, valueStart, valueEnd, Candidate.RANK_SECRET_ASSIGNMENT));
                from = value.end();
            }
        }
    }

    /**
     * Where the key around a hint starts: back over key characters to the first letter of the identifier, or the
     * hint itself for the keys written with spaces or in other scripts.
     */
    private static int keyStart(String text, int hint) {
        int start = hint;
        while (start > 0 && hint - start < 48 && isKeyChar(text.charAt(start - 1))) {
            start--;
        }
        while (start < hint && !Chars.isAsciiAlnum(text.charAt(start))) {
            start++;
        }
        return start;
    }

    /**
     * False only where {@link #KEY} cannot match at {@code at}, checked without the regex: prose such as "the key
     * idea" or "tokens per second" has a key word but no separator after it.
     *
     * <p>Either one of {@link #OTHER_KEYS} starts at {@code at}, or the generic key ends where the run of key
     * characters from {@code at} ends (the separator's first character is never a key character) and the separator
     * starts there: an optional quote, up to three blanks and {@code = : ：}, or one to three blanks, a word of
     * {@link #IS_WORDS} and a blank. Characters outside ASCII are taken as matching anything a case-insensitive
     * Unicode comparison could match, so this errs towards true.
     */
    static boolean mayBeKey(String text, int at) {
        for (String other : OTHER_KEY_LIST) {
            if (mayStartWith(text, at, other)) {
                return true;
            }
        }
        int n = text.length();
        if (at >= n || (text.charAt(at) < 128 && !isAsciiLetter(text.charAt(at)))) {
            return false;
        }
        int end = at + 1;
        while (end < n && end - at <= MAX_KEY && mayBeKeyChar(text.charAt(end))) {
            end++;
        }
        if (end - at > MAX_KEY || end >= n) {
            return false;
        }
        int k = end;
        if (text.charAt(k) == '"' || text.charAt(k) == '\'') {
            k++;
        }
        for (int blanks = 0; blanks < 3 && k < n && isBlank(text.charAt(k)); blanks++) {
            k++;
        }
        if (k < n && (text.charAt(k) == '=' || text.charAt(k) == ':' || text.charAt(k) == '：')) {
            return true;
        }
        k = end;
        for (int blanks = 0; blanks < 3 && k < n && isBlank(text.charAt(k)); blanks++) {
            k++;
        }
        if (k == end) {
            return false;
        }
        for (String word : IS_WORDS) {
            int after = k + word.length();
            if (mayStartWith(text, k, word) && after < n && isBlank(text.charAt(after))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code word} (lower-case) may start at {@code at} case-insensitively: ASCII characters must equal it
     * lower-cased, any other character is taken to match.
     */
    private static boolean mayStartWith(String text, int at, String word) {
        if (at + word.length() > text.length()) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            char c = text.charAt(at + k);
            if (c < 128 && Character.toLowerCase(c) != word.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** A character of a generic key ({@code [A-Za-z0-9_.-]}), or any non-ASCII character but the full-width colon. */
    private static boolean mayBeKeyChar(char c) {
        return c < 128 ? isKeyChar(c) : c != '：';
    }

    private static boolean isBlank(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isKeyChar(char c) {
        return Chars.isAsciiAlnum(c) || c == '_' || c == '.' || c == '-';
    }

    /** Where a value in a query string ends: before {@code &name=}; {@code to} if there is no such parameter. */
    private static int queryEnd(String text, int from, int to) {
        for (int k = from; k < to; k++) {
            if (text.charAt(k) != '&') {
                continue;
            }
            int j = k + 1;
            while (j < to && (Chars.isAsciiAlnum(text.charAt(j)) || "_.-[]".indexOf(text.charAt(j)) >= 0)) {
                j++;
            }
            if (j > k + 1 && j < to && text.charAt(j) == '=') {
                return k;
            }
        }
        return to;
    }

    private static boolean acceptable(String text, Matcher m, String value, boolean quoted, int valueEnd) {
        if (!plausible(value) || value.length() < 3) {
            return false;
        }
        if (m.group(1).equalsIgnoreCase("token") && (value.length() < 12 || !secretLooking(value))) {
            return false; // {"token": " Hello", "logprob": -0.3}: a model's output token, not a credential
        }
        if (m.group(4) != null) {
            return value.length() >= 4 && secretLooking(value); // "my password is ..."
        }
        if (quoted) {
            return true;
        }
        if (value.indexOf('(') >= 0 || isCodeReference(value) || isAttributeAssignment(m, value)
                || isPlainTokenCount(m.group(1), value)) {
            return false;
        }
        boolean spacedColon = m.group(2) != null && !m.group(2).contains("=") && !m.group(3).isEmpty();
        return !spacedColon || secretLooking(value) || endsLine(text, valueEnd);
    }

    /** Whether a key (any case style) names a secret: its last word, or its last two words, say so. */
    static boolean isSecretKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        if (SECRET_WORDS.contains(lower)) {
            return true;
        }
        List<String> words = words(key);
        if (words.isEmpty()) {
            return false;
        }
        String last = words.get(words.size() - 1);
        String previous = words.size() > 1 ? words.get(words.size() - 2) : "";
        switch (last) {
            case "token":
            case "tokens":
                return last.equals("token") && !PLAIN_TOKEN_PREFIXES.contains(previous);
            case "pass":
                return words.size() > 1;
            case "key":
                return SECRET_KEY_PREFIXES.contains(previous);
            default:
                // one-word compounds: PGPASSWORD, rootpassword, appsecret, githubtoken
                return SECRET_WORDS.contains(last) || last.endsWith("password") || last.endsWith("passwd")
                        || last.endsWith("secret") || (last.endsWith("token") && last.length() > 5
                        && !PLAIN_TOKEN_PREFIXES.contains(last.substring(0, last.length() - 5)));
        }
    }

    /** Lower-case words of a key split at {@code _ . -}, spaces and camelCase boundaries. */
    private static List<String> words(String key) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int k = 0; k < key.length(); k++) {
            char c = key.charAt(k);
            boolean separator = c == '_' || c == '.' || c == '-' || c == ' ';
            boolean camel = Character.isUpperCase(c) && k > 0 && Character.isLowerCase(key.charAt(k - 1));
            if ((separator || camel) && word.length() > 0) {
                words.add(word.toString());
                word.setLength(0);
            }
            if (!separator) {
                word.append(Character.toLowerCase(c));
            }
        }
        if (word.length() > 0) {
            words.add(word.toString());
        }
        return words;
    }

    /** Not a placeholder, template, variable reference, mask or null-like word. */
    static boolean plausible(String value) {
        if (value.isEmpty()) {
            return false;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (NOT_VALUES.contains(lower) || lower.startsWith("your") || lower.startsWith("optional[")
                || lower.startsWith("process.env") || lower.startsWith("os.environ") || lower.startsWith("getenv")
                || lower.startsWith("env(") || lower.startsWith("secrets.")) {
            return false;
        }
        char first = value.charAt(0);
        if (first == '<' || first == '[' || first == '=' || value.startsWith("${") || value.startsWith("{{")
                || value.startsWith("{%") || value.startsWith("%(") || value.startsWith("%s")
                || value.startsWith("#{") || value.startsWith("$(")) {
            return false;
        }
        if (first == '$' && value.length() > 1
                && (Character.isUpperCase(value.charAt(1)) || value.charAt(1) == '_' || value.charAt(1) == '{')) {
            return false; // $DB_PASSWORD
        }
        boolean masked = true;
        for (int k = 0; k < value.length() && masked; k++) {
            masked = "*•·xX.#-_…".indexOf(value.charAt(k)) >= 0;
        }
        return !masked;
    }

    /** Has a digit, a symbol, or a capital after the first character: not an ordinary word. */
    private static boolean secretLooking(String value) {
        for (int k = 0; k < value.length(); k++) {
            char c = value.charAt(k);
            if (!Character.isLetter(c) || (k > 0 && Character.isUpperCase(c))) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code user.password}, {@code api_key_value}, {@code DB_PASSWORD}, {@code getToken}: an identifier in code,
     * not a literal secret. Random tokens with mixed case ({@code hf_kQpLmNo...}) do not have these shapes.
     */
    private static boolean isCodeReference(String value) {
        return CODE_REFERENCE.matcher(value).matches();
    }

    /** {@code user.password = hashed}: an attribute set to a variable in code, not a configured secret. */
    private static boolean isAttributeAssignment(Matcher m, String value) {
        String sep = m.group(2);
        boolean spaced = sep != null && (sep.startsWith(" ") || sep.startsWith("\t"))
                && (sep.endsWith("= ") || sep.endsWith("=\t"));
        if (m.group(1).indexOf('.') < 0 || !spaced) {
            return false;
        }
        for (int k = 0; k < value.length(); k++) {
            char c = value.charAt(k);
            if (!(c >= 'a' && c <= 'z') && c != '_') {
                return false;
            }
        }
        return true;
    }

    /** {@code token: 512}: a short number after a bare "token" key is a count, not a secret. */
    private static boolean isPlainTokenCount(String key, String value) {
        if (!key.toLowerCase(Locale.ROOT).endsWith("token") || value.length() >= 8) {
            return false;
        }
        for (int k = 0; k < value.length(); k++) {
            if (!Chars.isDigit(value.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    /** Only spaces and sentence punctuation, then a line break, the end of the text, or a closing , } ] follow. */
    private static boolean endsLine(String text, int at) {
        int k = at;
        while (k < text.length() && " \t.!?".indexOf(text.charAt(k)) >= 0) {
            k++;
        }
        return k == text.length() || "\r\n,}]".indexOf(text.charAt(k)) >= 0;
    }

    private static boolean hasDigit(String text, int from, int to) {
        for (int k = from; k < to; k++) {
            if (Chars.isDigit(text.charAt(k))) {
                return true;
            }
        }
        return false;
    }
}
