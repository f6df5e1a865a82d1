package dev.feedloop.contracts.codec;

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

/** One realistic event of each type, built with the canonical constructors; times carry nanoseconds. */
final class SampleEvents {
    static final String INFERENCE_ID = "0b9f6a52-7c1e-4a4f-9b0e-2f3d8c1a6e01";
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    static final Prompt PROMPT = new Prompt(
            List.of(Message.of(Message.Role.SYSTEM, "You are terse."),
                    new Message(Message.Role.USER, "Name a prime number above 10.", "ada")),
            null, List.of(1, 887, 526, 5, 29871));

    private SampleEvents() {}

    static InferenceRecord inferenceRecord() {
        return new InferenceRecord(1, INFERENCE_ID, "default", InferenceRecord.Source.TAP,
                InferenceRecord.Endpoint.CHAT_COMPLETIONS,
                Instant.parse("2026-11-25T06:42:21.123456789Z"), Instant.parse("2026-11-25T06:42:22.004000001Z"),
                "assistant", "assistant-v3", "assistant-v3", 3, InferenceRecord.Route.CANARY,
                new InferenceRecord.Request(PROMPT.messages(), null, PROMPT.tokenIds(),
                        new InferenceRecord.SamplingParams(0.7, 0.95, null, 32, 2, 42L, List.of("\n\n"), true)),
                List.of(new InferenceRecord.Choice(0, "11", "stop", List.of(29896, 29896), List.of(-0.21, -0.0003)),
                        new InferenceRecord.Choice(1, "13", null, List.of(29896, 29941), List.of(-0.21, -1.7))),
                new Usage(5, 4, 9), new InferenceRecord.Latency(880.5, 41.2), 200, null, true, TRACEPARENT,
                Map.of("EMAIL", 1));
    }

    static Feedback feedback() {
        return new Feedback(1, "fb-0002", INFERENCE_ID, "default", Instant.parse("2026-11-25T06:43:01.123456789Z"),
                Feedback.Kind.RATING, 4, null, null, null, "Good, but slow.", "u-4411");
    }

    static PreferencePair preferencePair() {
        return new PreferencePair(1, "pair-9f1c", "default", Instant.parse("2026-11-25T07:00:00.000000001Z"),
                "assistant", PROMPT, PROMPT.hash(),
                new Completion("11", List.of(29896, 29896), List.of(-0.2, -0.01), INFERENCE_ID, 3),
                Completion.of("12", null, 4),
                PreferencePair.Source.JUDGE, new PreferencePair.JudgeInfo("openai-judge", 0.92, true), List.of());
    }

    static UnpairedExample unpairedExample() {
        Prompt prompt = Prompt.text("Summarise in one line:");
        return new UnpairedExample(1, "ex-1", "acme", Instant.parse("2026-11-25T07:01:00.5Z"), "assistant",
                prompt, prompt.hash(), Completion.of("A very long answer...", "req-21", 2), false,
                Feedback.Kind.THUMBS_DOWN, "fb-0001");
    }

    static AdapterRelease adapterRelease() {
        return new AdapterRelease(1, "assistant", 4, "default", Instant.parse("2026-11-25T07:30:00.999999999Z"),
                "tiny-llama", 16, 32, List.of("q_proj", "k_proj", "v_proj", "o_proj"),
                List.of(new AdapterRelease.AdapterFile("adapter_config.json", 512,
                                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
                        new AdapterRelease.AdapterFile("adapter_model.safetensors", 1048576,
                                "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae")),
                "http://trainer.feedloop.svc:8090/adapters/assistant/4/", AdapterRelease.Status.CANDIDATE, 3,
                Map.of("win_rate", 0.61, "kl_to_base", 0.042), "gate passed: win rate 0.61 >= 0.55");
    }

    static DeadLetter deadLetter() {
        return new DeadLetter(1, "dl-1", Instant.parse("2026-11-25T07:50:00.000123Z"), "feedloop.feedback.v1", 2,
                1234L, "req-17", DeadLetter.Reason.SCHEMA_VIOLATION, "invalid feedback: /rating: must be <= 5, got 7",
                List.of(new Violation("/rating", "must be <= 5, got 7")), "eyJyYXRpbmciOjd9", false,
                Map.of("ce_type", "dev.feedloop.feedback.v1"));
    }

    /** One event of each type, in {@code EventType} order. */
    static List<Event> all() {
        return List.of(
                inferenceRecord(), feedback(), preferencePair(), unpairedExample(), adapterRelease(), deadLetter());
    }
}
