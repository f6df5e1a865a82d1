package dev.feedloop.redactor;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.contracts.spi.Redactor.Finding;
import java.util.List;
import java.util.Map;

/** Test helpers: redactors with one detector, and findings as readable strings. */
final class Redactors {
    private Redactors() {}

    /** A redactor with only {@code detector} enabled. */
    static Redactor only(Detector detector) {
        return new DefaultRedactorProvider().create(PluginContext.of("default", Map.of("detectors", detector.name())));
    }

    /** A redactor with the given settings. */
    static Redactor with(Map<String, String> config) {
        return new DefaultRedactorProvider().create(PluginContext.of("default", config));
    }

    /** What the redactor finds, as {@code TYPE:value}. */
    static List<String> found(Redactor redactor, String text) {
        List<Finding> findings = redactor.redact(text).findings();
        return findings.stream().map(f -> f.type() + ":" + text.substring(f.start(), f.end())).toList();
    }

    /** The values the redactor finds. */
    static List<String> values(Redactor redactor, String text) {
        return redactor.redact(text).findings().stream().map(f -> text.substring(f.start(), f.end())).toList();
    }
}
