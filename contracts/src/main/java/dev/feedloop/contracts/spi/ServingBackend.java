package dev.feedloop.contracts.spi;

import dev.feedloop.contracts.event.Prompt;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Drives one serving stack (vLLM, SGLang, LoRAX, NIM, the embedded engine) over its own wire protocol.
 *
 * <p><b>Threading:</b> every method is called from sidecar worker threads and <b>must not block</b>:
 * it starts the HTTP call and returns a stage that the plugin's I/O threads complete. Failures complete
 * the stage with {@link BackendException}, whose {@link BackendException.Reason} says what happened
 * (callers never classify errors by message text).
 */
public interface ServingBackend extends Plugin {
    /**
     * Samples completions for a prompt from a model or adapter.
     *
     * @param request the prompt, the model name and sampling parameters
     * @return {@code request.n()} samples, in index order
     */
    CompletionStage<List<Sample>> sample(SampleRequest request);

    /**
     * Makes an adapter servable under {@code adapter.name()}. Idempotent: activating a name that is
     * already loaded from the same path succeeds without reloading.
     *
     * @return completes when requests naming the adapter are served by it
     */
    CompletionStage<Void> activate(Adapter adapter);

    /**
     * Unloads an adapter. Callers drain in-flight requests first.
     *
     * @return completes when the name is gone; {@link BackendException.Reason#NOT_FOUND} if it was not loaded
     */
    CompletionStage<Void> retire(String adapterName);

    /** The adapter names the engine has loaded now (not the base model). */
    CompletionStage<List<String>> loadedAdapters();

    /**
     * A sampling request.
     *
     * @param model the base model name or an adapter name
     * @param prompt chat messages or prompt text
     * @param n number of samples, at least 1
     * @param maxTokens maximum new tokens per sample
     * @param temperature sampling temperature, 0 for greedy
     * @param topP nucleus mass in (0, 1]
     * @param seed seed for reproducible sampling, or null
     * @param logprobs whether to return per-token log-probs
     */
    record SampleRequest(
            String model, Prompt prompt, int n, int maxTokens, double temperature, double topP, Long seed, boolean logprobs) {
        public SampleRequest {
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(prompt, "prompt");
            if (n < 1 || maxTokens < 1 || temperature < 0 || !(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("bad sampling parameters: n=" + n + " maxTokens=" + maxTokens
                        + " temperature=" + temperature + " topP=" + topP);
            }
        }
    }

    /**
     * One sampled completion.
     *
     * @param index sample index
     * @param text the text
     * @param finishReason {@code stop}, {@code length}, ...
     * @param tokenIds token ids, if the stack returns them
     * @param logprobs per-token log-probs at the request's temperature, if requested and returned
     */
    record Sample(int index, String text, String finishReason, List<Integer> tokenIds, List<Double> logprobs) {
        public Sample {
            Objects.requireNonNull(text, "text");
            tokenIds = tokenIds == null ? null : List.copyOf(tokenIds);
            logprobs = logprobs == null ? null : List.copyOf(logprobs);
        }
    }

    /**
     * An adapter to activate.
     *
     * @param name the served name, {@code <alias>-v<N>}, never reused
     * @param path a verified local PEFT directory ({@code adapter_config.json}, {@code adapter_model.safetensors})
     * @param baseModel the base model it applies to
     */
    record Adapter(String name, Path path, String baseModel) {
        public Adapter {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(baseModel, "baseModel");
        }
    }

    /** A serving stack refused or failed a call. */
    class BackendException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final Reason reason;

        public BackendException(Reason reason, String message, Throwable cause) {
            super(message, cause);
            this.reason = Objects.requireNonNull(reason, "reason");
        }

        public BackendException(Reason reason, String message) {
            this(reason, message, null);
        }

        /** What kind of failure. */
        public Reason reason() {
            return reason;
        }

        /** Failure kinds. */
        public enum Reason {
            /** The model or adapter is not loaded. */
            NOT_FOUND,
            /** The stack rejected the request or adapter (bad rank, unsupported config, 4xx). */
            REJECTED,
            /** The stack is down, overloaded or timed out; retrying later may work. */
            UNAVAILABLE,
            /** The stack answered something this driver does not understand. */
            PROTOCOL
        }
    }
}
