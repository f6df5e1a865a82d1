package dev.feedloop.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

/**
 * Autoregressive generation with a KV cache: greedy, temperature, top-k, top-p, seeds, stop strings
 * and stop token ids, max tokens, n samples per prompt, several prompts (each with its own adapter)
 * in one batch.
 *
 * <p><b>Log-probs</b> are the natural-log probability of each generated token under the model at
 * <b>temperature 1</b>, before top-k/top-p (vLLM's default {@code raw_logprobs}); this is the
 * behaviour log-prob the trainer needs, independent of the sampling settings.
 *
 * <p><b>Seeds</b>: sample {@code i} of a request with seed {@code s} draws from its own generator
 * seeded from {@code (s, i)}, so results do not depend on what else is in the batch.
 *
 * <p>Prompts are left-padded so that every row's next token sits in the same slot; padding is masked
 * out of attention and does not shift positions.
 */
public final class Generator {
    private final LlamaModel model;
    private final Function<int[], String> detokenizer;

    /**
     * @param model the model
     * @param detokenizer turns token ids into text, for stop strings and the returned text
     */
    public Generator(LlamaModel model, Function<int[], String> detokenizer) {
        this.model = model;
        this.detokenizer = detokenizer;
    }

    /**
     * Sampling parameters of one request.
     *
     * @param maxTokens maximum new tokens
     * @param temperature 0 for greedy
     * @param topP nucleus mass in (0, 1]
     * @param topK 0 or negative for off
     * @param seed seed, or null for a random one
     * @param stop stop strings (the returned text ends before the first one found)
     * @param stopTokenIds token ids that end a sample (EOS ids are added unless {@code ignoreEos})
     * @param n samples
     * @param ignoreEos keep generating past EOS
     * @param topLogprobs how many most likely alternatives (with log-probs at temperature 1) to report per token; 0 for none
     */
    public record Params(int maxTokens, double temperature, double topP, int topK, Long seed, List<String> stop,
            Set<Integer> stopTokenIds, int n, boolean ignoreEos, int topLogprobs) {
        /** Parameters without top log-prob alternatives. */
        public Params(int maxTokens, double temperature, double topP, int topK, Long seed, List<String> stop,
                Set<Integer> stopTokenIds, int n, boolean ignoreEos) {
            this(maxTokens, temperature, topP, topK, seed, stop, stopTokenIds, n, ignoreEos, 0);
        }

        public Params {
            if (topLogprobs < 0) {
                throw new IllegalArgumentException("top_logprobs must be >= 0, got " + topLogprobs);
            }
            if (maxTokens < 1 || n < 1 || temperature < 0 || !(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("bad sampling parameters: max_tokens=" + maxTokens + " n=" + n
                        + " temperature=" + temperature + " top_p=" + topP);
            }
            stop = List.copyOf(stop);
            stopTokenIds = Set.copyOf(stopTokenIds);
        }

        /** Greedy decoding of up to {@code maxTokens}. */
        public static Params greedy(int maxTokens) {
            return new Params(maxTokens, 0, 1, 0, 0L, List.of(), Set.of(), 1, false);
        }
    }

    /**
     * One request: a prompt, its parameters and the adapter to use (null for the base model).
     *
     * @param promptIds prompt token ids (at least one)
     * @param params sampling parameters
     * @param adapter adapter, or null
     * @param cancelled polled before every step; once true, the request's samples end with {@code abort}
     */
    public record Request(int[] promptIds, Params params, LoraAdapter adapter, BooleanSupplier cancelled) {
        /** A request that is never cancelled. */
        public Request(int[] promptIds, Params params, LoraAdapter adapter) {
            this(promptIds, params, adapter, () -> false);
        }

        public Request {
            Objects.requireNonNull(promptIds, "promptIds");
            Objects.requireNonNull(params, "params");
            Objects.requireNonNull(cancelled, "cancelled");
            if (promptIds.length == 0) {
                throw new IllegalArgumentException("prompt must have at least one token");
            }
        }
    }

    /**
     * One generated sample.
     *
     * @param tokenIds generated tokens (a stop token id that ended it is included, as vLLM does for EOS in
     *     token ids; stop-string text is cut from {@code text})
     * @param logprobs log-prob of each token at temperature 1
     * @param text the detokenized text, cut before a matched stop string
     * @param finishReason {@code stop}, {@code length} or {@code abort}
     * @param stopReason the matched stop string or stop token id, null for EOS or length
     * @param topIds per token, the ids of the most likely alternatives (empty arrays unless requested)
     * @param topLogprobs per token, their log-probs at temperature 1
     */
    public record Sample(int[] tokenIds, float[] logprobs, String text, String finishReason, Object stopReason,
            List<int[]> topIds, List<float[]> topLogprobs) {}

    /**
     * Observes generation as it happens (for streaming). Called on the generating thread after every
     * token; implementations must be quick and must not call back into the generator.
     */
    public interface Listener {
        /**
         * A sample produced a token.
         *
         * @param topIds ids of the most likely alternatives (empty unless {@code topLogprobs} was asked)
         * @param topLogprobs their log-probs
         */
        void onToken(int request, int sample, int token, float logprob, int[] topIds, float[] topLogprobs);

        /** A sample finished. */
        void onFinish(int request, int sample, Sample result);
    }

    private static final Listener SILENT = new Listener() {
        @Override
        public void onToken(int request, int sample, int token, float logprob, int[] topIds, float[] topLogprobs) {}

        @Override
        public void onFinish(int request, int sample, Sample result) {}
    };

    /** Generates {@code n} samples for each request, batched together. */
    public List<List<Sample>> generate(List<Request> requests) {
        return generate(requests, true, SILENT);
    }

    /** Generates with the KV cache, reporting every token to {@code listener}. */
    public List<List<Sample>> generate(List<Request> requests, Listener listener) {
        return generate(requests, true, listener);
    }

    /**
     * Generates, optionally without the KV cache (every step recomputes the whole sequence), which
     * gives the same result and exists to check and measure the cache.
     */
    public List<List<Sample>> generate(List<Request> requests, boolean useCache) {
        return generate(requests, useCache, SILENT);
    }

    private List<List<Sample>> generate(List<Request> requests, boolean useCache, Listener listener) {
        List<Row> rows = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) {
            Request q = requests.get(r);
            long seed = q.params().seed() != null ? q.params().seed() : new Random().nextLong();
            for (int i = 0; i < q.params().n(); i++) {
                rows.add(new Row(r, i, q, new Random(seed * 1_000_003L + i)));
            }
        }
        try (NDManager m = model.manager().newSubManager()) {
            if (useCache) {
                runCached(m, rows, listener);
            } else {
                runUncached(m, rows, listener);
            }
        }
        List<List<Sample>> out = new ArrayList<>();
        for (int r = 0; r < requests.size(); r++) {
            out.add(new ArrayList<>());
        }
        for (Row row : rows) {
            out.get(row.request).add(row.toSample());
        }
        return out;
    }

