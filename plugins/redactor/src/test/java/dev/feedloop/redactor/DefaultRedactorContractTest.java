package dev.feedloop.redactor;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.testkit.RedactorContract;
import java.util.List;
import java.util.Map;

/** The {@code default} redactor, configured as in production (all detectors, a deny term), meets the contract. */
class DefaultRedactorContractTest extends RedactorContract {
    @Override
    protected Redactor redactor() {
        return new DefaultRedactorProvider().create(PluginContext.of("default", Map.of("deny", "Project Falcon")));
    }

    @Override
    protected List<String> textsWithFindings() {
        return List.of(
                "Mail jane@example.com",
                "Call +1 415 555 0100 now",
                "Résumé reçu — écrivez à emilie.durand@exemple.fr ou appelez le 06 12 34 56 78, merci.",
                "Card 4057 8308 6271 4973 exp 09/27",
                "IBAN DE32 2725 0562 5523 1646 67 BIC XXXXDEFF",
                "from 192.168.1.10 and [2001:db8::ff00:42:8329]:443 and ::ffff:192.0.2.128",
                "export OPENAI_API_KEY=sk-proj-oCCxKr1vIWc7C6QNJyMs4h7h-Se4vg2V76a1PKvsLrgOQ_3ntGi0Z0ALZcwNjKHeIIQr3X",
                "{\"user\": \"bob@example.org\", \"password\": \"Adm1n!2024\", \"email\": \"x@y.io\"}",
                "postgres://app:pa55w0rd@db.internal:5432/prod",
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----",
                "Status of Project Falcon: ask Ana at +34 600 123 456 😀 or ana@example.es",
                "my password is Tr0ub4dor&3 and my wifi password is Blue-Otter-77.");
    }
}
