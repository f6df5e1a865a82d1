package dev.feedloop.contracts.peft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.feedloop.contracts.io.DurableFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The LoRA part of a PEFT {@code adapter_config.json} ({@code LoraConfig} plus the {@code PeftConfig} fields
 * servers read).
 *
 * <p>{@link #read(Path)} accepts real PEFT files: unknown keys are ignored and absent optional keys take PEFT's
 * defaults. {@code r}, {@code lora_alpha} and {@code target_modules} are required, as vLLM requires them.
 * {@link #write(Path)} writes the file as PEFT does ({@code json.dumps(indent=2, sort_keys=True)}) with the keys of
 * the minimal config vLLM accepts, so keys this record does not model are not carried over.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param r the rank
 * @param loraAlpha alpha; the update is scaled by {@link #scaling()}
 * @param targetModules module-name suffixes LoRA wraps, e.g. {@code q_proj}; non-empty (a regex string is not
 *     supported)
 * @param loraDropout training-time dropout on the LoRA input, in [0, 1]
 * @param useRslora rank-stabilized scaling, {@code alpha / sqrt(r)}
 * @param baseModelNameOrPath the base model; vLLM's filesystem resolver needs it to equal {@code --model}; nullable
 * @param bias {@code none}, {@code all} or {@code lora_only}; serving stacks need {@code none}
 * @param useDora weight-decomposed LoRA; not servable
 * @param modulesToSave fully trained extra modules, or {@code null}; servable only when null or empty
 * @param rankPattern per-module rank overrides, keyed by a module-path suffix or regex; sorted by key
 * @param alphaPattern per-module alpha overrides, keyed like {@code rankPattern}; sorted by key
 * @param fanInFanOut whether the base layer stores {@code [in, out]} (GPT-2 Conv1D); false for Llama
 * @param inferenceMode whether the adapter was saved for inference
 * @param peftType {@code LORA} for this record to be meaningful; nullable when read from a file without it
 * @param taskType e.g. {@code CAUSAL_LM}; nullable
 * @param peftVersion the PEFT version that wrote the file; nullable, and then not written
 */
public record AdapterConfig(
        int r,
        int loraAlpha,
        List<String> targetModules,
        double loraDropout,
        boolean useRslora,
        String baseModelNameOrPath,
        String bias,
        boolean useDora,
        List<String> modulesToSave,
        Map<String, Integer> rankPattern,
        Map<String, Integer> alphaPattern,
        boolean fanInFanOut,
        boolean inferenceMode,
        String peftType,
        String taskType,
        String peftVersion) {

    /** The file name PEFT uses. */
    public static final String FILE_NAME = "adapter_config.json";

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    /**
     * Validates and copies the arguments.
     *
     * @throws IllegalArgumentException if {@code r < 1}, {@code targetModules} is empty or has blank entries,
     *     {@code loraDropout} is outside [0, 1], a pattern has a null key or value, or a rank pattern value is below 1
     * @throws NullPointerException if {@code targetModules} or {@code bias} is null
     */
    public AdapterConfig {
        if (r < 1) {
            throw new IllegalArgumentException("r must be at least 1, got " + r);
        }
        targetModules = List.copyOf(Objects.requireNonNull(targetModules, "targetModules"));
        if (targetModules.isEmpty() || targetModules.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("target_modules must name at least one module, and no blank one, got "
                    + targetModules);
        }
        if (!(loraDropout >= 0 && loraDropout <= 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1], got " + loraDropout);
        }
        Objects.requireNonNull(bias, "bias");
        modulesToSave = modulesToSave == null ? null : List.copyOf(modulesToSave);
        rankPattern = sortedCopy(rankPattern, "rank_pattern");
        alphaPattern = sortedCopy(alphaPattern, "alpha_pattern");
        rankPattern.forEach((k, v) -> {
            if (v < 1) {
                throw new IllegalArgumentException("rank_pattern['" + k + "'] must be at least 1, got " + v);
            }
        });
    }

    private static Map<String, Integer> sortedCopy(Map<String, Integer> pattern, String name) {
        TreeMap<String, Integer> copy = new TreeMap<>();
        if (pattern != null) {
            pattern.forEach((k, v) -> {
                if (k == null || v == null) {
                    throw new IllegalArgumentException(name + " has a null key or value: " + k + " -> " + v);
                }
                copy.put(k, v);
            });
        }
        return Collections.unmodifiableMap(copy);
    }

    /**
     * A config that every serving stack accepts: dropout 0, no bias, no DoRA, no rsLoRA, no modules to save,
     * no rank or alpha patterns, {@code inference_mode} true, {@code peft_type} LORA, {@code task_type} CAUSAL_LM.
     *
     * @param baseModelNameOrPath the base model, exactly as the server's {@code --model}
     * @param r the rank
     * @param loraAlpha alpha
     * @param targetModules module names from {@link PeftKeys#MODULES}
     * @return the config
     */
    public static AdapterConfig forServing(String baseModelNameOrPath, int r, int loraAlpha,
            List<String> targetModules) {
        return new AdapterConfig(r, loraAlpha, targetModules, 0.0, false, baseModelNameOrPath, "none", false, null,
                Map.of(), Map.of(), false, true, "LORA", "CAUSAL_LM", null);
    }

    // ---------------------------------------------------------------------------------------------- semantics

    /**
     * The factor the LoRA update {@code B·A} is multiplied by: {@code lora_alpha / r}, or
     * {@code lora_alpha / sqrt(r)} with rsLoRA (PEFT {@code LoraLayer.update_layer}).
     *
     * @return the global scaling, ignoring rank and alpha patterns
     */
    public double scaling() {
        return scaling(loraAlpha, r);
    }

    /**
     * The scaling of one module, honouring {@code rank_pattern} and {@code alpha_pattern}.
     *
     * @param modulePath the module's path in the base model, e.g. {@code model.layers.0.self_attn.q_proj}
     * @return {@code alphaFor(path) / rankFor(path)}, or over its square root with rsLoRA
     */
    public double scalingFor(String modulePath) {
        return scaling(alphaFor(modulePath), rankFor(modulePath));
    }

    private double scaling(int alpha, int rank) {
        return useRslora ? alpha / Math.sqrt(rank) : (double) alpha / rank;
    }

    /**
     * The rank of one module: the value of the first {@code rank_pattern} key (in key order) that matches, else
     * {@code r}. As in PEFT ({@code get_pattern_key}), a key matches when the path is the key, or ends with
     * {@code .} followed by the key, the key read as a regular expression.
     *
     * @param modulePath the module's path in the base model, e.g. {@code model.layers.0.self_attn.q_proj}
     * @return the rank
     */
    public int rankFor(String modulePath) {
        return lookup(rankPattern, modulePath, r);
    }

    /**
     * The alpha of one module, matched against {@code alpha_pattern} as {@link #rankFor} matches ranks.
     *
     * @param modulePath the module's path in the base model
     * @return the alpha
     */
    public int alphaFor(String modulePath) {
        return lookup(alphaPattern, modulePath, loraAlpha);
    }

    private static int lookup(Map<String, Integer> pattern, String modulePath, int fallback) {
        Objects.requireNonNull(modulePath, "modulePath");
        for (Map.Entry<String, Integer> e : pattern.entrySet()) {
            if (patternMatches(e.getKey(), modulePath)) {
                return e.getValue();
            }
        }
        return fallback;
    }

    private static boolean patternMatches(String key, String path) {
        try {
            return Pattern.compile("(.*\\.)?(" + key + ")").matcher(path).matches();
        } catch (PatternSyntaxException notARegex) {
            return path.equals(key) || path.endsWith("." + key); // PEFT would fail; treat the key literally
        }
    }

    /**
     * The largest rank of any module: {@code max(r, rank_pattern values)}, which newer vLLM compares with
     * {@code --max-lora-rank}.
     *
     * @return the rank a server must support
     */
    public int maxRank() {
        return Math.max(r, rankPattern.values().stream().mapToInt(Integer::intValue).max().orElse(r));
    }

    /**
     * The reasons a serving stack (vLLM, SGLang, LoRAX) would refuse this adapter.
     *
     * @param maxRank the server's maximum LoRA rank ({@code --max-lora-rank})
     * @return one message per problem, empty if the adapter is servable
     * @throws IllegalArgumentException if {@code maxRank < 1}
     */
    public List<String> validateForServing(int maxRank) {
        if (maxRank < 1) {
            throw new IllegalArgumentException("maxRank must be at least 1, got " + maxRank);
        }
        List<String> reasons = new ArrayList<>();
        if (!"LORA".equals(peftType)) {
            String actual = peftType == null ? "missing" : "'" + peftType + "'";
            reasons.add("peft_type is " + actual + "; it must be 'LORA'");
        }
        if (r > maxRank) {
            reasons.add("r " + r + " exceeds the maximum LoRA rank " + maxRank);
        }
        rankPattern.forEach((k, v) -> {
            if (v > maxRank) {
                reasons.add("rank_pattern['" + k + "'] " + v + " exceeds the maximum LoRA rank " + maxRank);
            }
        });
        if (!"none".equals(bias)) {
            reasons.add("bias is '" + bias + "'; it must be 'none' (adapter bias is not supported)");
        }
        if (useDora) {
            reasons.add("use_dora is true; DoRA is not supported");
        }
        if (modulesToSave != null && !modulesToSave.isEmpty()) {
            reasons.add("modules_to_save is " + modulesToSave + "; it must be null");
        }
        List<String> unsupported = targetModules.stream().filter(m -> !PeftKeys.MODULES.contains(m)).toList();
        if (!unsupported.isEmpty()) {
            reasons.add("target_modules " + unsupported + " are not among the supported " + PeftKeys.MODULES);
        }
        return reasons;
    }

    // ---------------------------------------------------------------------------------------------- files

    /**
     * Reads {@code <dir>/adapter_config.json}.
     *
     * @param dir the adapter directory
     * @return the config
     * @throws NoSuchFileException if the file does not exist
     * @throws InvalidAdapterException if it is not valid JSON, has duplicate keys, or a key has the wrong type
     *     or value; the exception lists every problem
     * @throws IOException if the file cannot be read
     */
    public static AdapterConfig read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no " + FILE_NAME + " (not a PEFT adapter directory)");
        }
        return parse(Files.readAllBytes(file), file.toString());
    }

    /**
     * Parses the content of an {@code adapter_config.json}.
     *
     * @param json the file's bytes (UTF-8)
     * @param source named in error messages
     * @return the config
     * @throws InvalidAdapterException listing every problem found
     */
    public static AdapterConfig parse(byte[] json, String source) throws InvalidAdapterException {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidAdapterException(source, List.of("not valid JSON: " + e.getOriginalMessage()));
        } catch (IOException e) {
            throw new InvalidAdapterException(source, List.of("cannot be parsed: " + e.getMessage()));
        }
        if (root == null || !root.isObject()) {
            throw new InvalidAdapterException(source, List.of("must be a JSON object"));
        }
        Fields f = new Fields(root);
        int r = f.integer("r", null);
        int alpha = f.integer("lora_alpha", null);
        List<String> targets = f.targetModules();
        double dropout = f.number("lora_dropout", 0.0);
        boolean rslora = f.bool("use_rslora");
        String base = f.string("base_model_name_or_path", null);
        String bias = f.string("bias", "none");
        boolean dora = f.bool("use_dora");
        List<String> modulesToSave = f.strings("modules_to_save");
        Map<String, Integer> rankPattern = f.integers("rank_pattern");
        Map<String, Integer> alphaPattern = f.integers("alpha_pattern");
        boolean fanInFanOut = f.bool("fan_in_fan_out");
        boolean inference = f.bool("inference_mode");
        String peftType = f.string("peft_type", null);
        String taskType = f.string("task_type", null);
        String version = f.string("peft_version", null);
        if (!f.problems.isEmpty()) {
            throw new InvalidAdapterException(source, f.problems);
        }
        try {
            return new AdapterConfig(r, alpha, targets, dropout, rslora, base, bias, dora,
                    modulesToSave, rankPattern, alphaPattern, fanInFanOut, inference, peftType, taskType, version);
        } catch (IllegalArgumentException e) {
            throw new InvalidAdapterException(source, List.of(e.getMessage()));
        }
    }

    /**
     * Writes {@code <dir>/adapter_config.json} atomically (temporary file, fsync, rename), replacing any
     * existing one.
     *
     * @param dir an existing directory
     * @throws IOException if writing fails; the previous file, if any, is then untouched
     */
    public void write(Path dir) throws IOException {
        byte[] json = toJson().getBytes(StandardCharsets.UTF_8);
        DurableFiles.writeAtomically(dir.resolve(FILE_NAME), out -> out.write(json));
    }

    /**
     * The file content, exactly as PEFT would write these values: sorted keys, two-space indent, no trailing
     * newline.
     *
     * @return the JSON text
     */
    public String toJson() {
        Map<String, Object> out = new TreeMap<>();
        out.put("alpha_pattern", alphaPattern);
        out.put("base_model_name_or_path", baseModelNameOrPath);
        out.put("bias", bias);
        out.put("fan_in_fan_out", fanInFanOut);
        out.put("inference_mode", inferenceMode);
        out.put("lora_alpha", loraAlpha);
        out.put("lora_dropout", loraDropout);
        out.put("modules_to_save", modulesToSave);
        out.put("peft_type", peftType);
        if (peftVersion != null) {
            out.put("peft_version", peftVersion);
        }
        out.put("r", r);
        out.put("rank_pattern", rankPattern);
        out.put("target_modules", targetModules);
        out.put("task_type", taskType);
        out.put("use_dora", useDora);
        out.put("use_rslora", useRslora);
        return PythonJson.dumps(out);
    }

    /** Typed field access that collects problems instead of stopping at the first. */
    private static final class Fields {
        private final JsonNode root;
        private final List<String> problems = new ArrayList<>();

        Fields(JsonNode root) {
            this.root = root;
        }

        private JsonNode get(String key) {
            JsonNode v = root.get(key);
            return v == null || v.isNull() ? null : v;
        }

        /** An integer; {@code 32.0} is accepted as 32. A null fallback makes the key required. */
        int integer(String key, Integer fallback) {
            JsonNode v = get(key);
            if (v == null) {
                if (fallback == null) {
                    problems.add(key + " is required");
                    return 1;
                }
                return fallback;
            }
            Integer i = asInt(v);
            if (i == null) {
                problems.add(key + " must be an integer, got " + v);
                return 1;
            }
            return i;
        }

        double number(String key, double fallback) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isNumber()) {
                problems.add(key + " must be a number, got " + v);
                return fallback;
            }
            return v.asDouble();
        }

        boolean bool(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return false;
            }
            if (!v.isBoolean()) {
                problems.add(key + " must be true or false, got " + v);
                return false;
            }
            return v.asBoolean();
        }

        String string(String key, String fallback) {
            JsonNode v = get(key);
            if (v == null) {
                return fallback;
            }
            if (!v.isTextual()) {
                problems.add(key + " must be a string, got " + v);
                return fallback;
            }
            return v.asText();
        }

        /** A list of strings, or null. */
        List<String> strings(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return null;
            }
            if (!v.isArray()) {
                problems.add(key + " must be a list of strings or null, got " + v);
                return null;
            }
            List<String> out = new ArrayList<>();
            for (JsonNode item : v) {
                if (!item.isTextual()) {
                    problems.add(key + " must hold only strings, got " + item);
                    return null;
                }
                out.add(item.asText());
            }
            return out;
        }

        /** The target modules, or null after recording a problem. */
        List<String> targetModules() {
            JsonNode v = get("target_modules");
            if (v == null) {
                problems.add("target_modules is required");
                return null;
            }
            if (v.isTextual()) {
                problems.add("target_modules is the regular expression \"" + v.asText()
                        + "\"; only a list of module names is supported");
                return null;
            }
            List<String> out = strings("target_modules");
            if (out != null && out.isEmpty()) {
                problems.add("target_modules is empty");
            }
            return out;
        }

        /** An object of integers; null or absent is empty. */
        Map<String, Integer> integers(String key) {
            JsonNode v = get(key);
            Map<String, Integer> out = new TreeMap<>();
            if (v == null) {
                return out;
            }
            if (!v.isObject()) {
                problems.add(key + " must be an object of integers, got " + v);
                return out;
            }
            for (Map.Entry<String, JsonNode> e : v.properties()) {
                Integer i = asInt(e.getValue());
                if (i == null) {
                    problems.add(key + "['" + e.getKey() + "'] must be an integer, got " + e.getValue());
                } else {
                    out.put(e.getKey(), i);
                }
            }
            return out;
        }

        private static Integer asInt(JsonNode v) {
            if (v.isIntegralNumber() && v.canConvertToInt()) {
                return v.intValue();
            }
            if (v.isFloatingPointNumber() && v.canConvertToExactIntegral() && v.canConvertToInt()) {
                return v.intValue();
            }
            return null;
        }
    }
}
