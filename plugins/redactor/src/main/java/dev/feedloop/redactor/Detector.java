package dev.feedloop.redactor;

import java.util.Arrays;
import java.util.List;

/** The built-in detectors, by the name used in the {@code detectors} setting and as the placeholder type. */
enum Detector {
    /** E-mail addresses, see {@link EmailScanner}. */
    EMAIL(new EmailScanner()),
    /** Phone numbers, see {@link PhoneScanner}. */
    PHONE(new PhoneScanner()),
    /** Luhn-checked payment card numbers, see {@link CardScanner}. */
    CARD(new CardScanner()),
    /** IPv4 addresses, see {@link Ipv4Scanner}. */
    IPV4(new Ipv4Scanner()),
    /** IPv6 addresses, see {@link Ipv6Scanner}. */
    IPV6(new Ipv6Scanner()),
    /** Mod-97-checked IBANs, see {@link IbanScanner}. */
    IBAN(new IbanScanner()),
    /** API keys, tokens, private keys and passwords, see {@link SecretScanner}. */
    SECRET(new SecretScanner());

    private final Scanner scanner;

    Detector(Scanner scanner) {
        this.scanner = scanner;
    }

    /** The stateless, thread-safe scanner. */
    Scanner scanner() {
        return scanner;
    }

    /** Every detector name, in declaration order. */
    static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }
}
