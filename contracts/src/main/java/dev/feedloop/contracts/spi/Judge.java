package dev.feedloop.contracts.spi;

import dev.feedloop.contracts.event.Prompt;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * Decides which of two responses to a prompt is better (online AI feedback).
 *
 * <p>A judge sees the two responses in the order given. The sidecar asks twice, with the order
 * swapped, and keeps a pair only when both answers agree; a judge must therefore not try to correct
 * for position bias itself.
 *
 * <p><b>Threading:</b> called from the OAIF worker threads; the call itself <b>must not block</b> —
 * do the I/O asynchronously and complete the stage from the plugin's own threads. A failed stage
 * (timeout, HTTP error, unparseable answer) drops the pair and is counted; it never retries silently.
 */
public interface Judge extends Plugin {
    /**
     * Compares two responses.
     *
     * @param request the prompt and the two responses in presentation order
     * @return the verdict; completes exceptionally with {@link JudgeException} when the judge failed
     */
    CompletionStage<Verdict> compare(Request request);

    /**
     * One comparison.
     *
     * @param prompt what was asked
     * @param first the response shown first
     * @param second the response shown second
     */
    record Request(Prompt prompt, String first, String second) {
        public Request {
            Objects.requireNonNull(prompt, "prompt");
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(second, "second");
        }

        /** The same comparison with the responses swapped. */
        public Request swapped() {
            return new Request(prompt, second, first);
        }
    }

    /**
     * A judge's answer.
     *
     * @param preferred which response is better
     * @param confidence in [0, 1]
     * @param rationale the judge's explanation, may be empty
     */
    record Verdict(Preference preferred, double confidence, String rationale) {
        public Verdict {
            Objects.requireNonNull(preferred, "preferred");
            if (!(confidence >= 0 && confidence <= 1)) {
                throw new IllegalArgumentException("confidence must be in [0, 1], got " + confidence);
            }
            rationale = rationale == null ? "" : rationale;
        }
    }

    /** Which response won. */
    enum Preference {
        FIRST,
        SECOND,
        TIE
    }

    /** A judge could not give a verdict. */
    class JudgeException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public JudgeException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
