package dev.feedloop.sidecar.window;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.RemovalListener;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.BiPredicate;

/**
 * A Caffeine cache whose entries expire a fixed time after they were written, and that holds at most
 * {@code maxEntries}, evicting the <em>oldest write</em> first: the collector's join windows and the
 * feedback API's dedupe cache.
 *
 * <p>Caffeine's own size bound ({@code maximumSize}) admits by frequency (W-TinyLFU): when every key is
 * written once and never read again — inference records and feedback ids are exactly that — a full
 * cache keeps its old entries and turns most new ones away (measured: of 500,000 sequential writes into
 * a 100,000-entry cache, 8,289 of the newest 50,000 stayed, 41,883 of the oldest eligible 50,000). A
 * join wants the opposite: feedback comes soon after its response, so the newest records matter most;
 * and a retry comes soon after its first attempt, so the newest ids matter most for deduplication.
 * So Caffeine keeps expiry and notification, and this class keeps the size bound in write order.
 *
 * <p>Not thread-safe for writes (the collector thread owns it); {@link #size()} may be read from any
 * thread. The removal listener runs synchronously inside the call that removed the entry, with cause
 * {@link RemovalCause#SIZE} for an entry this class evicted.
 */
public final class WriteOrderWindow<K, V> {
    private record Stamped<V>(V value, long seq) {}

    private record Written<K>(K key, long seq) {}

    private final Cache<K, Stamped<V>> cache;
    private final ArrayDeque<Written<K>> order = new ArrayDeque<>();
    private final long maxEntries;
    private long seq;
    private boolean evicting;

    /**
     * @param window how long an entry lives after it was written
     * @param maxEntries at most this many entries; the oldest write is evicted first
     * @param ticker the cache's time source
     * @param listener called on every removal (replacement, explicit, expiry, size), or null
     */
    public WriteOrderWindow(Duration window, long maxEntries, Ticker ticker, RemovalListener<K, V> listener) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
        }
        this.maxEntries = maxEntries;
        this.cache = Caffeine.newBuilder().ticker(ticker).executor(Runnable::run).expireAfterWrite(window)
                .<K, Stamped<V>>removalListener((k, s, cause) -> {
                    if (listener != null) {
                        listener.onRemoval(k, s == null ? null : s.value(),
                                evicting && cause == RemovalCause.EXPLICIT ? RemovalCause.SIZE : cause);
                    }
                })
                .build();
    }

    /** Writes {@code key} (a replaced entry is notified as {@link RemovalCause#REPLACED}), then evicts the oldest beyond the bound. */
    public void put(K key, V value) {
        long s = ++seq;
        cache.put(key, new Stamped<>(value, s));
        order.addLast(new Written<>(key, s));
        trim();
    }

    /** Writes {@code key} unless it holds a live value; returns that value, or null when this call wrote it. */
    public V putIfAbsent(K key, V value) {
        Stamped<V> existing = cache.getIfPresent(key);
        if (existing != null) {
            return existing.value();
        }
        put(key, value);
        return null;
    }

    /** Removes {@code key} if its live value is {@code value} (the same instance), notified as {@link RemovalCause#EXPLICIT}. */
    public void remove(K key, V value) {
        Stamped<V> existing = cache.getIfPresent(key);
        if (existing != null && existing.value() == value) {
            cache.asMap().remove(key, existing);
        }
    }

    /** The live value, or null. */
    public V get(K key) {
        Stamped<V> s = cache.getIfPresent(key);
        return s == null ? null : s.value();
    }

    public boolean contains(K key) {
        return cache.getIfPresent(key) != null;
    }

    /** Removes {@code key}, notified as {@link RemovalCause#EXPLICIT}. */
    public void remove(K key) {
        cache.invalidate(key);
    }

    /** Removes every entry the predicate accepts, each notified as {@link RemovalCause#EXPLICIT}. */
    public void removeIf(BiPredicate<K, V> predicate) {
        List<K> keys = cache.asMap().entrySet().stream().filter(e -> predicate.test(e.getKey(), e.getValue().value()))
                .map(java.util.Map.Entry::getKey).toList();
        cache.invalidateAll(keys);
    }

    /** Lets expiry happen now, and drops write-order entries of keys that are gone. */
    public void expire() {
        cache.cleanUp();
        trim();
        if (order.size() > 2 * Math.max(1024, cache.estimatedSize())) {
            // entries removed explicitly leave their write-order record behind until it reaches the head
            order.removeIf(w -> !current(w));
        }
    }

    /** Entries, expired ones not yet cleaned up included. Thread-safe. */
    public long size() {
        return cache.estimatedSize();
    }

    /** Write-order records held (live entries and not yet dropped ones of removed keys); bounded by {@link #expire()}. */
    public int tracked() {
        return order.size();
    }

    private boolean current(Written<K> w) {
        Stamped<V> s = cache.asMap().get(w.key());
        return s != null && s.seq() == w.seq();
    }

    private void trim() {
        boolean cleaned = false;
        Written<K> head;
        while ((head = order.peekFirst()) != null) {
            if (!current(head)) {
                order.pollFirst(); // replaced, removed or expired since
                continue;
            }
            if (cache.estimatedSize() <= maxEntries) {
                return;
            }
            if (!cleaned) {
                cache.cleanUp(); // expired entries still count until cleaned up: evict only what is live
                cleaned = true;
                continue;
            }
            order.pollFirst();
            evicting = true;
            try {
                cache.asMap().remove(head.key());
            } finally {
                evicting = false;
            }
        }
    }
}
