package dev.feedloop.contracts.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.codec.EventCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Prompt#hash()} is sha256 of an exact canonical JSON, computed here independently. */
class PromptHashTest {
    private static String sha256(String canonicalJson) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(canonicalJson.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Message> userSaysHi() {
        return List.of(Message.of(Message.Role.USER, "hi"));
    }

    @Test
    void chatPromptHashesItsSortedCompactMessages() throws NoSuchAlgorithmException {
        assertThat(Prompt.chat(userSaysHi()).hash())
                .isEqualTo(sha256("{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}]}"));
    }

    @Test
    void textPromptHashesItsText() throws NoSuchAlgorithmException {
        assertThat(Prompt.text("hi").hash()).isEqualTo(sha256("{\"text\":\"hi\"}"));
    }

    @Test
    void participantNameIsPartOfTheHash() throws NoSuchAlgorithmException {
        Prompt p = Prompt.chat(List.of(new Message(Message.Role.USER, "hi", "ada")));

        assertThat(p.hash())
                .isEqualTo(sha256("{\"messages\":[{\"content\":\"hi\",\"name\":\"ada\",\"role\":\"user\"}]}"));
    }

    @Test
    void hashIsLowerCaseHex() {
        assertThat(Prompt.text("hi").hash()).matches("[0-9a-f]{64}");
    }

    @Test
    void tokenIdsDoNotChangeTheHash() {
        assertThat(new Prompt(userSaysHi(), null, List.of(1, 6324)).hash()).isEqualTo(Prompt.chat(userSaysHi()).hash());
        assertThat(new Prompt(null, "hi", List.of(6324)).hash()).isEqualTo(Prompt.text("hi").hash());
    }

    @Test
    void differentContentChangesTheHash() {
        String hi = Prompt.chat(userSaysHi()).hash();

        assertThat(Prompt.chat(List.of(Message.of(Message.Role.USER, "hi!"))).hash()).isNotEqualTo(hi);
        assertThat(Prompt.chat(List.of(Message.of(Message.Role.ASSISTANT, "hi"))).hash()).isNotEqualTo(hi);
        assertThat(Prompt.text("hi").hash()).isNotEqualTo(hi);
        assertThat(Prompt.text("hi ").hash()).isNotEqualTo(Prompt.text("hi").hash());
    }

    @Test
    void messageOrderMatters() {
        Message a = Message.of(Message.Role.USER, "a");
        Message b = Message.of(Message.Role.USER, "b");

        assertThat(Prompt.chat(List.of(a, b)).hash()).isNotEqualTo(Prompt.chat(List.of(b, a)).hash());
    }

    /**
     * Expected values computed outside Java with Python's json + hashlib:
     * {@code sha256(json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode())}.
     */
    @Test
    void matchesPythonForEscapesNonAsciiAndNulls() {
        Prompt escapes = Prompt.chat(List.of(Message.of(Message.Role.USER, "caf\u00e9 \u001b[1m\"q\"\\ \n\t done")));
        assertThat(escapes.hash()).isEqualTo("0c97ead11d0890f32ff5af0b31dd19b6aa32af0fe82145122d0ae3b6e10b2bbc");
        Prompt unicode = Prompt.text("\u2028 \u00fcn\u00efc\u00f6d\u00e9 \u0007");
        assertThat(unicode.hash()).isEqualTo("730f9fae7bcdc3f4660f79d52c2ac88ff79709ad9eb2f33247de16d04b0f80c5");
        Prompt nulls = Prompt.chat(List.of(new Message(Message.Role.SYSTEM, null, null), new Message(Message.Role.USER, "hi", "bob")));
        assertThat(nulls.hash()).isEqualTo("fa78d03a73e8eb9c5c463f22ac9b5816e1c640cf0bd6001174c4c970be34c708");
    }

    @Test
    void codecRejectsAPromptHashThatDoesNotMatchThePrompt() {
        Prompt prompt = Prompt.text("Once upon a time");
        UnpairedExample wrong = new UnpairedExample(1, "ex-1", "default", Instant.parse("2026-11-25T06:00:00Z"),
                "assistant", prompt, "0".repeat(64), Completion.of("there", null, 0), true, Feedback.Kind.THUMBS_UP, null);
        assertThatThrownBy(() -> EventCodec.of(UnpairedExample.class).encode(wrong))
                .hasMessage("invalid unpaired-example: /prompt_hash: does not match the prompt: expected " + prompt.hash()
                        + " (sha256 of the prompt's canonical JSON)");
    }
}
