package dev.feedloop.contracts.event;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
}
