/**
 * The {@code default} redactor plugin: finds personal data and secrets in captured text (e-mail, phone, card,
 * IPv4, IPv6, IBAN, secrets, and configured deny terms) and replaces them with {@code <TYPE>} placeholders,
 * in linear time and without blocking. Entry point: {@link dev.feedloop.redactor.DefaultRedactorProvider}
 * (found by {@link java.util.ServiceLoader}). {@code DefaultRedactor} documents how overlaps, the allow and deny
 * lists and existing placeholders are handled, and each {@code *Scanner} what its detector accepts.
 */
package dev.feedloop.redactor;
