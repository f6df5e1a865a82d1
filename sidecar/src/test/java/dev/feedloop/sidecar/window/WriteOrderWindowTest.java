package dev.feedloop.sidecar.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.benmanes.caffeine.cache.RemovalCause;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The join window's bound keeps the newest writes (Caffeine's own bound would keep the oldest), and expiry still works. */
class WriteOrderWindowTest {
    private static final Duration WINDOW = Duration.ofMinutes(10);

    private record Removal(Integer key, String value, RemovalCause cause) {}

    /** Cache time, moved by the test. */
    private static final class Time {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }

        long read() {
            return nanos.get();
        }
    }

    private final Time clock = new Time();
    private final List<Removal> removals = new ArrayList<>();

    private WriteOrderWindow<Integer, String> window(long max) {
        return new WriteOrderWindow<>(WINDOW, max, clock::read, (k, v, cause) -> removals.add(new Removal(k, v, cause)));
    }

    @Test
    void aFullWindowEvictsTheOldestWriteFirst() {
        WriteOrderWindow<Integer, String> w = window(1_000);
        for (int i = 0; i < 50_000; i++) {
            w.put(i, "v" + i);
        }
        w.expire();
        assertThat(w.size()).isEqualTo(1_000);
        assertThat(IntStream.range(49_000, 50_000).allMatch(w::contains)).as("the newest 1,000 are all kept").isTrue();
        assertThat(IntStream.range(0, 49_000).noneMatch(w::contains)).as("nothing older is kept").isTrue();
        assertThat(removals).hasSize(49_000).allMatch(r -> r.cause() == RemovalCause.SIZE);
        assertThat(removals.subList(0, 3)).extracting(Removal::key).containsExactly(0, 1, 2);
        assertThat(removals.get(0).value()).isEqualTo("v0");
    }

    @Test
    void aRewrittenKeyCountsFromItsLastWrite() {
        WriteOrderWindow<Integer, String> w = window(3);
        w.put(1, "a");
        w.put(2, "b");
        w.put(3, "c");
        w.put(1, "a2"); // 1 is now the newest
        w.put(4, "d");
        assertThat(w.contains(2)).isFalse();
        assertThat(w.get(1)).isEqualTo("a2");
        assertThat(w.contains(3)).isTrue();
        assertThat(w.contains(4)).isTrue();
        assertThat(removals).containsExactly(new Removal(1, "a", RemovalCause.REPLACED), new Removal(2, "b", RemovalCause.SIZE));
    }

    @Test
    void removedKeysFreeTheirPlaceAndAreNotEvictedAgain() {
        WriteOrderWindow<Integer, String> w = window(2);
        w.put(1, "a");
        w.put(2, "b");
        w.remove(1);
        w.put(3, "c");
        assertThat(w.contains(2)).isTrue();
        assertThat(w.contains(3)).isTrue();
        assertThat(removals).containsExactly(new Removal(1, "a", RemovalCause.EXPLICIT));
        w.removeIf((k, v) -> v.equals("c"));
        assertThat(w.contains(3)).isFalse();
        assertThat(w.contains(2)).isTrue();
    }

    @Test
    void entriesExpireAWindowAfterTheirWriteAndExpiredOnesAreNotEvictedForSize() {
        WriteOrderWindow<Integer, String> w = window(2);
        w.put(1, "a");
        clock.advance(WINDOW.minusSeconds(1));
        w.put(2, "b");
        clock.advance(Duration.ofSeconds(2)); // 1 has expired, 2 has not
        w.put(3, "c");
        assertThat(w.contains(1)).isFalse();
        assertThat(w.contains(2)).isTrue();
        assertThat(w.contains(3)).isTrue();
        assertThat(removals).containsExactly(new Removal(1, "a", RemovalCause.EXPIRED));
        clock.advance(WINDOW);
        w.expire();
        assertThat(w.size()).isZero();
        assertThat(removals).extracting(Removal::cause).containsExactly(RemovalCause.EXPIRED, RemovalCause.EXPIRED,
                RemovalCause.EXPIRED);
    }

    @Test
    void manyExplicitRemovalsDoNotGrowTheWriteOrderWithoutBound() {
        WriteOrderWindow<Integer, String> w = window(1_000_000);
        w.put(-1, "stays"); // a live head keeps the write order from draining by itself
        for (int i = 0; i < 100_000; i++) {
            w.put(i, "x");
            w.remove(i);
            if (i % 1_000 == 0) {
                w.expire();
            }
        }
        w.expire();
        assertThat(w.size()).isEqualTo(1);
        assertThat(w.tracked()).isLessThanOrEqualTo(2 * 1024 + 1_000);
        // the bound still evicts in write order afterwards
        WriteOrderWindow<Integer, String> small = window(1);
        small.put(1, "a");
        small.put(2, "b");
        assertThat(small.contains(1)).isFalse();
        assertThat(small.contains(2)).isTrue();
    }

    @Test
    void putIfAbsentKeepsTheLiveValueAndConditionalRemoveOnlyRemovesTheSameOne() {
        WriteOrderWindow<Integer, String> w = window(10);
        String a = new String("a");
        assertThat(w.putIfAbsent(1, a)).isNull();
        assertThat(w.putIfAbsent(1, "b")).isSameAs(a);
        w.remove(1, new String("a")); // equal but not the same instance: kept
        assertThat(w.get(1)).isSameAs(a);
        w.remove(1, a);
        assertThat(w.contains(1)).isFalse();
        clock.advance(WINDOW.plusSeconds(1));
        assertThat(w.putIfAbsent(2, "x")).isNull();
        clock.advance(WINDOW.plusSeconds(1)); // an expired entry is absent
        assertThat(w.putIfAbsent(2, "y")).isNull();
        assertThat(w.get(2)).isEqualTo("y");
    }

    @Test
    void aWindowHoldsAtLeastOneEntry() {
        assertThatThrownBy(() -> window(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1");
    }
}
