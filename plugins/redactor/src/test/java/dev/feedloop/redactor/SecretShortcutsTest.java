package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The checks that let {@link SecretScanner} skip its regexes never skip a place where the regex would match: on
 * many random strings built from keys, separators and look-alikes, wherever the regex matches the check says it
 * may; and ordinary prose is ruled out without the regex.
 */
class SecretShortcutsTest {
    private static final int STRINGS = 20_000;
    /** What {@link SecretScanner#URL_PASSWORD} needs after its "://". */
    private static final Pattern USER_PASSWORD = Pattern.compile("[^\\s/:@]{0,64}:([^\\s/@]{1,128})@");

    @Test
    void aKeyIsNeverRuledOutWhereTheKeyPatternMatches() {
        String[] pieces = {"password", "PASSWORD", "api_key", "Key", "token", "db.pass", "x-", "mot de passe",
            "MOT DE PASSE", "Passwort", "contraseña", "hasło", "пароль", "パスワード", "密码", "\u212Aey", "\u0130s", "\u017F",
            "=", ":", "\uFF1A", "=>", ":=", "\"", "'", " ", " ", "\t", "   ", " is ", " IS ", " was ", " ist ", " es ",
            " \u00E9 ", " \u00C9 ", " era ", " lautet ", "is", "value", "-", "_", ".", "a", "1", "\u00E9", "\n", ",",
            "aaaaaaaaaaaaaaaaaaaaaaaa"};
        Random rnd = new Random(47);
        Matcher key = SecretScanner.KEY.matcher("").useTransparentBounds(true);
        int matches = 0;
        for (int i = 0; i < STRINGS; i++) {
            String text = random(rnd, pieces, 8);
            key.reset(text);
            for (int at = 0; at < text.length(); at++) {
                if (key.region(at, text.length()).lookingAt()) {
                    matches++;
                    assertThat(SecretScanner.mayBeKey(text, at)).as("'%s' at %d", text, at).isTrue();
                }
            }
        }
        assertThat(matches).as("places where the key pattern matched").isGreaterThan(1000);
    }

    @Test
    void proseWithAKeyWordButNoSeparatorIsRuledOut() {
        for (String prose : new String[] {"key difference", "tokens per second", "password from the settings",
            "passwords\"", "secret sauce: none", "keys and values", "a key", "token"}) {
            assertThat(SecretScanner.mayBeKey(prose, 0)).as(prose).isFalse();
        }
        for (String assignment : new String[] {"password=hunter2", "api_key: x", "secret\" : \"x\"", "token = 1",
            "password is x", "Passwort lautet x", "mot de passe : x", "db.password => 'x'", "pwd\uFF1Ax"}) {
            assertThat(SecretScanner.mayBeKey(assignment, 0)).as(assignment).isTrue();
        }
    }

    @Test
    void aUserPasswordIsLookedForExactlyWhereTheUrlPatternCouldMatch() {
        String[] pieces = {"user", "u", ":", ":", "@", "@", "/", " ", "\t", "\n", "p4ss", "%40", "host", ".", "-",
            "x".repeat(60), "y".repeat(120), "\u00E9"};
        Random rnd = new Random(3986);
        Matcher tail = USER_PASSWORD.matcher("");
        int matches = 0;
        for (int i = 0; i < STRINGS; i++) {
            String text = random(rnd, pieces, 8);
            tail.reset(text);
            for (int at = 0; at <= text.length(); at++) {
                boolean expected = tail.region(at, text.length()).lookingAt();
                matches += expected ? 1 : 0;
                assertThat(SecretScanner.userPasswordAfter(text, at)).as("'%s' at %d", text, at).isEqualTo(expected);
            }
        }
        assertThat(matches).as("places where a user and password follow").isGreaterThan(1000);
    }

    private static String random(Random rnd, String[] pieces, int maxPieces) {
        StringBuilder sb = new StringBuilder();
        for (int k = 1 + rnd.nextInt(maxPieces); k > 0; k--) {
            sb.append(pieces[rnd.nextInt(pieces.length)]);
        }
        return sb.toString();
    }
}
