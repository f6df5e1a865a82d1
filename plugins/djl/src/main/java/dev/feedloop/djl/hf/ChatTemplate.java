package dev.feedloop.djl.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import jinjava.javax.el.CompositeELResolver;

/**
 * A Hugging Face chat template, rendered with Jinjava the way transformers' {@code apply_chat_template(...,
 * tokenize=False)} renders it with Jinja2.
 *
 * <p><b>Environment.</b> transformers compiles templates in {@code _compile_jinja_template}
 * ({@code src/transformers/utils/chat_template_utils.py}) with
 * {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker,
 * jinja2.ext.loopcontrols])}, adds the globals {@code raise_exception(message)} (raises {@code TemplateError}) and
 * {@code strftime_now(format)} ({@code datetime.now().strftime(format)}), and overrides the {@code tojson} filter
 * with {@code json.dumps(x, ensure_ascii=False, ...)}. This class configures Jinjava to match: {@code trim_blocks}
 * and {@code lstrip_blocks} on, the same two globals, a Python-compatible {@code tojson}, a pass-through
 * {@code {% generation %}} tag, Python string methods on strings, and the {@code items}, {@code min} and {@code max}
 * filters that Jinjava lacks. The variables are {@code messages} (a list of maps with at least {@code role} and
 * {@code content}), {@code add_generation_prompt}, and the tokenizer's special tokens ({@code bos_token},
 * {@code eos_token}, {@code unk_token}, {@code pad_token}, … as transformers passes {@code special_tokens_map}), plus
 * any extra variables given to {@link #render(List, boolean, Map)}.
 *
 * <p><b>Jinjava fixes.</b> Jinjava ignores <code>&#123;&#123;-</code> and <code>-&#125;&#125;</code> on expressions
 * unless the legacy override {@code useTrimmingForNotesAndExpressions} is on; it is on here, with the other
 * Jinja2-compatible overrides (natural operator precedence, strict whitespace-control parsing, …) except
 * {@code whitespaceRequiredWithinTokens}, which would break <code>&#123;&#123;'...'&#125;&#125;</code>. Stock Jinjava
 * parses {@code not} as a tight unary operator, so {@code not tools is defined} means {@code (not tools) is defined}
 * (always true) and {@code not a == b} fails; this class parses {@code not} with Jinja2's precedence instead. Jinjava
 * renders an unknown filter or test as nothing, so templates are checked for those when created.
 *
 * <p><b>Known differences from Jinja2</b> (none used by the Llama 3 or Qwen2 templates): {@code loop.previtem} /
 * {@code loop.nextitem} are undefined, negative-step slices such as {@code messages[::-1]} do not parse (use
 * {@code messages | reverse}), <code>&#92;uXXXX</code> escapes in string literals are rejected, {@code 'x' * 3}
 * fails, the {@code callable} and {@code escaped} tests are missing, and booleans print as {@code true}/{@code false}
 * and {@code none} as the empty string. When a template calls {@code raise_exception}, Jinjava records the error and
 * finishes the pass; the partial output is discarded and a {@link ChatTemplateException} with the template's message
 * is thrown.
 *
 * <p><b>Where templates come from</b> ({@link #load}): {@code chat_template.jinja} if present (transformers gives
 * such a file priority over the config), else {@code chat_template} in {@code tokenizer_config.json}, which is either
 * a string or a list of {@code {"name", "template"}} objects of which the one named {@code default} is used.
 *
 * <p>Instances are immutable; {@link #render} may be called from several threads.
 */
public final class ChatTemplate {

    /** A chat message. */
    public record Message(String role, String content) {
        /** Both fields are required. */
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }

        /** A {@code system} message. */
        public static Message system(String content) {
            return new Message("system", content);
        }

        /** A {@code user} message. */
        public static Message user(String content) {
            return new Message("user", content);
        }

