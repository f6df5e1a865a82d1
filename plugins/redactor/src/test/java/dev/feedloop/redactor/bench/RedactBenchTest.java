package dev.feedloop.redactor.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The benchmark runs briefly, checks its own texts, and reports the three figures as one JSON object. */
class RedactBenchTest {
    @Test
    void aShortRunReportsEveryFigureAsAPositiveNumber() {
        String json = RedactBench.run(0.1);

        assertThat(json).startsWith("{\"bench\":\"redactor\",").endsWith("}").doesNotContain("\n");
        for (String figure : new String[] {"clean_text_mb_per_s", "chat_exchange_us", "dense_pii_mb_per_s"}) {
            Matcher m = Pattern.compile("\"" + figure + "\":([0-9.]+)[,}]").matcher(json);
            assertThat(m.find()).as("%s in %s", figure, json).isTrue();
            assertThat(Double.parseDouble(m.group(1))).as(figure).isPositive();
        }
    }

    @Test
    void theWorkloadsHaveTheAdvertisedShape() {
        assertThat(RedactBench.CLEAN_TEXTS).allSatisfy(t -> assertThat(t.length()).isBetween(800, 1200));
        assertThat(RedactBench.ASSISTANT_ANSWER.length()).isBetween(550, 700);
        assertThat(RedactBench.chatExchange()).hasSize(3);
        assertThat(RedactBench.denseText().length()).isBetween(64_000, 70_000);
        assertThat(RedactBench.denseText().split("\n")).allSatisfy(line -> assertThat(line).isNotBlank());
    }

    @Test
    void aRunTooShortToMeasureIsRejected() {
        assertThatThrownBy(() -> RedactBench.run(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RedactBench.run(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
