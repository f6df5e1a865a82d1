package dev.feedloop.sidecar.swap;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.AdapterRelease.Status;
import dev.feedloop.sidecar.embedded.SampleEvents;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SwapPlanTest {
    private static final Instant T = Instant.parse("2026-11-25T08:00:00Z");

    private static AdapterRelease v(int version, Status status) {
        return SampleEvents.release(version, T).withStatus(status, status == Status.ROLLED_BACK ? "canary regressed" : "gate", T);
    }

    private static List<String> names(List<AdapterRelease> rs) {
        return rs.stream().map(AdapterRelease::servedName).toList();
    }

    @Test
    void nothingPublishedRoutesToTheBase() {
        SwapPlan p = SwapPlan.of(List.of(), Set.of(), Set.of());
        assertThat(p.activate()).isEmpty();
        assertThat(p.promoted()).isNull();
        assertThat(p.candidate()).isNull();
    }

    @Test
    void aCandidateIsActivatedAndGetsTheCanaryButNotTheMainRoute() {
        SwapPlan p = SwapPlan.of(List.of(v(1, Status.CANDIDATE)), Set.of(), Set.of());
        assertThat(names(p.activate())).containsExactly("assistant-v1");
        assertThat(p.promoted()).isNull();
        SwapPlan active = SwapPlan.of(List.of(v(1, Status.CANDIDATE)), Set.of("assistant-v1"), Set.of());
        assertThat(active.activate()).isEmpty();
        assertThat(active.candidate().version()).isEqualTo(1);
    }

    @Test
    void promotionKeepsThePreviousVersionAndRetiresOlderOnes() {
        List<AdapterRelease> rs = List.of(v(1, Status.PROMOTED), v(2, Status.PROMOTED), v(3, Status.PROMOTED), v(4, Status.CANDIDATE));
        SwapPlan p = SwapPlan.of(rs, Set.of("assistant-v1", "assistant-v2", "assistant-v3"), Set.of());
        assertThat(names(p.activate())).containsExactly("assistant-v4");
        assertThat(p.retire()).containsExactly("assistant-v1");
        assertThat(p.promoted().version()).isEqualTo(3);
        assertThat(p.candidate()).isNull(); // not active yet: no canary until it is
    }

    @Test
    void rolledBackVersionsAreRoutedAwayAndRetired() {
        List<AdapterRelease> rs = List.of(v(2, Status.PROMOTED), v(3, Status.ROLLED_BACK));
        SwapPlan p = SwapPlan.of(rs, Set.of("assistant-v2", "assistant-v3"), Set.of());
        assertThat(p.candidate()).isNull();
        assertThat(p.promoted().version()).isEqualTo(2);
        assertThat(p.retire()).containsExactly("assistant-v3");
    }

    @Test
    void aVersionThatFailedVerificationIsNeverActivatedAndThePreviousKeepsServing() {
        List<AdapterRelease> rs = List.of(v(2, Status.PROMOTED), v(3, Status.PROMOTED));
        SwapPlan p = SwapPlan.of(rs, Set.of("assistant-v2"), Set.of("assistant-v3"));
        assertThat(p.activate()).isEmpty();
        assertThat(p.promoted().version()).isEqualTo(2);
        assertThat(p.retire()).isEmpty();
    }

    @Test
    void aCandidateBelowThePromotedVersionIsStale() {
        SwapPlan p = SwapPlan.of(List.of(v(5, Status.PROMOTED), v(4, Status.CANDIDATE)), Set.of("assistant-v4", "assistant-v5"), Set.of());
        assertThat(p.candidate()).isNull();
        assertThat(p.retire()).containsExactly("assistant-v4");
    }

    @Test
    void routingPicksTheCanaryByShare() {
        RoutingTable table = new RoutingTable();
        table.put(new RoutingTable.Route("assistant", "tiny", "assistant-v3", 3, "assistant-v4", 4, 0.25));
        assertThat(table.route("assistant", 0.1).adapter()).isEqualTo("assistant-v4");
        assertThat(table.route("assistant", 0.1).route().name()).isEqualTo("CANARY");
        assertThat(table.route("assistant", 0.5).adapter()).isEqualTo("assistant-v3");
        assertThat(table.route("assistant", 0.5).policyVersion()).isEqualTo(3);
        assertThat(table.route("other", 0.5)).isNull();
        table.put(RoutingTable.Route.base("assistant", "tiny"));
        assertThat(table.route("assistant", 0.0).servedModel()).isEqualTo("tiny");
        assertThat(table.route("assistant", 0.0).route().name()).isEqualTo("BASE");
    }
}
