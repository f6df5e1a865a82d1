package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.Redactor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The SECRET detector on its own. */
class SecretDetectorTest {
    private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

    private final Redactor redactor = Redactors.only(Detector.SECRET);

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
        "key sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z done | sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z",
        "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6h | sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb3dEf6h",
        "id AKIAYCAMWJK15XRD04QE rotated | AKIAYCAMWJK15XRD04QE",
        "temp ASIAUN3PYNCRYQ4YS1NJ | ASIAUN3PYNCRYQ4YS1NJ",
        "ghp_ZFdM4HEiu8TWQXCZEOwxnG7DaRWjRVFj5ope | ghp_ZFdM4HEiu8TWQXCZEOwxnG7DaRWjRVFj5ope",
        "github_pat_aB2F2I3RfLlQl5yDOgv1YR_b6J2IxrS5hPNIl59vfB06Wi | github_pat_aB2F2I3RfLlQl5yDOgv1YR_b6J2IxrS5hPNIl59vfB06Wi",
        "bot xoxb-021340789843-0853496527546-YXKpTLxSJ8DN3PUajkbpTVAx | xoxb-021340789843-0853496527546-YXKpTLxSJ8DN3PUajkbpTVAx",
        "maps AIzaR1jpYCTk-vT13Tk4YjfrIFX4VwjF3imz-4Y | AIzaR1jpYCTk-vT13Tk4YjfrIFX4VwjF3imz-4Y",
        "stripe sk_live_dM85iOFhY49Y77mzShiz4wrA | sk_live_dM85iOFhY49Y77mzShiz4wrA",
        "token " + JWT + ". | " + JWT,
        "password=hunter2 | hunter2",
        "DB_PASSWORD=s3cr3t-P@ss | s3cr3t-P@ss",
        "db_password: \"correct horse battery staple\" | correct horse battery staple",
        "{\"password\": \"Adm1n!2024\"} | Adm1n!2024",
        "api_key: a1b2c3d4e5f6 | a1b2c3d4e5f6",
        "x-api-key: 7c4a8d09ca3762af61e5 | 7c4a8d09ca3762af61e5",
        "clientSecret='Qm9vdHN0cmFw' | Qm9vdHN0cmFw",
        "secret=9f8e7d6c5b4a | 9f8e7d6c5b4a",
        "token: tok_88f1c2d9e0ab44 | tok_88f1c2d9e0ab44",
        "?api_key=f3a9c1d7e5b2&format=json | f3a9c1d7e5b2",
        "my password is Tr0ub4dor&3. | Tr0ub4dor&3",
        "Passwort: Sommer2024! | Sommer2024!",
        "mot de passe : Azerty123 | Azerty123",
        "Mi contraseña es Hola.Mundo.2024 | Hola.Mundo.2024",
        "password: letmein | letmein",
        "PGPASSWORD=pg-Sup3r psql | pg-Sup3r",
        "mysqldump --password=Secr3t! --all | Secr3t!",
        "postgres://app:pa55w0rd@db:5432/x | pa55w0rd",
        "redis://:r3d1sPa55@cache:6379/0 | r3d1sPa55",
        "Authorization: Basic ZGVwbG95OldpbnRlci0yMDI0LXB3 | ZGVwbG95OldpbnRlci0yMDI0LXB3",
        "-H 'Authorization: Bearer r7A8npNh_OMjdPx1UtkmYltULTFZb9Zz' | r7A8npNh_OMjdPx1UtkmYltULTFZb9Zz",
    })
    void findsSecretsAndOnlyTheValueOfAssignments(String text, String value) {
        assertThat(Redactors.values(redactor, text)).containsExactly(value);
    }

    @Test
    void findsWholePemPrivateKeyBlocksAlsoWithEscapedNewlines() {
        String pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n"
                + "KUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END RSA PRIVATE KEY-----";
        String escaped = pem.replace("\n", "\\n");

        assertThat(Redactors.values(redactor, "key:\n" + pem + "\nthanks")).containsExactly(pem);
        assertThat(Redactors.values(redactor, "{\"private_key\": \"" + escaped + "\\n\"}")).hasSize(1)
                .first().asString().contains(escaped);
        assertThat(Redactors.values(redactor, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
                + "-----END OPENSSH PRIVATE KEY-----")).hasSize(1);
    }

    @Test
    void aPemBlockWithoutFooterIsRedactedToTheEndOfItsBody() {
        String text = "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yBx\nAoGBAJx2 (truncated)";

        assertThat(Redactors.values(redactor, text))
                .containsExactly("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yBx\nAoGBAJx2");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "Please enter your password.", "Forgot your password? Click the reset link.",
        "Enter your password: then press Enter.", "password: ********", "password=", "password: <SECRET>",
        "api_key=${OPENAI_API_KEY}", "token: {{ secrets.GITHUB_TOKEN }}", "password = os.environ[\"DB_PASSWORD\"]",
        "secret = get_secret(\"db\")", "password: null", "\"password\": \"\"", "The password is incorrect.",
        "Your password was reset yesterday.", "max_tokens: 256", "\"eos_token\": \"</s>\", \"pad_token\": \"[PAD]\"",
        "total_tokens=1532, prompt_tokens=1200", "token_type: Bearer", "The secret to good bread is patience.",
        "tokenizer: bert-base-uncased", "password_min_length: 12", "sk-learn is not a key", "AKIA is a prefix",
        "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUXm3Q\n-----END CERTIFICATE-----",
        "if password == confirm: save()", "user.password = hashed", "password = generate_password()",
        "def check(password: str) -> bool:", "token: Optional[str] = None", "api_key: <your-api-key>",
        "API_KEY=your_api_key_here", "password=DB_PASSWORD", "Set password: true in config", "token: 512",
        "key: value", "primary_key: id", "Bearer tokens are sent in the Authorization header.",
        "Authorization: required", "The JWT header is eyJhbGciOiJIUzI1NiJ9 alone",
        "https://example.com:8443/path?q=1", "{\"token\": \" Hello\", \"logprob\": -0.31}",
        "{\"token\":\"ing\",\"bytes\":[105,110,103]}"})
    void leavesWordsWithoutValuesPlaceholdersAndCodeAlone(String text) {
        assertThat(Redactors.values(redactor, text)).isEmpty();
    }

    @Test
    void keyNamesAreReadInEveryCaseStyle() {
        assertThat(SecretScanner.isSecretKey("DB_PASSWORD")).isTrue();
        assertThat(SecretScanner.isSecretKey("clientSecret")).isTrue();
        assertThat(SecretScanner.isSecretKey("X-API-Key")).isTrue();
        assertThat(SecretScanner.isSecretKey("APIKey")).isTrue();
        assertThat(SecretScanner.isSecretKey("aws_secret_access_key")).isTrue();
        assertThat(SecretScanner.isSecretKey("refresh_token")).isTrue();
        assertThat(SecretScanner.isSecretKey("PGPASSWORD")).isTrue();
        assertThat(SecretScanner.isSecretKey("smtp.pass")).isTrue();
        assertThat(SecretScanner.isSecretKey("mot de passe")).isTrue();
        assertThat(SecretScanner.isSecretKey("eos_token")).isFalse();
        assertThat(SecretScanner.isSecretKey("max_tokens")).isFalse();
        assertThat(SecretScanner.isSecretKey("token_type")).isFalse();
        assertThat(SecretScanner.isSecretKey("primary_key")).isFalse();
        assertThat(SecretScanner.isSecretKey("bypass")).isFalse();
        assertThat(SecretScanner.isSecretKey("pass")).isFalse();
        assertThat(SecretScanner.isSecretKey("secret_name")).isFalse();
    }
}