    private void runCached(NDManager m, List<Row> rows, Listener listener) {
        int b = rows.size();
        int len = rows.stream().mapToInt(r -> r.prompt().length).max().orElseThrow();
        long[] ids = new long[b * len];
        boolean[] valid = new boolean[b * len];
        long[] pos = new long[b * len];
        for (int i = 0; i < b; i++) {
            int[] p = rows.get(i).prompt();
            int pad = len - p.length;
            for (int j = 0; j < p.length; j++) {
                ids[i * len + pad + j] = p[j];
                valid[i * len + pad + j] = true;
                pos[i * len + pad + j] = j;
            }
        }
        List<Row> active = new ArrayList<>(rows);
        KvCache cache = new KvCache(m, model.config().numLayers());
        try (NDManager step = m.newSubManager()) {
            float[] logits = lastLogits(step, active, ids, valid, pos, len, cache);
            advance(active, logits, listener);
        }
        while (true) {
            List<Integer> keep = new ArrayList<>();
            for (int i = 0; i < active.size(); i++) {
                if (!active.get(i).done) {
                    keep.add(i);
                }
            }
            if (keep.isEmpty()) {
                return;
            }
            if (keep.size() < active.size()) {
                long[] sel = keep.stream().mapToLong(Integer::longValue).toArray();
                try (NDManager s = m.newSubManager()) {
                    cache.select(s.create(sel));
                }
                List<Row> next = new ArrayList<>();
                keep.forEach(i -> next.add(active.get(i)));
                active.clear();
                active.addAll(next);
            }
            int n = active.size();
            long[] stepIds = new long[n];
            boolean[] stepValid = new boolean[n];
            long[] stepPos = new long[n];
            for (int i = 0; i < n; i++) {
                Row row = active.get(i);
                stepIds[i] = row.tokens.get(row.tokens.size() - 1);
                stepValid[i] = true;
                stepPos[i] = row.prompt().length + row.tokens.size() - 1;
            }
            try (NDManager step = m.newSubManager()) {
                float[] logits = lastLogits(step, active, stepIds, stepValid, stepPos, 1, cache);
                advance(active, logits, listener);
            }
        }
    }

    private void runUncached(NDManager m, List<Row> rows, Listener listener) {
        for (Row row : rows) {
            List<Row> one = List.of(row);
            while (!row.done) {
                int[] seq = row.sequence();
                long[] ids = Arrays.stream(seq).asLongStream().toArray();
                boolean[] valid = new boolean[seq.length];
                Arrays.fill(valid, true);
                long[] pos = new long[seq.length];
                for (int j = 0; j < pos.length; j++) {
                    pos[j] = j;
                }
                try (NDManager step = m.newSubManager()) {
                    advance(one, lastLogits(step, one, ids, valid, pos, seq.length, null), listener);
                }
            }
        }
    }

