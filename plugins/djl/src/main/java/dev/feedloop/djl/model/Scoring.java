package dev.feedloop.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.List;

/** Per-token log-probabilities of responses under the base model or an adapter. */
public final class Scoring {
    private Scoring() {}

    /**
     * Differentiable per-token log-probs of a batch's response tokens, at temperature 1.
     *
     * @return {@code [B, R]}: natural-log probability of each response token given everything before
     *     it; padding slots hold 0
     */
    public static NDArray tokenLogProbs(LlamaModel model, NDManager m, SequenceBatch batch, LoraRouting lora, boolean training) {
        NDArray hidden = model.hidden(m, batch.ids(), batch.positions(), batch.valid(), null, lora, training); // [B, T, d]
        long b = hidden.getShape().get(0);
        long r = batch.targets().getShape().get(1);
        long d = hidden.getShape().get(2);
        // Only the positions that predict a response token need logits: gather them first ([B, R, d]).
        NDArray index = batch.targetPositions().expandDims(-1).broadcast(b, r, d);
        NDArray picked = hidden.gather(index, 1);
        NDArray logProbs = model.logits(picked).logSoftmax(-1); // [B, R, V]
        NDArray tokenLp = logProbs.gather(batch.targets().expandDims(-1), 2).squeeze(-1); // [B, R]
        return tokenLp.mul(batch.targetMask());
    }

    /**
     * Per-token log-probs of each response given its prompt, computed in one batch without gradients.
     *
     * @return one array per response, as long as the response
     */
    public static List<float[]> responseLogProbs(LlamaModel model, LoraRouting lora, List<int[]> prompts, List<int[]> responses) {
        try (NDManager m = model.manager().newSubManager()) {
            SequenceBatch batch = SequenceBatch.of(m, prompts, responses);
            float[] flat = tokenLogProbs(model, m, batch, lora, false).toType(DataType.FLOAT32, false).toFloatArray();
            int r = (int) batch.targets().getShape().get(1);
            List<float[]> out = new ArrayList<>(prompts.size());
            for (int i = 0; i < prompts.size(); i++) {
                float[] one = new float[batch.responseLengths()[i]];
                System.arraycopy(flat, i * r, one, 0, one.length);
                out.add(one);
            }
            return out;
        }
    }
}
