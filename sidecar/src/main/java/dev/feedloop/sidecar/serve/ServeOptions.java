package dev.feedloop.sidecar.serve;

import java.nio.file.Path;
import java.util.Map;

/**
 * Settings of the embedded serving engine ({@code feedloop serve}).
 *
 * @param model Hugging Face model directory
 * @param host listen address
 * @param port listen port (0 = any free port)
 * @param servedModelName the base model's public name (vLLM {@code --served-model-name}); the directory path if null
 * @param maxLoras adapters resident at once; loading more is refused
 * @param maxLoraRank largest rank accepted
 * @param loraModules adapters loaded at start, name to PEFT directory
 * @param runtimeLoraUpdating whether {@code /v1/load_lora_adapter} and {@code /v1/unload_lora_adapter} exist
 *     ({@code VLLM_ALLOW_RUNTIME_LORA_UPDATING})
 * @param workers generation threads
 * @param maxBatch sequences generated together by one worker
 * @param queueCapacity requests waiting for a worker; beyond this, 503 with Retry-After
 * @param maxLogprobs largest {@code top_logprobs} accepted (vLLM {@code --max-logprobs})
 */
public record ServeOptions(
        Path model,
        String host,
        int port,
        String servedModelName,
        int maxLoras,
        int maxLoraRank,
        Map<String, Path> loraModules,
        boolean runtimeLoraUpdating,
        int workers,
        int maxBatch,
        int queueCapacity,
        int maxLogprobs) {

    public ServeOptions {
        loraModules = Map.copyOf(loraModules);
        if (maxLoras < 1 || workers < 1 || maxBatch < 1 || queueCapacity < 1 || maxLoraRank < 1) {
            throw new IllegalArgumentException("max-loras, max-lora-rank, workers, max-batch and queue must be at least 1");
        }
    }

    /** Loopback, defaults as vLLM's where it has them, for tests. */
    public static ServeOptions local(Path model, int port) {
        return new ServeOptions(model, "127.0.0.1", port, null, 4, 64, Map.of(), true, 1, 8, 64, 20);
    }

    /** The base model's public name. */
    public String baseName() {
        return servedModelName != null ? servedModelName : model.toString();
    }

    /** The same options with runtime LoRA updating on or off. */
    public ServeOptions withRuntimeLoraUpdating(boolean on) {
        return new ServeOptions(model, host, port, servedModelName, maxLoras, maxLoraRank, loraModules, on, workers, maxBatch,
                queueCapacity, maxLogprobs);
    }

    /** The same options with another queue capacity and worker count. */
    public ServeOptions withCapacity(int newWorkers, int newMaxBatch, int newQueue) {
        return new ServeOptions(model, host, port, servedModelName, maxLoras, maxLoraRank, loraModules, runtimeLoraUpdating,
                newWorkers, newMaxBatch, newQueue, maxLogprobs);
    }

    /** The same options with a served model name. */
    public ServeOptions withServedModelName(String name) {
        return new ServeOptions(model, host, port, name, maxLoras, maxLoraRank, loraModules, runtimeLoraUpdating, workers,
                maxBatch, queueCapacity, maxLogprobs);
    }
}
