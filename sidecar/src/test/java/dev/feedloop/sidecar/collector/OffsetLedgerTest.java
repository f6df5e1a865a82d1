package dev.feedloop.sidecar.collector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {
    private static final TopicPartition P0 = new TopicPartition("t", 0);
    private static final TopicPartition P1 = new TopicPartition("t", 1);

    private final OffsetLedger ledger = new OffsetLedger();

    @Test
    void commitsTheOffsetAfterTheLastHandledRecordWhenNothingIsHeld() {
        ledger.handled(P0, 0);
        ledger.handled(P0, 1);
        assertThat(ledger.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(2)));
    }

    @Test
    void stopsAtTheLowestHeldOffsetUntilEveryHoldOnItIsReleased() {
        ledger.hold(P0, 3);
        ledger.hold(P0, 3);
        ledger.hold(P0, 5);
        ledger.handled(P0, 7);
        assertThat(ledger.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(3)));
        ledger.release(P0, 3);
        assertThat(ledger.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(3)));
        ledger.release(P0, 3);
        assertThat(ledger.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(5)));
        ledger.release(P0, 5);
        assertThat(ledger.committable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(8)));
    }

    @Test
    void offersOnlyOffsetsBeyondTheLastCommit() {
        ledger.handled(P0, 4);
        ledger.handled(P1, 0);
        ledger.committed(ledger.committable());
        assertThat(ledger.committable()).isEmpty();
        ledger.handled(P1, 1);
        assertThat(ledger.committable()).isEqualTo(Map.of(P1, new OffsetAndMetadata(2)));
    }

    @Test
    void forgottenPartitionsAreNotCommittedAndLateReleasesAreHarmless() {
        ledger.hold(P0, 1);
        ledger.handled(P0, 1);
        ledger.forget(List.of(P0));
        ledger.release(P0, 1);
        assertThat(ledger.committable()).isEmpty();
        assertThat(ledger.holds(P0)).isZero();
    }
}
