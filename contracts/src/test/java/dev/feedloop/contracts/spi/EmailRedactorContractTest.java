package dev.feedloop.contracts.spi;

import dev.feedloop.contracts.testkit.RedactorContract;
import java.util.List;

/** The test-only {@link EmailRedactor} satisfies the redactor contract. */
class EmailRedactorContractTest extends RedactorContract {
    @Override
    protected Redactor redactor() {
        return new EmailRedactor();
    }

    @Override
    protected List<String> textsWithFindings() {
        return List.of(
                "Contact me at jane.doe@example.com please.",
                "bob@example.org",
                "Two: a@b.io and c.d+tag@mail.example.co.uk, then <x_y@host-1.example.net>.",
                "Résumé reçu — écrivez à emilie.durand@exemple.fr, merci.");
    }
}
