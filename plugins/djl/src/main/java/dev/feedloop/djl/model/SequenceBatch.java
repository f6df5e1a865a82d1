package dev.feedloop.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * A right-padded batch of (prompt, response) token sequences, laid out for teacher-forced scoring:
 * {@code ids}/{@code valid} {@code [B, T]}, and for each response token the position whose logits
 * predict it.
 *
 * @param ids token ids {@code [B, T]}, padding 0
 * @param valid real tokens {@code [B, T]}
 * @param positions position ids {@code [B, T]}
 * @param targets for each response slot r, the response token {@code [B, R]} (padding 0)
 * @param targetPositions the position whose logits predict it {@code [B, R]}
 * @param targetMask real response slots {@code [B, R]} (float 1/0)
 * @param responseLengths tokens per response
 */
public record SequenceBatch(
        NDArray ids, NDArray valid, NDArray positions, NDArray targets, NDArray targetPositions, NDArray targetMask,
        int[] responseLengths) {

    /**
     * Builds the batch in {@code m}.
     *
     * @throws IllegalArgumentException if a prompt is empty (the first token has no context to be predicted from)
     */
    public static SequenceBatch of(NDManager m, List<int[]> prompts, List<int[]> responses) {
        int b = prompts.size();
        if (b == 0 || responses.size() != b) {
            throw new IllegalArgumentException("need as many prompts as responses, and at least one; got " + b + " and "
                    + responses.size());
        }
        int t = 0;
        int r = 1;
        for (int i = 0; i < b; i++) {
            if (prompts.get(i).length == 0) {
                throw new IllegalArgumentException("prompt " + i + " is empty: its first response token has no context");
            }
            t = Math.max(t, prompts.get(i).length + responses.get(i).length);
            r = Math.max(r, responses.get(i).length);
        }
        long[] ids = new long[b * t];
        boolean[] valid = new boolean[b * t];
        long[] positions = new long[b * t];
        long[] targets = new long[b * r];
        long[] targetPositions = new long[b * r];
        float[] mask = new float[b * r];
        int[] lengths = new int[b];
        for (int i = 0; i < b; i++) {
            int[] p = prompts.get(i);
            int[] y = responses.get(i);
            lengths[i] = y.length;
            for (int j = 0; j < t; j++) {
                positions[i * t + j] = j;
            }
            for (int j = 0; j < p.length; j++) {
                ids[i * t + j] = p[j];
                valid[i * t + j] = true;
            }
            for (int j = 0; j < y.length; j++) {
                ids[i * t + p.length + j] = y[j];
                valid[i * t + p.length + j] = true;
                targets[i * r + j] = y[j];
                targetPositions[i * r + j] = p.length + j - 1;
                mask[i * r + j] = 1f;
            }
        }
        return new SequenceBatch(m.create(ids, new Shape(b, t)), m.create(valid, new Shape(b, t)),
                m.create(positions, new Shape(b, t)), m.create(targets, new Shape(b, r)),
                m.create(targetPositions, new Shape(b, r)), m.create(mask, new Shape(b, r)), lengths);
    }

    /** Batch size. */
    public int size() {
        return responseLengths.length;
    }
}
