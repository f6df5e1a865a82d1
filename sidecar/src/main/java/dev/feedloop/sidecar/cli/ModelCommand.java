package dev.feedloop.sidecar.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.djl.PolicyEngine;
import dev.feedloop.djl.TinyCheckpoint;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.LoraRouting;
import dev.feedloop.djl.model.Scoring;
import dev.feedloop.djl.safetensors.Safetensors;
import dev.feedloop.djl.train.Pretrainer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code feedloop model}: tools of the DJL policy engine. */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Model tools: init-tiny (make a tiny HF checkpoint), score (per-token log-probs), pretrain.",
        subcommands = {ModelCommand.InitTiny.class, ModelCommand.Score.class, ModelCommand.Pretrain.class})
final class ModelCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_USAGE;
    }

    @Command(name = "init-tiny", mixinStandardHelpOptions = true,
            description = "Write a tiny Llama-architecture checkpoint in Hugging Face layout (config.json, tokenizer.json, "
                    + "tokenizer_config.json with a chat template, model.safetensors), deterministic for a seed, with GQA.")
    static final class InitTiny implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "New model directory (must not exist or be empty).")
        Path out;

        @Option(names = "--seed", defaultValue = "1", description = "Weight seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() throws IOException {
            var config = TinyCheckpoint.write(out, seed, TinyCheckpoint.Spec.standard());
            ObjectNode o = JSON.createObjectNode();
            o.put("model", out.toAbsolutePath().normalize().toString());
            o.put("seed", seed);
            o.put("vocab_size", config.vocabSize());
            o.put("hidden_size", config.hiddenSize());
            o.put("num_hidden_layers", config.numLayers());
            o.put("num_attention_heads", config.numHeads());
            o.put("num_key_value_heads", config.numKvHeads());
            spec.commandLine().getOut().println(o);
            return 0;
        }
    }

    @Command(name = "score", mixinStandardHelpOptions = true,
            description = {"Per-token log-probs of responses, for checking the engine against another implementation.",
                "Reads JSON lines {\"prompt_ids\":[...],\"response_ids\":[...]} and prints one line {\"logprobs\":[...]} "
                        + "per input: the natural-log probability of each response token given everything before it, "
                        + "at temperature 1."})
    static final class Score implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
        Path model;

        @Option(names = "--adapter", paramLabel = "PEFT_DIR", description = "Score under this PEFT LoRA adapter instead of the base.")
        Path adapter;

        @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "Input lines; '-' for stdin.")
        String input;

        @Option(names = "--batch", defaultValue = "16", description = "Lines scored together (default: ${DEFAULT-VALUE}).")
        int batch;

        @Override
        public Integer call() throws IOException {
            List<int[][]> items = readInput();
            PrintWriter out = spec.commandLine().getOut();
            try (PolicyEngine engine = PolicyEngine.load(model);
                    LoraAdapter lora = adapter == null ? null : engine.loadAdapter("score", adapter)) {
                LoraRouting routing = lora == null ? LoraRouting.none() : LoraRouting.single(lora);
                int vocab = engine.model().config().vocabSize();
                for (int i = 0; i < items.size(); i++) {
                    for (int[] ids : items.get(i)) {
                        for (int id : ids) {
                            if (id < 0 || id >= vocab) {
                                throw new CommandFailedException(input + " line " + (i + 1) + ": token id " + id
                                        + " is outside the vocabulary [0, " + vocab + ")");
                            }
                        }
                    }
                }
                for (int start = 0; start < items.size(); start += Math.max(1, batch)) {
                    List<int[][]> chunk = items.subList(start, Math.min(items.size(), start + Math.max(1, batch)));
                    List<float[]> lps = Scoring.responseLogProbs(engine.model(), routing,
                            chunk.stream().map(x -> x[0]).toList(), chunk.stream().map(x -> x[1]).toList());
                    for (float[] lp : lps) {
                        ObjectNode o = JSON.createObjectNode();
                        ArrayNode a = o.putArray("logprobs");
                        for (float v : lp) {
                            a.add(v);
                        }
                        out.println(o);
                    }
                }
                out.flush();
            }
            return 0;
        }

        private List<int[][]> readInput() throws IOException {
            List<int[][]> items = new ArrayList<>();
            try (BufferedReader r = input.equals("-")
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(Path.of(input), StandardCharsets.UTF_8)) {
                String line;
                int n = 0;
                while ((line = r.readLine()) != null) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    JsonNode node;
                    try {
                        node = JSON.readTree(line);
                    } catch (IOException e) {
                        throw new CommandFailedException(input + " line " + n + ": not JSON");
                    }
                    items.add(new int[][] {ids(node, "prompt_ids", n, false), ids(node, "response_ids", n, true)});
                }
            }
            return items;
        }

        private int[] ids(JsonNode node, String key, int line, boolean mayBeEmpty) {
            JsonNode a = node.get(key);
            if (a == null || !a.isArray() || (!mayBeEmpty && a.isEmpty())) {
                throw new CommandFailedException(input + " line " + line + ": " + key + " must be a "
                        + (mayBeEmpty ? "" : "non-empty ") + "array of token ids");
            }
            int[] out = new int[a.size()];
            for (int i = 0; i < out.length; i++) {
                if (!a.get(i).canConvertToInt()) {
                    throw new CommandFailedException(input + " line " + line + ": " + key + "[" + i + "] is not an integer");
                }
                out[i] = a.get(i).asInt();
            }
            return out;
        }
    }

    @Command(name = "pretrain", mixinStandardHelpOptions = true,
            description = "Train a base model's weights with next-token cross-entropy on a text corpus (all parameters, AdamW).")
    static final class Pretrain implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
        Path model;

        @Option(names = "--corpus", paramLabel = "FILE", description = "UTF-8 text (default: the built-in tiny corpus).")
        Path corpus;

        @Option(names = "--steps", required = true, paramLabel = "N", description = "Optimizer steps.")
        int steps;

        @Option(names = "--seq-len", defaultValue = "64", description = "Tokens per sequence (default: ${DEFAULT-VALUE}).")
        int seqLen;

        @Option(names = "--batch", defaultValue = "8", description = "Sequences per step (default: ${DEFAULT-VALUE}).")
        int batch;

        @Option(names = "--lr", defaultValue = "3e-3", description = "Peak learning rate (default: ${DEFAULT-VALUE}).")
        double lr;

        @Option(names = "--seed", defaultValue = "1", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
        long seed;

        @Override
        public Integer call() throws IOException {
            if (steps < 1 || seqLen < 2 || batch < 1 || !(lr > 0)) {
                throw new CommandFailedException("--steps, --seq-len (>= 2), --batch and --lr must be positive");
            }
            String text = corpus == null ? TinyCheckpoint.corpus() : Files.readString(corpus, StandardCharsets.UTF_8);
            PrintWriter err = spec.commandLine().getErr();
            try (PolicyEngine engine = PolicyEngine.load(model)) {
                int[] tokens = engine.tokenizer().encode(text, false);
                long t0 = System.nanoTime();
                List<Pretrainer.Progress> progress = Pretrainer.train(engine.model(), tokens, Math.min(seqLen, tokens.length - 1),
                        batch, steps, lr, seed, p -> {
                            if (p.step() == 1 || p.step() % 10 == 0 || p.step() == steps) {
                                err.printf("pretrain: step %d/%d loss %.4f (%.2f s)%n", p.step(), steps, p.loss(), p.seconds());
                                err.flush();
                            }
                        });
                Safetensors.write(model.resolve(Safetensors.SINGLE_FILE), engine.model().toTensors(), Map.of("format", "pt"));
                ObjectNode o = JSON.createObjectNode();
                o.put("model", model.toAbsolutePath().normalize().toString());
                o.put("corpus_tokens", tokens.length);
                o.put("steps", steps);
                o.put("first_loss", progress.get(0).loss());
                o.put("final_loss", progress.get(progress.size() - 1).loss());
                o.put("seconds", Math.round((System.nanoTime() - t0) / 1e7) / 100.0);
                spec.commandLine().getOut().println(o);
            }
            return 0;
        }
    }
}
