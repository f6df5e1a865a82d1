package dev.feedloop.sidecar.cli;

import dev.feedloop.sidecar.serve.ServeOptions;
import dev.feedloop.sidecar.serve.ServeRuntime;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code feedloop serve}: the embedded engine with vLLM's OpenAI-compatible API. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model with vLLM's OpenAI-compatible API (chat, completions, SSE, /v1/models, /tokenize, "
                + "/health) on the embedded DJL engine, with LoRA adapters chosen per request by 'model'.",
            "Runtime /v1/load_lora_adapter and /v1/unload_lora_adapter exist only with VLLM_ALLOW_RUNTIME_LORA_UPDATING=true, "
                    + "as in vLLM."})
final class ServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Listen address (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8001", description = "Listen port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--served-model-name", paramLabel = "NAME", description = "Public name of the base model (default: the --model path).")
    String servedModelName;

    @Option(names = "--max-loras", defaultValue = "4", description = "Adapters resident at once (default: ${DEFAULT-VALUE}).")
    int maxLoras;

    @Option(names = "--max-lora-rank", defaultValue = "64", description = "Largest adapter rank accepted (default: ${DEFAULT-VALUE}).")
    int maxLoraRank;

    @Option(names = "--lora-modules", arity = "1..*", paramLabel = "NAME=PATH", description = "Adapters to load at start.")
    List<String> loraModules = new ArrayList<>();

    @Option(names = "--workers", defaultValue = "1", description = "Generation threads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--max-batch", defaultValue = "8", description = "Sequences generated together (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--queue", defaultValue = "64", description = "Requests waiting for a worker before 503 (default: ${DEFAULT-VALUE}).")
    int queue;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Map<String, Path> modules = new LinkedHashMap<>();
        for (String m : loraModules) {
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1) {
                throw new CommandFailedException("--lora-modules '" + m + "': expected NAME=PATH");
            }
            modules.put(m.substring(0, eq), Path.of(m.substring(eq + 1)));
        }
        String allow = System.getenv().getOrDefault("VLLM_ALLOW_RUNTIME_LORA_UPDATING", "");
        boolean runtime = allow.equals("1") || allow.toLowerCase(Locale.ROOT).equals("true");
        ServeOptions options;
        try {
            options = new ServeOptions(model, host, port, servedModelName, maxLoras, maxLoraRank, modules, runtime, workers,
                    maxBatch, queue, 20);
        } catch (IllegalArgumentException e) {
            throw new CommandFailedException(e.getMessage());
        }
        ServeRuntime runtimeServer = ServeRuntime.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            runtimeServer.close();
            stopped.countDown();
        }, "feedloop-serve-shutdown"));
        spec.commandLine().getOut().println("feedloop serve: ready on " + runtimeServer.baseUrl() + " serving '"
                + options.baseName() + "'" + (modules.isEmpty() ? "" : " with adapters " + modules.keySet())
                + (runtime ? "; runtime LoRA updating enabled" : ""));
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
