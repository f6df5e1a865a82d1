package dev.feedloop.redactor;

import java.util.List;

/**
 * Finds the spans of one kind of sensitive value.
 *
 * <p>Implementations are stateless and thread-safe, and run in time linear in the text: every pattern is
 * precompiled, every repetition that can be retried from many start positions is bounded, and validation of a
 * match looks at a bounded neighbourhood only. Where a match must contain a literal ({@code @}, {@code ://},
 * {@code AKIA}, {@code password}, ...) or start at a digit, the scanner finds those places first and runs its
 * pattern only there ({@link Anchors}, {@link DigitRuns}).
 */
interface Scanner {
    /**
     * Adds a candidate for every value found; candidates may overlap each other.
     *
     * @param text the original text
     * @param digits the digit runs of {@code text}, found once for all scanners
     * @param out where to add candidates
     */
    void scan(String text, DigitRuns digits, List<Candidate> out);

    /** {@link #scan(String, DigitRuns, List)} with the digit runs of {@code text} found for this call alone. */
    default void scan(String text, List<Candidate> out) {
        scan(text, DigitRuns.of(text), out);
    }
}
