package dev.feedloop.contracts.spi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Test-only redactor that replaces e-mail addresses with {@code <EMAIL>}. */
final class EmailRedactor implements Redactor {
    private static final Pattern EMAIL =
            Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}");

    @Override
    public Redaction redact(String text) {
        Objects.requireNonNull(text, "text");
        List<Finding> findings = new ArrayList<>();
        Matcher m = EMAIL.matcher(text);
        while (m.find()) {
            findings.add(new Finding("EMAIL", m.start(), m.end()));
        }
        return findings.isEmpty() ? Redaction.clean(text) : Redaction.apply(text, findings);
    }
}
