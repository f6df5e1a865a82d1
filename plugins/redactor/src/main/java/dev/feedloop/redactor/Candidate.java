package dev.feedloop.redactor;

/**
 * A span one scanner proposes to redact, before overlaps are resolved.
 *
 * @param type the placeholder type, e.g. {@code EMAIL}
 * @param start start offset (inclusive) in the original text
 * @param end end offset (exclusive) in the original text
 * @param rank how specific the scanner is; lower wins a tie between two overlapping spans of equal length
 */
record Candidate(String type, int start, int end, int rank) {
    /** Structured secret shapes (vendor key prefixes, JWTs, PEM blocks, URL passwords, auth headers). */
    static final int RANK_SECRET_TOKEN = 0;
    /** IBANs (country length and mod-97 checked). */
    static final int RANK_IBAN = 1;
    /** Card numbers (Luhn checked). */
    static final int RANK_CARD = 2;
    /** E-mail addresses. */
    static final int RANK_EMAIL = 3;
    /** IPv6 addresses. */
    static final int RANK_IPV6 = 4;
    /** IPv4 addresses. */
    static final int RANK_IPV4 = 5;
    /** The value of a {@code password=...} style assignment. */
    static final int RANK_SECRET_ASSIGNMENT = 6;
    /** Phone numbers (shape and context heuristics). */
    static final int RANK_PHONE = 7;
    /** Configured deny terms. */
    static final int RANK_DENY = 8;

    Candidate {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }

    int length() {
        return end - start;
    }
}
