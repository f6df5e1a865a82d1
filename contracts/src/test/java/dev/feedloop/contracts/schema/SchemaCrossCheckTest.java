package dev.feedloop.contracts.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.feedloop.contracts.codec.EventCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Mutates every field of every valid fixture in many ways and checks that our validator and an
 * independent implementation (networknt) reach the same verdict on each mutant.
 */
class SchemaCrossCheckTest {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final List<JsonNode> REPLACEMENTS = List.of(
            F.nullNode(), F.textNode(""), F.textNode("x"), F.textNode("2026-11-25T06:42:21Z"), F.numberNode(-1),
            F.numberNode(0), F.numberNode(1), F.numberNode(1.5), F.numberNode(6), F.booleanNode(true),
            F.objectNode(), F.arrayNode(), F.textNode("RATING"), F.textNode("a b"));

    @Test
    void verdictsAgreeWithIndependentImplementationOnEveryMutant() {
        int mutants = 0;
        int invalidMutants = 0;
        List<String> disagreements = new ArrayList<>();
        for (Fixtures.Valid fixture : Fixtures.valid()) {
            EventCodec<?> codec = EventCodec.of(fixture.type());
            for (String pointer : pointers(fixture.json(), "")) {
                List<JsonNode> mutations = new ArrayList<>();
                for (JsonNode replacement : REPLACEMENTS) {
                    JsonNode doc = fixture.json().deepCopy();
                    Fixtures.put(doc, pointer, replacement);
                    mutations.add(doc);
                }
                JsonNode removed = fixture.json().deepCopy();
                Fixtures.remove(removed, pointer);
                mutations.add(removed);
                for (JsonNode doc : mutations) {
                    boolean ours = codec.validate(doc).isEmpty();
                    boolean theirs = IndependentValidator.validate(fixture.type(), doc).isEmpty();
                    mutants++;
                    if (!ours) {
                        invalidMutants++;
                    }
                    if (ours != theirs) {
                        disagreements.add(fixture + " " + pointer + " -> " + doc.at(pointer.substring(0, pointer.lastIndexOf('/')))
                                + ": ours=" + ours + " networknt=" + theirs + " " + codec.validate(doc)
                                + " " + IndependentValidator.validate(fixture.type(), doc));
                    }
                }
            }
        }
        assertThat(disagreements).as("disagreements out of %d mutants", mutants).isEmpty();
        assertThat(mutants).isGreaterThan(2000);
        assertThat(invalidMutants).isGreaterThan(mutants / 2);
    }

    /** Every JSON Pointer inside {@code node}, depth first. */
    static List<String> pointers(JsonNode node, String prefix) {
        List<String> out = new ArrayList<>();
        if (node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                String p = prefix + "/" + e.getKey();
                out.add(p);
                out.addAll(pointers(e.getValue(), p));
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String p = prefix + "/" + i;
                out.add(p);
                out.addAll(pointers(node.get(i), p));
            }
        }
        return out;
    }
}
