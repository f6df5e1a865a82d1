package dev.feedloop.contracts.testkit;

import dev.feedloop.contracts.codec.JsonStrings;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.peft.PeftKeys;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes small but real PEFT LoRA adapter directories ({@code adapter_config.json} plus an {@code
 * adapter_model.safetensors} laid out byte-for-byte as the reference writer does), for tests of anything
 * that publishes, serves or reads adapters without a model engine.
 *
 * <p>The weights cover decoder layer 0 of an imaginary base model with hidden size {@link #HIDDEN}: for every
 * target module PEFT knows, {@code lora_A} is {@code [r, HIDDEN]} and {@code lora_B} is {@code [HIDDEN, r]},
 * F32, with small deterministic values. Stateless and thread-safe.
 */
public final class TinyPeftAdapters {
    /** The hidden size of the imaginary base model the weights are shaped for. */
    public static final int HIDDEN = 8;

    private TinyPeftAdapters() {}

    /**
     * Writes a servable adapter: {@link AdapterConfig#forServing} with rank {@code r}, alpha {@code 2r},
     * targets {@code q_proj} and {@code v_proj}.
     *
     * @param dir the adapter directory; created if missing
     * @param baseModel {@code base_model_name_or_path}
     * @param r the rank
     * @return {@code dir}
     * @throws IOException if writing fails
     */
    public static Path write(Path dir, String baseModel, int r) throws IOException {
        return write(dir, AdapterConfig.forServing(baseModel, r, 2 * r, List.of("q_proj", "v_proj")));
    }

    /**
     * Writes an adapter with any config (also unservable ones, to test refusals): the weights for each
     * target module PEFT knows, then the config.
     *
     * @param dir the adapter directory; created if missing
     * @param config the config to write
     * @return {@code dir}
     * @throws IOException if writing fails
     */
    public static Path write(Path dir, AdapterConfig config) throws IOException {
        Files.createDirectories(dir);
        Map<String, Tensor> tensors = new TreeMap<>();
        for (String module : config.targetModules()) {
            if (PeftKeys.MODULES.contains(module)) {
                int r = config.r();
                tensors.put(PeftKeys.loraA(0, module), new Tensor(new int[] {r, HIDDEN}, values(r * HIDDEN, 1)));
                tensors.put(PeftKeys.loraB(0, module), new Tensor(new int[] {HIDDEN, r}, values(HIDDEN * r, 2)));
            }
        }
        Files.write(dir.resolve("adapter_model.safetensors"), safetensors(tensors));
        config.write(dir);
        return dir;
    }

    /** An F32 tensor: its shape and row-major values. */
    record Tensor(int[] shape, float[] values) {}

    private static float[] values(int n, int salt) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = ((i * 7 + salt * 3) % 11 - 5) / 100f;
        }
        return v;
    }

    /**
     * The bytes of a safetensors file holding F32 tensors: u64 little-endian header length, compact JSON
     * header ({@code __metadata__} first, then tensors in offset order) padded with spaces to a multiple of
     * 8, then the data. All tensors are F32, so offset order is name order.
     */
    static byte[] safetensors(Map<String, Tensor> tensors) {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            long size = 4L * e.getValue().values().length;
            header.append(',');
            JsonStrings.appendQuoted(header, e.getKey(), false);
            header.append(":{\"dtype\":\"F32\",\"shape\":[");
            int[] shape = e.getValue().shape();
            for (int i = 0; i < shape.length; i++) {
                header.append(i == 0 ? "" : ",").append(shape[i]);
            }
            header.append("],\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            offset += size;
        }
        header.append('}');
        while (header.length() % 8 != 0) {
            header.append(' ');
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + json.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json);
        for (Tensor t : tensors.values()) {
            for (float f : t.values()) {
                out.putFloat(f);
            }
        }
        return out.array();
    }
}