        /** An {@code assistant} message. */
        public static Message assistant(String content) {
            return new Message("assistant", content);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The special-token keys of {@code tokenizer_config.json} that become template variables. */
    private static final List<String> SPECIAL_TOKEN_KEYS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");
    private static final LegacyOverrides JINJA2_COMPATIBLE = LegacyOverrides.newBuilder()
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .withUseNaturalOperatorPrecedence(true)
            .withParseWhitespaceControlStrictly(true)
            .withAllowAdjacentTextNodes(true)
            .withUseTrimmingForNotesAndExpressions(true)
            .withKeepNullableLoopValues(true)
            .build();

    private final String template;
    private final Map<String, String> specialTokens;
    private final String source;
    private final Clock clock;
    private final Jinjava jinjava;

    private ChatTemplate(String template, Map<String, String> specialTokens, String source, Clock clock) {
        this.template = Objects.requireNonNull(template, "template");
        this.specialTokens = Map.copyOf(specialTokens);
        this.source = source;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.jinjava = newJinjava(clock);
        Set<String> unknown = JinjaCompat.unknownFiltersAndTests(template, jinjava.getGlobalContext());
        if (!unknown.isEmpty()) {
            throw new ChatTemplateException(source + ": the chat template uses " + String.join(", ", unknown)
                    + ", which this renderer does not provide");
        }
    }

    private static Jinjava newJinjava(Clock clock) {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new JinjaCompat.StringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withLegacyOverrides(JINJA2_COMPATIBLE)
                .withElResolver(resolver)
                .withDateTimeProvider(clock::millis)
                .withTimeZone(clock.getZone())
                .withLocale(Locale.ENGLISH)
                .build();
        Jinjava jinjava = new JinjaCompat.Jinja2Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaCompat.class,
                "raiseException", String.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaCompat.class,
                "strftimeNow", String.class));
        jinjava.getGlobalContext().registerFilter(new JinjaCompat.ToJsonFilter());
        jinjava.getGlobalContext().registerFilter(new JinjaCompat.ItemsFilter());
        jinjava.getGlobalContext().registerFilter(new JinjaCompat.ExtremumFilter(false));
        jinjava.getGlobalContext().registerFilter(new JinjaCompat.ExtremumFilter(true));
        jinjava.getGlobalContext().registerTag(new JinjaCompat.GenerationTag());
        return jinjava;
    }

    /**
     * A template given as text.
     *
     * @param specialTokens template variables such as {@code bos_token} → {@code <|begin_of_text|>}
     * @throws ChatTemplateException if the template uses a filter or test this renderer does not provide
     */
    public static ChatTemplate of(String template, Map<String, String> specialTokens) {
        return new ChatTemplate(template, specialTokens, "chat template", Clock.systemDefaultZone());
    }

    /**
     * The template of a model directory: {@code chat_template.jinja} if present, else the {@code chat_template} of
     * {@code tokenizer_config.json}; special tokens come from {@code tokenizer_config.json}.
     *
     * @throws IOException if {@code tokenizer_config.json} is missing (and there is no {@code chat_template.jinja})
     *     or unreadable
     * @throws ChatTemplateException if the model has no chat template or it is malformed
     */
    public static ChatTemplate load(Path modelDir) throws IOException {
        Path configFile = modelDir.resolve("tokenizer_config.json");
        Path jinjaFile = modelDir.resolve("chat_template.jinja");
        JsonNode config = Files.isRegularFile(configFile) ? JSON.readTree(configFile.toFile()) : null;
        if (Files.isRegularFile(jinjaFile)) {
            String text = Files.readString(jinjaFile, StandardCharsets.UTF_8);
            Map<String, String> tokens = config == null ? Map.of() : specialTokens(config);
            return new ChatTemplate(text, tokens, jinjaFile.toString(), Clock.systemDefaultZone());
        }
        if (config == null) {
            throw new IOException("no tokenizer_config.json or chat_template.jinja in " + modelDir
                    + " (expected a Hugging Face model directory)");
        }
        return fromTokenizerConfig(config, configFile.toString());
    }

    /**
     * The template of a parsed {@code tokenizer_config.json}.
     *
     * @param source named in error messages
     * @throws ChatTemplateException if there is no usable {@code chat_template}
     */
    public static ChatTemplate fromTokenizerConfig(JsonNode config, String source) {
        JsonNode node = config.get("chat_template");
        if (node == null || node.isNull()) {
            throw new ChatTemplateException(source + " has no chat_template, so this model has no chat format;"
                    + " add a chat_template (or a chat_template.jinja file) or use plain-text prompts");
        }
        String text;
        if (node.isTextual()) {
            text = node.asText();
        } else if (node.isArray()) {
            text = null;
            List<String> names = new ArrayList<>();
            for (JsonNode entry : node) {
                String name = entry.path("name").asText(null);
                names.add(name);
                if ("default".equals(name) && entry.path("template").isTextual()) {
                    text = entry.get("template").asText();
                }
            }
            if (text == null) {
                throw new ChatTemplateException(source + ": chat_template is a list with no template named 'default';"
                        + " available: " + names);
            }
        } else {
            throw new ChatTemplateException(source + ": chat_template must be a string or a list of {name, template},"
                    + " got " + node.getNodeType());
        }
        return new ChatTemplate(text, specialTokens(config), source, Clock.systemDefaultZone());
    }

    /** Special tokens of a {@code tokenizer_config.json}; a value may be a string or an object with "content". */
    private static Map<String, String> specialTokens(JsonNode config) {
        Map<String, String> tokens = new LinkedHashMap<>();
        for (String key : SPECIAL_TOKEN_KEYS) {
            JsonNode v = config.get(key);
            if (v != null && v.isTextual()) {
                tokens.put(key, v.asText());
            } else if (v != null && v.path("content").isTextual()) {
                tokens.put(key, v.get("content").asText());
            }
        }
        return tokens;
    }

    /** This template with {@code strftime_now} reading {@code clock} (and its zone). */
    public ChatTemplate withClock(Clock clock) {
        return new ChatTemplate(template, specialTokens, source, clock);
    }

    /** The template text. */
    public String template() {
        return template;
    }

    /** The special-token variables, e.g. {@code bos_token}. */
    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /**
     * Renders a conversation.
     *
     * @param addGenerationPrompt whether to end with the header that starts an assistant turn
     * @throws ChatTemplateException if the template raises or fails
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Map<String, Object>> maps = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role());
            map.put("content", m.content());
            maps.add(map);
        }
        return render(maps, addGenerationPrompt, Map.of());
    }

    /**
     * Renders messages given as maps (for fields beyond role and content, e.g. {@code tool_calls}).
     *
     * @param variables extra template variables (e.g. {@code tools}); they may not replace {@code messages} or
     *     {@code add_generation_prompt}
     * @throws ChatTemplateException if the template raises or fails
     */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> variables) {
        Map<String, Object> context = new LinkedHashMap<>(specialTokens);
        context.putAll(variables);
        List<Map<String, Object>> copies = new ArrayList<>(messages.size());
        for (Map<String, ?> m : messages) {
            copies.add(new LinkedHashMap<>(m));
        }
        context.put("messages", copies);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result = jinjava.renderForResult(template, context);
        for (TemplateError e : result.getErrors()) {
            for (Throwable t = e.getException(); t != null; t = t.getCause()) {
                if (t instanceof JinjaCompat.RaisedException) {
                    throw new ChatTemplateException(t.getMessage(), t);
                }
            }
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .collect(Collectors.toList());
        if (!fatal.isEmpty()) {
            String details = fatal.stream()
                    .map(ChatTemplate::describe)
                    .collect(Collectors.joining("; "));
            ChatTemplateException ex = new ChatTemplateException("cannot render the chat template from " + source + ": "
                    + details);
            fatal.stream().map(TemplateError::getException).filter(Objects::nonNull).forEach(ex::addSuppressed);
            throw ex;
        }
        return result.getOutput();
    }

    /** "line N: message", plus the root cause's message when Jinjava's message does not include it. */
    private static String describe(TemplateError e) {
        String message = e.getMessage();
        Throwable root = e.getException();
        while (root != null && root.getCause() != null) {
            root = root.getCause();
        }
        if (root != null && root.getMessage() != null && (message == null || !message.contains(root.getMessage()))) {
            message = message + " (" + root.getMessage() + ")";
        }
        return "line " + e.getLineno() + ": " + message;
    }

    /** Where the template came from. */
    @Override
    public String toString() {
        return "ChatTemplate[" + source + ", clock=" + clock + "]";
    }
}
