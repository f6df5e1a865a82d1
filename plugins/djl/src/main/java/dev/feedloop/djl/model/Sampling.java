package dev.feedloop.djl.model;

import java.util.Arrays;
import java.util.Random;

/** Token choice from one row of logits: greedy, or temperature with top-k and top-p. Pure Java. */
final class Sampling {
    private Sampling() {}

    /** log softmax(logits)[token], computed stably in double. */
    static double logSoftmaxAt(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float x : logits) {
            max = Math.max(max, x);
        }
        double sum = 0;
        for (float x : logits) {
            sum += Math.exp(x - max);
        }
        return logits[token] - max - Math.log(sum);
    }

    static int choose(float[] logits, Generator.Params p, Random random) {
        if (p.temperature() == 0) {
            return argmax(logits);
        }
        int v = logits.length;
        double[] scaled = new double[v];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < v; i++) {
            scaled[i] = logits[i] / p.temperature();
            max = Math.max(max, scaled[i]);
        }
        double[] probs = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++) {
            probs[i] = Math.exp(scaled[i] - max);
            sum += probs[i];
        }
        Integer[] order = new Integer[v];
        for (int i = 0; i < v; i++) {
            order[i] = i;
            probs[i] /= sum;
        }
        Arrays.sort(order, (a, b) -> probs[b] != probs[a] ? Double.compare(probs[b], probs[a]) : Integer.compare(a, b));
        int keep = v;
        if (p.topK() > 0) {
            keep = Math.min(keep, p.topK());
        }
        if (p.topP() < 1) {
            double cumulative = 0;
            for (int i = 0; i < keep; i++) {
                cumulative += probs[order[i]];
                if (cumulative >= p.topP()) {
                    keep = i + 1;
                    break;
                }
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) {
            total += probs[order[i]];
        }
        double u = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            u -= probs[order[i]];
            if (u <= 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }

    /** The ids of the k largest logits, largest first (ties: lower id first). */
    static int[] topK(float[] logits, int k) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> logits[b] != logits[a] ? Float.compare(logits[b], logits[a]) : Integer.compare(a, b));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        return out;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
