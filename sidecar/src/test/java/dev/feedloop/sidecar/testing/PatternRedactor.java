package dev.feedloop.sidecar.testing;

import dev.feedloop.contracts.spi.Redactor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Test-only redactor: e-mail addresses become {@code <EMAIL>} and {@code sk-...} API keys become
 * {@code <SECRET>}. Enough to count findings of two types; not a real detector.
 */
public final class PatternRedactor implements Redactor {
    private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");
    private static final Pattern SECRET = Pattern.compile("sk-[A-Za-z0-9]{8,}");

    @Override
    public Redaction redact(String text) {
        List<Finding> findings = new ArrayList<>();
        find(EMAIL, "EMAIL", text, findings);
        find(SECRET, "SECRET", text, findings);
        if (findings.isEmpty()) {
            return Redaction.clean(text);
        }
        findings.sort(Comparator.comparingInt(Finding::start));
        return Redaction.apply(text, findings);
    }

    private static void find(Pattern p, String type, String text, List<Finding> out) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            out.add(new Finding(type, m.start(), m.end()));
        }
    }
}
