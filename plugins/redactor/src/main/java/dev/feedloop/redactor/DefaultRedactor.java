package dev.feedloop.redactor;

import dev.feedloop.contracts.spi.Redactor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code default} {@link Redactor}: runs the enabled detectors and the deny list over the text, drops what the
 * allow list and existing placeholders cover, resolves overlaps, and replaces each remaining span with
 * {@code <TYPE>}.
 *
 * <p><b>Overlaps.</b> The detectors propose spans independently and they may overlap (an IPv4 address inside an
 * IPv6 one, a deny term inside an e-mail address, digits of an IBAN that also look like a phone number). The
 * longest span wins; between spans of equal length the more specific detector wins, in this order: secret shapes
 * (vendor keys, JWTs, PEM blocks, URL passwords, auth headers), IBAN, CARD, EMAIL, IPV6, IPV4, secret
 * assignments, PHONE, DENY. A span that overlaps a winner is dropped entirely.
 *
 * <p><b>Placeholders.</b> A span that overlaps an existing {@code <TYPE>} placeholder (upper-case letters, digits
 * and underscores between angle brackets) is dropped, so redacting redacted text finds nothing.
 *
 * <p><b>Allow list.</b> A span that lies within an occurrence of an allowed string (exact, case-sensitive) is
 * dropped. <b>Deny list.</b> Each term is found case-insensitively as a whole word (a term that starts or ends
 * with a letter or digit must not continue a word there) and redacted as {@code DENY}.
 *
 * <p><b>Cost.</b> Linear in the text: the digit runs are found once for all scanners ({@link DigitRuns}), each
 * scanner is linear (see {@link Scanner}), the allow and deny lists are one Aho-Corasick pass each, and resolution
 * is {@code O(k log k)} in the number of candidates. Nothing blocks and nothing is shared between calls, so it is
 * safe on an event loop and from many threads at once.
 */
final class DefaultRedactor implements Redactor {
    /** The placeholder type of deny-list terms. */
    static final String DENY_TYPE = "DENY";

    private static final Pattern PLACEHOLDER = Pattern.compile("<[A-Z][A-Z0-9_]{0,31}>");
    private static final Comparator<Candidate> PRIORITY = Comparator.comparingInt(Candidate::length).reversed()
            .thenComparingInt(Candidate::rank).thenComparingInt(Candidate::start);

    private final List<Scanner> scanners = new ArrayList<>();
    private final TermMatcher allow;
    private final TermMatcher deny;

    DefaultRedactor(RedactorConfig config) {
        for (Detector d : Detector.values()) {
            if (config.detectors().contains(d)) {
                scanners.add(d.scanner());
            }
        }
        allow = TermMatcher.of(config.allow(), false);
        deny = TermMatcher.of(config.deny(), true);
    }

    @Override
    public Redaction redact(String text) {
        Objects.requireNonNull(text, "text");
        if (text.isEmpty()) {
            return Redaction.clean(text);
        }
        List<Candidate> candidates = new ArrayList<>();
        DigitRuns digits = DigitRuns.of(text);
        for (Scanner scanner : scanners) {
            scanner.scan(text, digits, candidates);
        }
        deny.forEach(text, (start, end) -> {
            if (wholeWord(text, start, end)) {
                candidates.add(new Candidate(DENY_TYPE, start, end, Candidate.RANK_DENY));
            }
        });
        if (candidates.isEmpty()) {
            return Redaction.clean(text);
        }
        List<Finding> findings = resolve(text, candidates);
        return findings.isEmpty() ? Redaction.clean(text) : Redaction.apply(text, findings);
    }

    /** Drops placeholder-overlapping and allowed candidates, then keeps the best of each overlapping group. */
    private List<Finding> resolve(String text, List<Candidate> candidates) {
        Spans placeholders = placeholders(text);
        Spans allowed = allowed(text);
        candidates.sort(PRIORITY);
        TreeMap<Integer, Candidate> kept = new TreeMap<>();
        for (Candidate c : candidates) {
            if (placeholders.overlap(c.start(), c.end()) || allowed.contain(c.start(), c.end())) {
                continue;
            }
            Map.Entry<Integer, Candidate> before = kept.floorEntry(c.start());
            if (before != null && before.getValue().end() > c.start()) {
                continue;
            }
            Map.Entry<Integer, Candidate> after = kept.ceilingEntry(c.start());
            if (after != null && after.getKey() < c.end()) {
                continue;
            }
            kept.put(c.start(), c);
        }
        List<Finding> findings = new ArrayList<>(kept.size());
        for (Candidate c : kept.values()) {
            findings.add(new Finding(c.type(), c.start(), c.end()));
        }
        return findings;
    }

    private static Spans placeholders(String text) {
        if (text.indexOf('<') < 0) {
            return Spans.of(List.of());
        }
        List<int[]> spans = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            spans.add(new int[] {m.start(), m.end()});
        }
        return Spans.of(spans);
    }

    private Spans allowed(String text) {
        List<int[]> spans = new ArrayList<>();
        allow.forEach(text, (start, end) -> spans.add(new int[] {start, end}));
        return Spans.of(spans);
    }

    /** A term that starts (ends) with a letter or digit must not continue a word there. */
    private static boolean wholeWord(String text, int start, int end) {
        boolean startOk = !Chars.needsBoundary(text.charAt(start)) || !Chars.wordBefore(text, start);
        boolean endOk = !Chars.needsBoundary(text.charAt(end - 1)) || !Chars.wordAt(text, end);
        return startOk && endOk;
    }
}
