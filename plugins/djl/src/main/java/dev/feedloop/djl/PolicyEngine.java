package dev.feedloop.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.types.DataType;
import dev.feedloop.djl.hf.ChatTemplate;
import dev.feedloop.djl.hf.HfConfig;
import dev.feedloop.djl.hf.Tokenizer;
import dev.feedloop.djl.model.Generator;
import dev.feedloop.djl.model.LlamaModel;
import dev.feedloop.djl.model.LoraAdapter;
import dev.feedloop.djl.model.PeftBridge;
import dev.feedloop.djl.safetensors.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A Hugging Face model directory loaded for serving and training: {@code config.json}, the weights
 * ({@code model.safetensors} or a sharded index), {@code tokenizer.json} and, if present, the chat
 * template of {@code tokenizer_config.json}. Float32 on CPU; bfloat16 on a CUDA GPU when the engine
 * has one (the {@code -Pcuda} build).
 *
 * <p>Thread-safety: generation and scoring may run concurrently; training mutates only its adapter.
 */
public final class PolicyEngine implements AutoCloseable {
    private final Path dir;
    private final LlamaModel model;
    private final Tokenizer tokenizer;
    private final ChatTemplate chatTemplate;

    private PolicyEngine(Path dir, LlamaModel model, Tokenizer tokenizer, ChatTemplate chatTemplate) {
        this.dir = dir;
        this.model = model;
        this.tokenizer = tokenizer;
        this.chatTemplate = chatTemplate;
    }

    /**
     * Loads a model directory.
     *
     * @throws IOException naming the missing or malformed file
     */
    public static PolicyEngine load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a directory (expected a Hugging Face model directory)");
        }
        HfConfig config = HfConfig.read(dir);
        Device device = Engine.getEngine("PyTorch").defaultDevice();
        DataType dtype = device.isGpu() ? DataType.BFLOAT16 : DataType.FLOAT32;
        LlamaModel model = LlamaModel.create(config, Safetensors.readCheckpoint(dir), device, dtype);
        Tokenizer tokenizer = null;
        try {
            tokenizer = Tokenizer.load(dir);
            ChatTemplate template = Files.exists(dir.resolve("tokenizer_config.json")) || Files.exists(dir.resolve("chat_template.jinja"))
                    ? loadTemplate(dir) : null;
            return new PolicyEngine(dir, model, tokenizer, template);
        } catch (IOException | RuntimeException e) {
            if (tokenizer != null) {
                tokenizer.close();
            }
            model.close();
            throw e;
        }
    }

    private static ChatTemplate loadTemplate(Path dir) throws IOException {
        try {
            return ChatTemplate.load(dir);
        } catch (RuntimeException e) {
            return null; // a tokenizer_config.json without a chat template: plain prompts only
        }
    }

    /** The model directory. */
    public Path directory() {
        return dir;
    }

    /** The decoder. */
    public LlamaModel model() {
        return model;
    }

    /** The tokenizer. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /** The chat template, if the model has one. */
    public Optional<ChatTemplate> chatTemplate() {
        return Optional.ofNullable(chatTemplate);
    }

    /**
     * Renders chat messages with the model's template and tokenizes them (special tokens come from the
     * template, none are added).
     *
     * @throws IllegalStateException if the model has no chat template
     */
    public int[] encodeChat(List<ChatTemplate.Message> messages, boolean addGenerationPrompt) {
        if (chatTemplate == null) {
            throw new IllegalStateException("model " + dir + " has no chat template (tokenizer_config.json chat_template)");
        }
        return tokenizer.encode(chatTemplate.render(messages, addGenerationPrompt), false);
    }

    /** A generator that detokenizes with this model's tokenizer (skipping special tokens). */
    public Generator generator() {
        return new Generator(model, ids -> tokenizer.decode(ids, true));
    }

    /** Loads a PEFT adapter directory as an adapter of this model. */
    public LoraAdapter loadAdapter(String name, Path peftDir) throws IOException {
        return PeftBridge.read(model, name, peftDir);
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
    }
}
