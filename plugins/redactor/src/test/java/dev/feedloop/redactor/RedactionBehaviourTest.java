package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.Redactor.Finding;
import dev.feedloop.contracts.spi.Redactor.Redaction;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Allow and deny lists, overlap resolution, placeholders, offsets and idempotence across all detectors. */
class RedactionBehaviourTest {
    private final Redactor all = Redactors.with(Map.of());

    @Test
    void allowedStringsAreNeverRedactedButLongerOrOtherValuesAre() {
        Redactor redactor = Redactors.with(Map.of("allow", "support@example.com, +1 800 555 0199"));

        assertThat(redactor.redact("Mail support@example.com or call +1 800 555 0199.").findings()).isEmpty();
        assertThat(Redactors.found(redactor, "Mail jane@example.com, not support@example.com.au"))
                .containsExactly("EMAIL:jane@example.com", "EMAIL:support@example.com.au");
        assertThat(Redactors.found(redactor, "SUPPORT@example.com")).as("exact, case-sensitive")
                .containsExactly("EMAIL:SUPPORT@example.com");
    }

    @Test
    void deniedTermsAreRedactedCaseInsensitivelyAsWholeWords() {
        Redactor redactor = Redactors.with(Map.of("deny", "Project Falcon, Bluebird, ACME-internal"));

        assertThat(redactor.redact("project FALCON and Bluebird; not Bluebirds or xBluebird; ACME-INTERNAL!").text())
                .isEqualTo("<DENY> and <DENY>; not Bluebirds or xBluebird; <DENY>!");
    }

    @Test
    void aDenyTermInsideAnAllowedStringIsNotRedacted() {
        Redactor redactor = Redactors.with(Map.of("deny", "acme", "allow", "help@acme.example"));

        assertThat(redactor.redact("help@acme.example is acme's inbox").text())
                .isEqualTo("help@acme.example is <DENY>'s inbox");
    }

    @Test
    void theLongerOfTwoOverlappingFindingsWins() {
        Redactor redactor = Redactors.with(Map.of("deny", "example"));

        assertThat(Redactors.found(redactor, "jane@example.com and example"))
                .containsExactly("EMAIL:jane@example.com", "DENY:example");
        assertThat(Redactors.found(all, "::ffff:10.1.2.3")).containsExactly("IPV6:::ffff:10.1.2.3");
        assertThat(Redactors.found(all, "IBAN DE32 2725 0562 5523 1646 67"))
                .as("the IBAN's digits also look like a phone number")
                .containsExactly("IBAN:DE32 2725 0562 5523 1646 67");
        assertThat(Redactors.found(all, "my number is 4057 8308 6271 4973"))
                .as("a phone keyword before a card").containsExactly("CARD:4057 8308 6271 4973");
    }

    @Test
    void betweenEqualSpansTheMoreSpecificDetectorWins() {
        assertThat(Redactors.found(all, "password=4057830862714973")).containsExactly("CARD:4057830862714973");
        assertThat(Redactors.found(all, "api_key=AKIAYCAMWJK15XRD04QE")).containsExactly("SECRET:AKIAYCAMWJK15XRD04QE");
        Redactor deny = Redactors.with(Map.of("deny", "jane@example.com"));
        assertThat(Redactors.found(deny, "jane@example.com")).containsExactly("EMAIL:jane@example.com");
    }

    @Test
    void findingsAreSortedNonOverlappingAndTheOutputIsRedactionApply() {
        String text = "x@y.io +44 20 7946 0958 10.0.0.1 fe80::1 4057 8308 6271 4973 NO0276939610618 secret=abc123 "
                + "x@y.io";
        Redaction r = all.redact(text);

        assertThat(r.findings()).extracting(Finding::type)
                .containsExactly("EMAIL", "PHONE", "IPV4", "IPV6", "CARD", "IBAN", "SECRET", "EMAIL");
        for (int i = 1; i < r.findings().size(); i++) {
            assertThat(r.findings().get(i).start()).isGreaterThanOrEqualTo(r.findings().get(i - 1).end());
        }
        assertThat(r).isEqualTo(Redaction.apply(text, r.findings()));
        assertThat(r.text()).isEqualTo("<EMAIL> <PHONE> <IPV4> <IPV6> <CARD> <IBAN> secret=<SECRET> <EMAIL>");
    }

    @Test
    void offsetsCountUtf16UnitsOfTheOriginalText() {
        String text = "😀🎉 é jane@example.com 日本語 +81 90 1234 5678";
        List<Finding> findings = all.redact(text).findings();

        assertThat(findings).containsExactly(
                new Finding("EMAIL", text.indexOf("jane"), text.indexOf(" 日本語")),
                new Finding("PHONE", text.indexOf("+81"), text.length()));
    }

    @Test
    void placeholdersAreNeverDetectedAgainEvenByDenyTerms() {
        Redactor redactor = Redactors.with(Map.of("deny", "email, phone, secret, deny"));
        String once = redactor.redact("email jane@example.com, phone +1 415 555 0100, token: abc123xyz789").text();

        assertThat(once).isEqualTo("<DENY> <EMAIL>, <DENY> <PHONE>, token: <SECRET>");
        assertThat(redactor.redact(once).findings()).isEmpty();
        assertThat(redactor.redact("<EMAIL> <PHONE> <CARD> <IPV4> <IPV6> <IBAN> <SECRET> <DENY> password=<SECRET> "
                + "\"token\": \"<SECRET>\" postgres://u:<SECRET>@h").findings()).isEmpty();
    }

    @Test
    void redactingTwiceChangesNothingMore() {
        Redactor redactor = Redactors.with(Map.of("deny", "Falcon"));
        for (String text : List.of(
                "Falcon: jane@example.com +1 415 555 0100 4057 8308 6271 4973 10.0.0.1 ::1 password=hunter2",
                "DE32 2725 0562 5523 1646 67 sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z https://u:pw123@h.example",
                "{\"password\":\"x y z\",\"email\":\"a@b.io\",\"ip\":\"2001:db8::1\"}")) {
            String once = redactor.redact(text).text();
            Redaction twice = redactor.redact(once);
            assertThat(twice.findings()).as(once).isEmpty();
            assertThat(twice.text()).isEqualTo(once);
        }
    }

    @Test
    void cleanTextIsReturnedAsIs() {
        String text = "Nothing here: version 1.2.3, 2024-03-15 at 12:30, order #4521, 87.5% on MMLU.";

        assertThat(all.redact(text)).isEqualTo(Redaction.clean(text));
    }
}
