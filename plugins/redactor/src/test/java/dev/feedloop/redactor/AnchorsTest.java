package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.redactor.Anchors.Literal;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The one-pass literal finder reports exactly what {@link String#indexOf} finds in the text or its lower case. */
class AnchorsTest {
    private static final List<Literal> LITERALS = List.of(new Literal("sk-", 0, false), new Literal("AKIA", 0, false),
            new Literal("eyJ", 0, false), new Literal("pass", 1, true), new Literal("pw", 1, true),
            new Literal("key", 1, true), new Literal("mot de passe", 1, true), new Literal("hasło", 1, true),
            new Literal("пароль", 1, true), new Literal("密码", 1, true), new Literal("bearer", 2, true),
            new Literal("authorization", 3, true));
    private static final Anchors ANCHORS = Anchors.of(LITERALS);

    @Test
    void findsEveryOccurrenceOfEverySetInOnePass() {
        String text = "Bearer x; PASSWORD=sk-1 and passpass, KEY key\u212Aey; AKIA akia; Пароль, haSŁo, 密码 pw";

        BitSet[] found = ANCHORS.find(text);

        assertThat(found).hasSize(4);
        assertThat(found[0].stream().toArray()).containsExactly(text.indexOf("sk-"), text.indexOf("AKIA"));
        assertThat(found[1].stream().boxed().map(at -> text.substring(at, at + 2)).toList())
                .containsExactly("PA", "pa", "pa", "KE", "ke", "\u212Aey".substring(0, 2), "Па", "ha", "密码", "pw");
        assertThat(found[2].stream().toArray()).containsExactly(0);
        assertThat(found[3].isEmpty()).isTrue();
    }

    @Test
    void agreesWithIndexOfOnTheTextAndItsPerUnitLowerCase() {
        Random rnd = new Random(7);
        String[] pieces = {"sk-", "s", "k", "-", "AKIA", "akia", "A", "eyJ", "ey", "J", "pass", "PASS", "Pa", "ss",
            "pw", "PW", "key", "KEY", "\u212A", "ey", "mot de passe", "MOT DE", " passe", "hasło", "HASŁO", "пароль",
            "ПАРОЛЬ", "密码", "密", "bearer", "BEARER", "authorization", "\u0130", "x", " ", "\uD83D\uDE00"};
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = rnd.nextInt(12); k > 0; k--) {
                sb.append(pieces[rnd.nextInt(pieces.length)]);
            }
            String text = sb.toString();
            String lower = lowerCasePerUnit(text);

            BitSet[] found = ANCHORS.find(text);

            BitSet[] expected = {new BitSet(), new BitSet(), new BitSet(), new BitSet()};
            for (Literal l : LITERALS) {
                String haystack = l.lowerCase() ? lower : text;
                for (int at = haystack.indexOf(l.text()); at >= 0; at = haystack.indexOf(l.text(), at + 1)) {
                    expected[l.set()].set(at);
                }
            }
            assertThat(found).as(text).isEqualTo(expected);
        }
    }

    @Test
    void aTextWithoutLiteralsOrTooShortForOneFindsNothing() {
        assertThat(ANCHORS.find("")).allSatisfy(s -> assertThat(s.isEmpty()).isTrue());
        assertThat(ANCHORS.find("p")).allSatisfy(s -> assertThat(s.isEmpty()).isTrue());
        assertThat(ANCHORS.find("The quick brown fox jumps over the lazy dog.")).allSatisfy(
                s -> assertThat(s.isEmpty()).isTrue());
    }

    @Test
    void aLiteralIsAtLeastTwoCharactersInASetFromZero() {
        assertThatThrownBy(() -> new Literal("k", 0, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Literal("key", -1, true)).isInstanceOf(IllegalArgumentException.class);
    }

    private static String lowerCasePerUnit(String text) {
        char[] chars = text.toCharArray();
        for (int k = 0; k < chars.length; k++) {
            chars[k] = Character.toLowerCase(chars[k]);
        }
        return new String(chars);
    }
}
