package dev.feedloop.contracts.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.codec.EventValidationException;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every schema accepts its valid fixtures and rejects each malformed one at the expected field. */
class SchemaFixturesTest {

    static List<Fixtures.Valid> valid() {
        return Fixtures.valid();
    }

    static List<Fixtures.Invalid> invalid() {
        return Fixtures.invalid();
    }

    @Test
    void everyEventTypeHasValidAndInvalidFixtures() {
        Set<EventType> withValid = EnumSet.noneOf(EventType.class);
        valid().forEach(v -> withValid.add(v.type()));
        Set<EventType> withInvalid = EnumSet.noneOf(EventType.class);
        invalid().forEach(v -> withInvalid.add(v.type()));
        assertThat(withValid).containsExactlyInAnyOrder(EventType.values());
        assertThat(withInvalid).containsExactlyInAnyOrder(EventType.values());
        assertThat(invalid()).hasSizeGreaterThanOrEqualTo(70);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void acceptsValidFixture(Fixtures.Valid fixture) {
        EventCodec<? extends Event> codec = EventCodec.of(fixture.type());
        assertThat(codec.validate(fixture.json())).isEmpty();
        assertThat(IndependentValidator.validate(fixture.type(), fixture.json()))
                .as("networknt agrees the fixture is valid").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void rejectsMalformedFixtureAtTheExpectedPath(Fixtures.Invalid fixture) {
        EventCodec<? extends Event> codec = EventCodec.of(fixture.type());
        List<Violation> violations = codec.validate(fixture.json());
        assertThat(violations).extracting(Violation::path).contains(fixture.expectPath());
        if (fixture.expectMessage() != null) {
            assertThat(violations).filteredOn(v -> v.path().equals(fixture.expectPath()))
                    .extracting(Violation::message).anySatisfy(m -> assertThat(m).contains(fixture.expectMessage()));
        }
        assertThat(IndependentValidator.validate(fixture.type(), fixture.json()))
                .as("networknt agrees the fixture is invalid").isNotEmpty();
        assertThatThrownBy(() -> codec.decodeTree(fixture.json()))
                .isInstanceOfSatisfying(EventValidationException.class, e -> {
                    assertThat(e.problem()).isEqualTo(EventValidationException.Problem.SCHEMA_VIOLATION);
                    assertThat(e.violations()).extracting(Violation::path).contains(fixture.expectPath());
                    assertThat(e.getMessage()).startsWith("invalid " + fixture.type().slug() + ": ");
                });
    }
}
