package dev.feedloop.sidecar.collector;

import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.Message;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Inference records and feedback for the collector's tests, built field by field. */
final class Fixtures {
    static final Instant T0 = Instant.parse("2026-11-25T06:00:00Z");
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private Fixtures() {}

    /** The chat request every fixture record answers, unless told otherwise. */
    static InferenceRecord.Request request(String question) {
        return new InferenceRecord.Request(List.of(Message.of(Message.Role.SYSTEM, "Be brief."),
                Message.of(Message.Role.USER, question)), null, List.of(1, 2, 3), null);
    }

    /** A choice with token ids and log-probs. */
    static InferenceRecord.Choice choice(int index, String text) {
        return new InferenceRecord.Choice(index, text, "stop", List.of(100 + index, 200 + index),
                List.of(-0.5 - index, -0.25));
    }

    /** A 200 record of tenant default, alias assistant, policy version 3, with one choice per text. */
    static InferenceRecord record(String id, String... texts) {
        List<InferenceRecord.Choice> choices = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            choices.add(choice(i, texts[i]));
        }
        return record(id, "assistant", 200, request("What is 2+2?"), choices);
    }

    static InferenceRecord record(String id, String alias, int status, InferenceRecord.Request request,
            List<InferenceRecord.Choice> choices) {
        return new InferenceRecord(Event.SCHEMA_VERSION, id, "default", InferenceRecord.Source.TAP,
                InferenceRecord.Endpoint.CHAT_COMPLETIONS, T0, T0.plusMillis(400), alias,
                alias == null ? "base-model" : alias + "-v3", alias == null ? null : alias + "-v3", 3,
                alias == null ? InferenceRecord.Route.DIRECT : InferenceRecord.Route.PROMOTED, request, choices, null,
                new InferenceRecord.Latency(400.0, null), status, status / 100 == 2 ? null : "upstream failed", false,
                TRACEPARENT, Map.of());
    }

    /** A copy of a record with another tenant. */
    static InferenceRecord withTenant(InferenceRecord r, String tenant) {
        return new InferenceRecord(r.schemaVersion(), r.inferenceId(), tenant, r.source(), r.endpoint(), r.startedAt(),
                r.completedAt(), r.alias(), r.servedModel(), r.servedAdapter(), r.policyVersion(), r.route(), r.request(),
                r.choices(), r.usage(), r.latency(), r.status(), r.error(), r.stream(), r.traceparent(), r.redactions());
    }

    /** A copy of a record with another policy version. */
    static InferenceRecord withPolicyVersion(InferenceRecord r, long version) {
        return new InferenceRecord(r.schemaVersion(), r.inferenceId(), r.tenant(), r.source(), r.endpoint(), r.startedAt(),
                r.completedAt(), r.alias(), r.servedModel(), r.servedAdapter(), version, r.route(), r.request(),
                r.choices(), r.usage(), r.latency(), r.status(), r.error(), r.stream(), r.traceparent(), r.redactions());
    }

    static Feedback thumbsUp(String id, String inferenceId) {
        return feedback(id, inferenceId, Feedback.Kind.THUMBS_UP, null, null, null, null);
    }

    static Feedback thumbsDown(String id, String inferenceId) {
        return feedback(id, inferenceId, Feedback.Kind.THUMBS_DOWN, null, null, null, null);
    }

    static Feedback rating(String id, String inferenceId, int rating) {
        return feedback(id, inferenceId, Feedback.Kind.RATING, rating, null, null, null);
    }

    static Feedback choice(String id, String inferenceId, int index) {
        return feedback(id, inferenceId, Feedback.Kind.CHOICE, null, index, null, null);
    }

    static Feedback edit(String id, String inferenceId, String text) {
        return feedback(id, inferenceId, Feedback.Kind.EDIT, null, null, text, null);
    }

    static Feedback regenerate(String id, String oldInferenceId, String newInferenceId) {
        return feedback(id, oldInferenceId, Feedback.Kind.REGENERATE, null, null, null, newInferenceId);
    }

    static Feedback feedback(String id, String inferenceId, Feedback.Kind kind, Integer rating, Integer choiceIndex,
            String editedText, String related) {
        return new Feedback(Event.SCHEMA_VERSION, id, inferenceId, "default", T0.plusSeconds(30), kind, rating, choiceIndex,
                editedText, related, null, "u-1");
    }
}
