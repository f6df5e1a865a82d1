package dev.feedloop.sidecar.collector;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offset of each partition may be committed. A record is handled once the collector has seen
 * it, but while its content lives only in memory (an inference record in the join cache, feedback
 * waiting for its record) it is <em>held</em>: the committed offset of its partition stays at or
 * below it, so a restarted collector reads it again and rebuilds the same state. Holds are counted,
 * since one record can be held by several owners (a cached inference record and the feedback that
 * captured it).
 *
 * <p>Not thread-safe: used on the collector thread only.
 */
final class OffsetLedger {
    private final Map<TopicPartition, Long> next = new HashMap<>();
    private final Map<TopicPartition, TreeMap<Long, Integer>> held = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /** The record at {@code offset} has been handed to the join (held or not). */
    void handled(TopicPartition tp, long offset) {
        next.merge(tp, offset + 1, Math::max);
    }

    /** Keeps the committed offset of {@code tp} at or below {@code offset} until {@link #release}. */
    void hold(TopicPartition tp, long offset) {
        held.computeIfAbsent(tp, k -> new TreeMap<>()).merge(offset, 1, Integer::sum);
    }

    /** Drops one hold; releasing an offset that is not held (a forgotten partition) does nothing. */
    void release(TopicPartition tp, long offset) {
        TreeMap<Long, Integer> offsets = held.get(tp);
        if (offsets == null) {
            return;
        }
        offsets.computeIfPresent(offset, (k, n) -> n == 1 ? null : n - 1);
        if (offsets.isEmpty()) {
            held.remove(tp);
        }
    }

    /**
     * The offsets to commit now: for each handled partition, the lowest held offset, or the offset
     * after the last handled record if nothing is held, where that is beyond what was committed.
     */
    Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> out = new LinkedHashMap<>();
        next.forEach((tp, n) -> {
            TreeMap<Long, Integer> offsets = held.get(tp);
            long offset = offsets == null ? n : Math.min(n, offsets.firstKey());
            if (offset > committed.getOrDefault(tp, -1L)) {
                out.put(tp, new OffsetAndMetadata(offset));
            }
        });
        return out;
    }

    /** Records a successful commit. */
    void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> committed.merge(tp, o.offset(), Math::max));
    }

    /** Forgets partitions this collector no longer owns. */
    void forget(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            next.remove(tp);
            held.remove(tp);
            committed.remove(tp);
        }
    }

    /** Held offsets of one partition (with multiplicity), for tests. */
    int holds(TopicPartition tp) {
        TreeMap<Long, Integer> offsets = held.get(tp);
        return offsets == null ? 0 : offsets.values().stream().mapToInt(Integer::intValue).sum();
    }
}
