package dev.feedloop.contracts.event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Defensive copies that keep null elements, so that schema validation (not an NPE) reports them. */
final class Collections2 {
    private Collections2() {}

    static <T> List<T> list(List<T> in) {
        return in == null ? List.of() : Collections.unmodifiableList(new ArrayList<>(in));
    }

    static <T> List<T> nullableList(List<T> in) {
        return in == null ? null : Collections.unmodifiableList(new ArrayList<>(in));
    }

    static <K, V> Map<K, V> map(Map<K, V> in) {
        return in == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(in));
    }
}
