package dev.feedloop.sidecar.embedded;

import dev.feedloop.contracts.event.AdapterRelease;
import dev.feedloop.contracts.event.Completion;
import dev.feedloop.contracts.event.DeadLetter;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.Feedback;
import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.event.PreferencePair;
import dev.feedloop.contracts.event.Prompt;
import dev.feedloop.contracts.event.UnpairedExample;
import dev.feedloop.contracts.event.Usage;
import dev.feedloop.contracts.schema.Violation;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One realistic, schema-valid event of every type, derived from a sequence number so that a series of
 * them has distinct ids. Used by the demo, the codec benchmark and tests.
 */
public final class SampleEvents {
    private SampleEvents() {}

    /** An inference record: a streamed chat completion served by the canary adapter. */
    public static InferenceRecord inference(long seq, Instant t) {
        String id = "inf-" + seq;
        return new InferenceRecord(Event.SCHEMA_VERSION, id, "default", InferenceRecord.Source.TAP,
                InferenceRecord.Endpoint.CHAT_COMPLETIONS, t, t.plusMillis(850), "assistant", "assistant-v3", "assistant-v3", 3,
                InferenceRecord.Route.CANARY,
                new InferenceRecord.Request(List.of(
                        Message.of(Message.Role.SYSTEM, "You are a concise assistant."),
                        Message.of(Message.Role.USER, "Name a prime number above " + (10 + seq % 90) + ".")),
                        null, List.of(1, 887, 526, 263, 29871),
                        new InferenceRecord.SamplingParams(0.7, 0.95, null, 64, 2, seq, List.of("\n\n"), true)),
                List.of(new InferenceRecord.Choice(0, "101", "stop", List.of(29896, 29900, 29896), List.of(-0.31, -0.02, -0.001)),
                        new InferenceRecord.Choice(1, "103", "stop", List.of(29896, 29900, 29941), List.of(-0.31, -0.02, -1.9))),
                new Usage(5, 6, 11), new InferenceRecord.Latency(850.0, 38.5), 200, null, true,
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Map.of());
    }

    /** A thumbs-up on inference {@code seq}. */
    public static Feedback feedback(long seq, Instant t) {
        return new Feedback(Event.SCHEMA_VERSION, "fb-" + seq, "inf-" + seq, "default", t.plusSeconds(5),
                Feedback.Kind.THUMBS_UP, null, null, null, null, null, "u-" + (seq % 97));
    }

    /** A judge-made preference pair. */
    public static PreferencePair pair(long seq, Instant t) {
        Prompt prompt = Prompt.chat(List.of(Message.of(Message.Role.USER, "Name a prime number above " + (10 + seq % 90) + ".")));
        return new PreferencePair(Event.SCHEMA_VERSION, "pair-" + seq, "default", t.plusSeconds(9), "assistant", prompt,
                prompt.hash(), new Completion("101", List.of(29896, 29900, 29896), List.of(-0.31, -0.02, -0.001), "inf-" + seq, 3),
                new Completion("100", List.of(29896, 29900, 29900), List.of(-0.31, -0.02, -2.2), null, 3),
                PreferencePair.Source.JUDGE, new PreferencePair.JudgeInfo("openai-judge", 0.9, true), List.of());
    }

    /** A thumbs-up turned into a KTO example. */
    public static UnpairedExample unpaired(long seq, Instant t) {
        Prompt prompt = Prompt.chat(List.of(Message.of(Message.Role.USER, "Name a prime number above " + (10 + seq % 90) + ".")));
        return new UnpairedExample(Event.SCHEMA_VERSION, "ex-" + seq, "default", t.plusSeconds(6), "assistant", prompt,
                prompt.hash(), Completion.of("101", "inf-" + seq, 3), true, Feedback.Kind.THUMBS_UP, "fb-" + seq);
    }

    /** A candidate adapter version {@code version}. */
    public static AdapterRelease release(int version, Instant t) {
        return new AdapterRelease(Event.SCHEMA_VERSION, "assistant", version, "default", t, "tiny-llama", 16, 32.0,
                List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                List.of(new AdapterRelease.AdapterFile("adapter_config.json", 512,
                                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                        new AdapterRelease.AdapterFile("adapter_model.safetensors", 1_048_576,
                                "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")),
                "http://trainer.feedloop.svc:8090/adapters/assistant/" + version + "/", AdapterRelease.Status.CANDIDATE,
                version > 1 ? version - 1 : null, Map.of("win_rate", 0.61, "kl_to_base", 0.042), "gate passed");
    }

    /** A dead letter for a schema violation. */
    public static DeadLetter deadLetter(long seq, Instant t) {
        return new DeadLetter(Event.SCHEMA_VERSION, "dl-" + seq, t, "feedloop.feedback.v1", 0, seq, "inf-" + seq,
                DeadLetter.Reason.SCHEMA_VIOLATION, "invalid feedback: /rating: must be <= 5, got 7",
                List.of(new Violation("/rating", "must be <= 5, got 7")), "eyJyYXRpbmciOjd9", false, Map.of());
    }

    /** One event of every type. */
    public static List<Event> oneOfEach(long seq, Instant t) {
        return List.of(inference(seq, t), feedback(seq, t), pair(seq, t), unpaired(seq, t), release((int) (seq % 1000) + 1, t),
                deadLetter(seq, t));
    }
}
