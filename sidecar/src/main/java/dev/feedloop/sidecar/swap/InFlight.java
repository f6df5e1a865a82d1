package dev.feedloop.sidecar.swap;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests in flight per served model name, so an adapter is retired only after the requests routed to
 * it have finished. The tap calls {@link #begin} when it forwards a request and {@link #end} when the
 * response completes. Thread-safe, lock-free.
 */
public final class InFlight {
    private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

    /** A request to {@code model} started. */
    public void begin(String model) {
        counts.computeIfAbsent(model, k -> new AtomicInteger()).incrementAndGet();
    }

    /** A request to {@code model} finished. */
    public void end(String model) {
        AtomicInteger c = counts.get(model);
        if (c != null) {
            c.decrementAndGet();
        }
    }

    /** Requests to {@code model} still running. */
    public int count(String model) {
        AtomicInteger c = counts.get(model);
        return c == null ? 0 : Math.max(0, c.get());
    }
}
