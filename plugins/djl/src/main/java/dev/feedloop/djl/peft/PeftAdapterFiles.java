package dev.feedloop.djl.peft;

import dev.feedloop.contracts.io.DurableFiles;
import dev.feedloop.contracts.peft.AdapterConfig;
import dev.feedloop.contracts.peft.InvalidAdapterException;
import dev.feedloop.contracts.peft.PeftKeys.Matrix;
import dev.feedloop.contracts.peft.PeftKeys.Parsed;
import dev.feedloop.contracts.peft.PeftKeys;
import dev.feedloop.djl.safetensors.Safetensors;
import dev.feedloop.djl.safetensors.SafetensorsFormatException;
import dev.feedloop.djl.safetensors.TensorData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A PEFT LoRA adapter directory: {@code adapter_config.json} plus {@code adapter_model.safetensors} (header
 * metadata {@code {"format":"pt"}}), as PEFT's {@code save_pretrained} writes it and vLLM, SGLang and LoRAX load it.
 *
 * <p>Both directions check that the weights match the config (see {@link #check}). Writing is atomic at the
 * directory level: the files are written and fsynced in a hidden temporary sibling directory, which is then
 * renamed to the target, so a reader (or a server polling a directory) never sees a half-written adapter.
 *
 * <p>All methods are stateless and safe to call from any thread.
 */
public final class PeftAdapterFiles {
    /** The config file name. */
    public static final String CONFIG_FILE = AdapterConfig.FILE_NAME;
    /** The weights file name. */
    public static final String WEIGHTS_FILE = "adapter_model.safetensors";
    /** The safetensors header metadata PEFT writes. */
    public static final Map<String, String> WEIGHTS_METADATA = Map.of("format", "pt");

    private static final Set<String> DTYPES = Set.of("F32", "F16", "BF16");
    /** Layer, then module in {@link PeftKeys#MODULES} order, then A before B. */
    private static final Comparator<Parsed> CANONICAL_ORDER = Comparator.comparingInt(Parsed::layer)
            .thenComparingInt(p -> PeftKeys.MODULES.indexOf(p.module()))
            .thenComparing(Parsed::matrix);

    private PeftAdapterFiles() {
    }

    /**
     * An adapter read from disk.
     *
     * @param config its config
     * @param weights its LoRA weights under the keys the file uses, in file order (unmodifiable)
     */
    public record Adapter(AdapterConfig config, Map<String, TensorData> weights) {
        /** Copies the weights. */
        public Adapter {
            Objects.requireNonNull(config, "config");
            weights = Collections.unmodifiableMap(new LinkedHashMap<>(weights));
        }
    }

    /**
     * Writes a new adapter directory atomically. The weights are stored under their canonical keys
     * ({@link Parsed#key()}), so {@code .default} segments and missing prefixes are normalised away.
     *
     * <p><b>Warning:</b> the existence check and the final rename are two steps; a directory created at
     * {@code dir} in between is replaced if it is empty (POSIX {@code rename}) and makes the call fail otherwise.
     *
     * @param dir the adapter directory to create; must not exist; missing parents are created
     * @param config the config, written as {@code adapter_config.json}
     * @param loraWeights LoRA weights keyed as {@link PeftKeys#parse} accepts
     * @throws IllegalArgumentException if the weights do not match the config (every problem is listed), before
     *     anything touches the disk
     * @throws FileAlreadyExistsException if {@code dir} exists
     * @throws IOException if writing fails; nothing is left behind
     */
    public static void write(Path dir, AdapterConfig config, Map<String, TensorData> loraWeights) throws IOException {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(loraWeights, "loraWeights");
        List<String> problems = check(config, loraWeights);
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "the adapter weights do not match the config: " + String.join("; ", problems));
        }
        Map<String, TensorData> canonical = new LinkedHashMap<>();
        loraWeights.forEach((key, tensor) -> canonical.put(PeftKeys.parse(key).key(), tensor));

        Path target = dir.toAbsolutePath().normalize();
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(target.toString(), null, "adapter directory already exists");
        }
        Path parent = Files.createDirectories(target.getParent());
        Path tmp = parent.resolve("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
        Files.createDirectory(tmp);
        try {
            byte[] json = config.toJson().getBytes(StandardCharsets.UTF_8);
            DurableFiles.writeAndSync(tmp.resolve(CONFIG_FILE), out -> out.write(json));
            Safetensors.write(tmp.resolve(WEIGHTS_FILE), canonical, WEIGHTS_METADATA);
            DurableFiles.syncDirectory(tmp);
            if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                throw new FileAlreadyExistsException(target.toString(), null,
                        "adapter directory appeared while writing");
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            try {
                DurableFiles.deleteRecursively(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        DurableFiles.syncDirectory(parent);
    }

    /**
     * Reads and checks an adapter directory.
     *
     * @param dir the adapter directory
     * @return the config and the weights
     * @throws NoSuchFileException if {@code adapter_config.json} or {@code adapter_model.safetensors} is missing
     * @throws InvalidAdapterException if the config is malformed or the weights do not match it (every problem
     *     is listed)
     * @throws SafetensorsFormatException if the weights file is malformed
     * @throws IOException if a file cannot be read
     */
    public static Adapter read(Path dir) throws IOException {
        AdapterConfig config = AdapterConfig.read(dir);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        if (!Files.isRegularFile(weightsFile)) {
            boolean bin = Files.exists(dir.resolve("adapter_model.bin"));
            throw new NoSuchFileException(weightsFile.toString(), null, "no " + WEIGHTS_FILE
                    + (bin ? " (adapter_model.bin is not supported; save with safe_serialization=True)" : ""));
        }
        Map<String, TensorData> weights = Safetensors.read(weightsFile);
        List<String> problems = check(config, weights);
        if (!problems.isEmpty()) {
            throw new InvalidAdapterException(weightsFile.toString(), problems);
        }
        return new Adapter(config, weights);
    }

    /**
     * Checks LoRA weights against a config. Every key must parse with {@link PeftKeys#parse} and name a module in
     * {@code target_modules}; each weight must be a 2-D F32, F16 or BF16 tensor, {@code lora_A} {@code [r, in]} and
     * {@code lora_B} {@code [out, r]} with {@code r} the module's rank ({@link AdapterConfig#rankFor}); every
     * module that has one factor must have the other; every target module must have weights in at least one
     * layer; and a module's {@code in} and {@code out} must agree across layers.
     *
     * @param config the config
     * @param weights the weights by key
     * @return one message per problem, naming the key; empty if the weights match
     */
    public static List<String> check(AdapterConfig config, Map<String, TensorData> weights) {
        List<String> problems = new ArrayList<>();
        // Parse first, then check in canonical order (layer, module, A before B), so that the problems and their
        // wording do not depend on the order of the map or of the file.
        TreeMap<String, String> unparsable = new TreeMap<>();
        TreeMap<Parsed, List<String>> byWeight = new TreeMap<>(CANONICAL_ORDER);
        for (String key : weights.keySet()) {
            try {
                byWeight.computeIfAbsent(PeftKeys.parse(key), k -> new ArrayList<>()).add(key);
            } catch (IllegalArgumentException notLora) {
                unparsable.put(key, notLora.getMessage());
            }
        }
        problems.addAll(unparsable.values());
        Map<String, EnumSet<Matrix>> factors = new LinkedHashMap<>();
        Map<String, Dimension> inFeatures = new HashMap<>();
        Map<String, Dimension> outFeatures = new HashMap<>();
        Set<String> modulesWithWeights = new HashSet<>();
        for (Map.Entry<Parsed, List<String>> e : byWeight.entrySet()) {
            Parsed p = e.getKey();
            List<String> keys = e.getValue();
            modulesWithWeights.add(p.module());
            factors.computeIfAbsent(p.modulePath(), k -> EnumSet.noneOf(Matrix.class)).add(p.matrix());
            if (keys.size() > 1) {
                problems.add(keys.stream().sorted().map(k -> "'" + k + "'").collect(Collectors.joining(" and "))
                        + " name the same weight");
                continue;
            }
            String key = keys.get(0);
            TensorData tensor = weights.get(key);
            if (!config.targetModules().contains(p.module())) {
                problems.add("'" + key + "': " + p.module() + " is not in target_modules " + config.targetModules());
            }
            if (!DTYPES.contains(tensor.dtype())) {
                problems.add("'" + key + "': dtype " + tensor.dtype()
                        + " is not a LoRA weight dtype (F32, F16 or BF16)");
            }
            checkShape(key, p, tensor.shape(), config.rankFor(p.modulePath()), inFeatures, outFeatures, problems);
        }
        factors.forEach((modulePath, present) -> {
            if (present.size() == 1) {
                Matrix has = present.iterator().next();
                Matrix missing = has == Matrix.A ? Matrix.B : Matrix.A;
                Parsed p = PeftKeys.parse(modulePath + ".lora_" + missing + ".weight");
                problems.add(modulePath + " has lora_" + has + " but no lora_" + missing + " ('" + p.key() + "')");
            }
        });
        for (String target : config.targetModules()) {
            if (!modulesWithWeights.contains(target)) {
                problems.add("target module " + target + " has no lora_A/lora_B weights");
            }
        }
        return problems;
    }

    /** A module's in or out size, with the key it was first seen in. */
    private record Dimension(long size, String key) {
    }

    private static void checkShape(String key, Parsed p, long[] shape, int rank, Map<String, Dimension> inFeatures,
            Map<String, Dimension> outFeatures, List<String> problems) {
        String factor = "lora_" + p.matrix();
        String expected = p.matrix() == Matrix.A ? "[" + rank + ", in_features]" : "[out_features, " + rank + "]";
        if (shape.length != 2) {
            problems.add("'" + key + "': " + factor + " must be 2-D " + expected + ", got " + Arrays.toString(shape));
            return;
        }
        int rankAxis = p.matrix() == Matrix.A ? 0 : 1;
        long features = shape[1 - rankAxis];
        if (shape[rankAxis] != rank) {
            problems.add("'" + key + "': " + factor + " is " + Arrays.toString(shape) + ", but r for " + p.modulePath()
                    + " is " + rank + ", so it must be " + expected);
        }
        if (features < 1) {
            problems.add("'" + key + "': " + factor + " is " + Arrays.toString(shape) + "; "
                    + (p.matrix() == Matrix.A ? "in_features" : "out_features") + " must be positive");
            return;
        }
        Map<String, Dimension> seen = p.matrix() == Matrix.A ? inFeatures : outFeatures;
        Dimension first = seen.putIfAbsent(p.module(), new Dimension(features, key));
        if (first != null && first.size() != features) {
            problems.add("'" + key + "': " + (p.matrix() == Matrix.A ? "in_features " : "out_features ") + features
                    + " differs from " + first.size() + " in '" + first.key() + "'");
        }
    }
}
