package dev.feedloop.djl.bench;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.model.Generator;
import dev.feedloop.djl.model.LlamaModel;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * {@code feedloop bench generate}: generated tokens per second of the same d=512, 8-layer model as
 * {@code bench train}, for a batch of prompts, with the KV cache and with full recomputation at every
 * step. Greedy decoding with EOS ignored, so both runs produce the same number of tokens.
 */
public final class GenerateBench {
    private static final ObjectMapper JSON = new ObjectMapper();

    private GenerateBench() {}

    /**
     * Runs the benchmark and returns one JSON object.
     *
     * @param batch prompts generated together
     * @param promptLen tokens per prompt
     * @param newTokens tokens generated per prompt
     */
    public static String run(int batch, int promptLen, int newTokens, PrintWriter progress) {
        TrainBench.Shape5 s = TrainBench.Shape5.standard();
        HfConfig c = new HfConfig("llama", s.vocab(), s.hidden(), s.intermediate(), s.layers(), s.heads(), s.heads(),
                s.hidden() / s.heads(), 1e-5, HfConfig.Rope.plain(10000.0), false, false, false, 4096, 1, List.of(2));
        Random r = new Random(3);
        List<Generator.Request> requests = new ArrayList<>();
        Generator.Params params = new Generator.Params(newTokens, 0, 1, 0, 1L, List.of(), Set.of(), 1, true);
        for (int i = 0; i < batch; i++) {
            requests.add(new Generator.Request(TrainBench.ids(r, promptLen, s.vocab()), params, null));
        }
        ObjectNode o = JSON.createObjectNode();
        o.put("bench", "generate");
        o.put("hidden", s.hidden());
        o.put("layers", s.layers());
        o.put("vocab", s.vocab());
        o.put("batch", batch);
        o.put("prompt_len", promptLen);
        o.put("new_tokens", newTokens);
        try (LlamaModel model = LlamaModel.create(c, TrainBench.randomWeights(c, r), Device.cpu())) {
            Generator g = new Generator(model, Arrays::toString);
            g.generate(List.of(new Generator.Request(TrainBench.ids(r, 8, s.vocab()), Generator.Params.greedy(4), null))); // warm-up
            double[] seconds = new double[2];
            List<List<Generator.Sample>> cached = null;
            List<List<Generator.Sample>> uncached = null;
            for (int pass = 0; pass < 2; pass++) {
                boolean useCache = pass == 0;
                progress.println("bench generate: " + (useCache ? "with" : "without") + " the KV cache ...");
                progress.flush();
                long t0 = System.nanoTime();
                List<List<Generator.Sample>> out = g.generate(requests, useCache);
                seconds[pass] = (System.nanoTime() - t0) / 1e9;
                if (useCache) {
                    cached = out;
                } else {
                    uncached = out;
                }
            }
            boolean same = true;
            for (int i = 0; i < batch; i++) {
                same &= Arrays.equals(cached.get(i).get(0).tokenIds(), uncached.get(i).get(0).tokenIds());
            }
            double tokens = (double) batch * newTokens;
            o.put("kv_cache_tokens_per_s", TrainBench.round(tokens / seconds[0]));
            o.put("no_cache_tokens_per_s", TrainBench.round(tokens / seconds[1]));
            o.put("kv_cache_speedup", TrainBench.round(seconds[1] / seconds[0]));
            o.put("outputs_identical", same);
        }
        return o.toString();
    }
}
