package dev.feedloop.sidecar.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.sidecar.config.ConfigLoader;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** The demo runs end to end on its own embedded broker and reports what it did. */
class FoundationDemoIT {
    @Test
    void demoRoundTripsEveryEventAndDeadLettersTheBadOnes() throws Exception {
        StringWriter progress = new StringWriter();
        FoundationDemo.Report report = FoundationDemo.run(ConfigLoader.defaults(), null, 25, new PrintWriter(progress, true));
        assertThat(report.ok()).as(report.problem()).isTrue();
        JsonNode j = report.json();
        assertThat(j.get("produced").get("inference-record").asInt()).isEqualTo(25);
        assertThat(j.get("consumed_valid")).isEqualTo(j.get("produced"));
        assertThat(j.get("dead_letters")).hasSize(2);
        assertThat(j.get("dead_letters").get(0).get("reason").asText()).isEqualTo("MALFORMED_JSON");
        assertThat(j.get("dead_letters").get(1).get("reason").asText()).isEqualTo("SCHEMA_VIOLATION");
        assertThat(j.get("dead_letters").get(1).get("detail").asText()).isEqualTo("invalid feedback: /rating: must be <= 5, got 9");
        assertThat(progress.toString()).contains("demo: published", "demo: consumed and validated");
        // the loop stage: serve + tap + feedback API + collector
        JsonNode loop = j.get("loop");
        assertThat(loop.get("requests")).hasSize(4).allSatisfy(r -> assertThat(r.get("status").asInt()).isEqualTo(200));
        assertThat(loop.at("/feedback/batch_status").asInt()).isEqualTo(202);
        assertThat(loop.at("/feedback/repeat_statuses").asText()).isEqualTo("duplicate,duplicate,duplicate,duplicate");
        assertThat(loop.at("/feedback/invalid_status").asInt()).isEqualTo(400);
        assertThat(loop.at("/feedback/invalid_answer/details/0/field").asText()).isEqualTo("/rating");
        assertThat(loop.at("/captured/redacted_prompt").asText()).contains("<EMAIL>").doesNotContain("jane.doe");
        assertThat(loop.at("/captured/route").asText()).isEqualTo("BASE");
        assertThat(loop.get("training_data")).hasSize(4);
        assertThat(loop.get("training_data").findValuesAsText("source")).containsExactlyInAnyOrder("USER_CHOICE", "THUMBS_UP",
                "THUMBS_DOWN", "USER_EDIT");
    }
}
