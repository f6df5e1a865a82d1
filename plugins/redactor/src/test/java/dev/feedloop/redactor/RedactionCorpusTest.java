package dev.feedloop.redactor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.Redactor.Finding;
import dev.feedloop.contracts.spi.Redactor.Redaction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs the labeled corpus {@code redaction-corpus.jsonl} (one {@code {"text": ..., "expected": [{"type": ...,
 * "value": ...}, ...]}} per line) through the default redactor and measures span-level precision and recall: a
 * predicted finding is a true positive if an expected finding of the same case has its type and exact value
 * (each expected finding matches at most one prediction).
 *
 * <p>The corpus runs with {@code deny = Project Falcon, Bluebird} and {@code allow = support@example.com}, so it
 * also covers the deny and allow lists.
 */
class RedactionCorpusTest {
    static final String CORPUS = "/redaction-corpus.jsonl";
    static final Map<String, String> CONFIG = Map.of("deny", "Project Falcon, Bluebird", "allow", "support@example.com");

    private static List<Case> cases;
    private static Redactor redactor;

    /** One corpus line. */
    record Case(int line, String text, List<Expected> expected) {}

    /** One expected finding. */
    record Expected(String type, String value) {}

    /** True positives, predictions and expectations of one type (or all). */
    static final class Score {
        int truePositives;
        int predicted;
        int expected;

        double precision() {
            return predicted == 0 ? 1.0 : (double) truePositives / predicted;
        }

        double recall() {
            return expected == 0 ? 1.0 : (double) truePositives / expected;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "precision %.3f, recall %.3f (%d tp, %d predicted, %d expected)",
                    precision(), recall(), truePositives, predicted, expected);
        }
    }

    @BeforeAll
    static void load() throws IOException {
        cases = read();
        redactor = new DefaultRedactorProvider().create(PluginContext.of("default", CONFIG));
    }

    @Test
    void corpusHasEnoughCasesOfEveryKind() {
        assertThat(cases).hasSizeGreaterThanOrEqualTo(300);
        assertThat(cases.stream().filter(c -> c.expected().isEmpty()).count())
                .as("cases with nothing to redact (hard negatives)").isGreaterThanOrEqualTo(120);
        TreeSet<String> types = new TreeSet<>();
        cases.forEach(c -> c.expected().forEach(e -> types.add(e.type())));
        assertThat(types).containsExactlyInAnyOrder("EMAIL", "PHONE", "CARD", "IPV4", "IPV6", "IBAN", "SECRET",
                "DENY");
        assertThat(cases.stream().map(Case::text).distinct().count()).as("distinct texts").isEqualTo(cases.size());
    }

    @Test
    void precisionAndRecallMeetTheTargets() {
        Map<String, Score> byType = new TreeMap<>();
        Score total = new Score();
        List<String> misses = new ArrayList<>();
        List<String> falsePositives = new ArrayList<>();
        for (Case c : cases) {
            Redaction r = redactor.redact(c.text());
            List<Expected> unmatched = new ArrayList<>(c.expected());
            for (Finding f : r.findings()) {
                Expected predicted = new Expected(f.type(), c.text().substring(f.start(), f.end()));
                Score s = byType.computeIfAbsent(f.type(), t -> new Score());
                s.predicted++;
                total.predicted++;
                if (unmatched.remove(predicted)) {
                    s.truePositives++;
                    total.truePositives++;
                } else {
                    falsePositives.add("line " + c.line() + ": " + predicted + " in " + oneLine(c.text()));
                }
            }
            for (Expected e : c.expected()) {
                byType.computeIfAbsent(e.type(), t -> new Score()).expected++;
                total.expected++;
            }
            for (Expected e : unmatched) {
                misses.add("line " + c.line() + ": " + e + " in " + oneLine(c.text()) + " -> " + oneLine(r.text()));
            }
        }

        StringBuilder perType = new StringBuilder();
        byType.forEach((type, s) -> perType.append(perType.length() == 0 ? "" : "; ").append(type).append(' ')
                .append(String.format(Locale.ROOT, "p=%.3f r=%.3f (%d/%d/%d)", s.precision(), s.recall(),
                        s.truePositives, s.predicted, s.expected)));
        System.out.println(String.format(Locale.ROOT,
                "redaction corpus: %d cases, precision %.3f, recall %.3f, per type (tp/predicted/expected): %s",
                cases.size(), total.precision(), total.recall(), perType));
        misses.forEach(m -> System.out.println("  missed: " + m));
        falsePositives.forEach(f -> System.out.println("  false positive: " + f));

        assertThat(total.recall()).as("overall recall; missed: %s", misses).isGreaterThanOrEqualTo(0.99);
        assertThat(total.precision()).as("overall precision; false positives: %s", falsePositives)
                .isGreaterThanOrEqualTo(0.95);
    }

    @Test
    void everyCaseIsRedactedInTheContractFormatAndIdempotently() {
        for (Case c : cases) {
            Redaction r = redactor.redact(c.text());
            assertThat(r.text()).as("line %d", c.line()).isEqualTo(Redaction.apply(c.text(), r.findings()).text());
            Redaction again = redactor.redact(r.text());
            assertThat(again.findings()).as("findings in the redacted line %d: %s", c.line(), r.text()).isEmpty();
        }
    }

    static List<Case> read() throws IOException {
        List<Case> out = new ArrayList<>();
        try (InputStream in = Objects.requireNonNull(RedactionCorpusTest.class.getResourceAsStream(CORPUS), CORPUS);
                BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                out.add(parse(number, line));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Case parse(int number, String line) {
        Map<String, Object> json = (Map<String, Object>) Json.parse(line);
        List<Expected> expected = new ArrayList<>();
        for (Object o : (List<Object>) json.get("expected")) {
            Map<String, Object> e = (Map<String, Object>) o;
            expected.add(new Expected((String) e.get("type"), (String) e.get("value")));
        }
        String text = (String) json.get("text");
        for (Expected e : expected) {
            assertThat(text).as("line %d: expected value must occur in the text", number).contains(e.value());
        }
        return new Case(number, text, List.copyOf(expected));
    }

    private static String oneLine(String s) {
        return s.replace("\n", "\\n");
    }
}
