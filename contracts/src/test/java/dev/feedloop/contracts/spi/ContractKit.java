package dev.feedloop.contracts.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.UniqueId;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * Runs a contract subclass in a nested JUnit Jupiter engine, so a self-test can assert which contract
 * tests passed and failed. The classes run this way end in {@code Check}, not {@code Test}, so
 * surefire never runs them on their own (their failures are the point).
 */
final class ContractKit {
    private ContractKit() {}

    /** The test events of running every test in {@code testClass}. */
    static Events run(Class<?> testClass) {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute().testEvents();
        assertThat(tests.started().count()).as("tests started in %s", testClass.getSimpleName()).isPositive();
        return tests;
    }

    /**
     * The names of the failed tests (the test method, or the test factory of a dynamic test), after
     * checking that each failed on an assertion rather than an unexpected exception.
     */
    static List<String> failedTests(Events tests) {
        List<Event> failed = tests.failed().list();
        for (Event e : failed) {
            Optional<Throwable> thrown = e.getRequiredPayload(TestExecutionResult.class).getThrowable();
            assertThat(thrown).as("why %s failed", e.getTestDescriptor().getDisplayName())
                    .hasValueSatisfying(t -> assertThat(t).isInstanceOf(AssertionError.class));
        }
        return failed.stream().map(ContractKit::testName).distinct().sorted().collect(Collectors.toList());
    }

    /** The method name in the {@code method} or {@code test-factory} segment ({@code class#name(params)}). */
    private static String testName(Event e) {
        for (UniqueId.Segment segment : e.getTestDescriptor().getUniqueId().getSegments()) {
            if (segment.getType().equals("method") || segment.getType().equals("test-factory")) {
                String value = segment.getValue();
                return value.substring(value.indexOf('#') + 1, value.indexOf('('));
            }
        }
        throw new AssertionError("not a method-based test: " + e.getTestDescriptor().getUniqueId());
    }
}