    /** Runs the model on {@code [B, t]} new tokens and returns the last position's logits, row-major {@code [B, V]}. */
    private float[] lastLogits(NDManager m, List<Row> rows, long[] ids, boolean[] valid, long[] pos, int t, KvCache cache) {
        int b = rows.size();
        NDArray idArr = m.create(ids, new Shape(b, t));
        NDArray validArr = m.create(valid, new Shape(b, t));
        NDArray posArr = m.create(pos, new Shape(b, t));
        List<LoraAdapter> adapters = new ArrayList<>(b);
        rows.forEach(r -> adapters.add(r.request().adapter()));
        NDArray hidden = model.hidden(m, idArr, posArr, validArr, cache, LoraRouting.perSequence(adapters), false);
        NDArray last = hidden.get(":, -1, :"); // [B, d]
        return model.logits(last).toType(DataType.FLOAT32, false).toFloatArray();
    }

    private void advance(List<Row> rows, float[] logits, Listener listener) {
        int v = model.config().vocabSize();
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (row.done) {
                continue;
            }
            if (row.req.cancelled().getAsBoolean()) {
                row.abort();
                listener.onFinish(row.request, row.index, row.toSample());
                continue;
            }
            float[] l = Arrays.copyOfRange(logits, i * v, (i + 1) * v);
            int token = Sampling.choose(l, row.request().params(), row.random);
            float lp = (float) Sampling.logSoftmaxAt(l, token);
            int k = row.req.params().topLogprobs();
            if (k > 0) {
                int[] ids = Sampling.topK(l, Math.min(k, v));
                float[] lps = new float[ids.length];
                for (int j = 0; j < ids.length; j++) {
                    lps[j] = (float) Sampling.logSoftmaxAt(l, ids[j]);
                }
                row.topIds.add(ids);
                row.topLps.add(lps);
            } else {
                row.topIds.add(new int[0]);
                row.topLps.add(new float[0]);
            }
            row.accept(token, lp);
            listener.onToken(row.request, row.index, token, lp, row.topIds.get(row.topIds.size() - 1),
                    row.topLps.get(row.topLps.size() - 1));
            if (row.done) {
                listener.onFinish(row.request, row.index, row.toSample());
            }
        }
    }

    /** One sample being generated. */
    private final class Row {
        final int request;
        final int index;
        final Request req;
        final List<int[]> topIds = new ArrayList<>();
        final List<float[]> topLps = new ArrayList<>();
        final Random random;
        final List<Integer> tokens = new ArrayList<>();
        final List<Float> logprobs = new ArrayList<>();
        boolean done;
        String finishReason;
        Object stopReason;
        String text = "";

        Row(int request, int index, Request req, Random random) {
            this.request = request;
            this.index = index;
            this.req = req;
            this.random = random;
        }

        Request request() {
            return req;
        }

        int[] prompt() {
            return req.promptIds();
        }

        int[] sequence() {
            int[] s = Arrays.copyOf(req.promptIds(), req.promptIds().length + tokens.size());
            for (int j = 0; j < tokens.size(); j++) {
                s[req.promptIds().length + j] = tokens.get(j);
            }
            return s;
        }

        void accept(int token, float logprob) {
            tokens.add(token);
            logprobs.add(logprob);
            Params p = req.params();
            boolean eos = !p.ignoreEos() && model.config().eosTokenIds().contains(token);
            if (eos || p.stopTokenIds().contains(token)) {
                done = true;
                finishReason = "stop";
                stopReason = eos && !p.stopTokenIds().contains(token) ? null : token;
                text = detokenizer.apply(ids(tokens.size() - 1));
                return;
            }
            if (!p.stop().isEmpty()) {
                String decoded = detokenizer.apply(ids(tokens.size()));
                for (String s : p.stop()) {
                    int at = decoded.indexOf(s);
                    if (at >= 0) {
                        done = true;
                        finishReason = "stop";
                        stopReason = s;
                        text = decoded.substring(0, at);
                        return;
                    }
                }
            }
            if (tokens.size() >= p.maxTokens()) {
                done = true;
                finishReason = "length";
                text = detokenizer.apply(ids(tokens.size()));
            }
        }

        void abort() {
            done = true;
            finishReason = "abort";
            text = detokenizer.apply(ids(tokens.size()));
        }

        int[] ids(int count) {
            int[] out = new int[count];
            for (int j = 0; j < count; j++) {
                out[j] = tokens.get(j);
            }
            return out;
        }

        Sample toSample() {
            float[] lp = new float[logprobs.size()];
            for (int j = 0; j < lp.length; j++) {
                lp[j] = logprobs.get(j);
            }
            return new Sample(ids(tokens.size()), lp, text, finishReason, stopReason, List.copyOf(topIds), List.copyOf(topLps));
        }
    }
}
