package dev.feedloop.djl.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.feedloop.djl.hf.ChatTemplate.Message;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chat templates rendered with Jinjava must match what transformers' Jinja2 environment renders. */
class ChatTemplateTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> LLAMA_TOKENS = Map.of("bos_token", "<|begin_of_text|>", "eos_token",
            "<|eot_id|>");
    private static final List<Message> CONVERSATION = List.of(
            Message.system("You are a helpful assistant."),
            Message.user("What is 2+2?"));
    private static final Clock JULY_26_2024 = Clock.fixed(Instant.parse("2024-07-26T10:15:30Z"), ZoneOffset.UTC);

    /**
     * A Llama 3.1-style template (written for this test from the documented prompt format): BOS, a system header with
     * the knowledge cutoff and today's date, then one header + content + {@code <|eot_id|>} per turn.
     */
    static final String LLAMA3_TEMPLATE = """
            {{- bos_token }}
            {%- if not date_string is defined %}
                {%- set date_string = strftime_now("%d %b %Y") %}
            {%- endif %}

            {#- The system message, if any, goes into the system header. #}
            {%- if messages[0]['role'] == 'system' %}
                {%- set system_message = messages[0]['content'] | trim %}
                {%- set loop_messages = messages[1:] %}
            {%- else %}
                {%- set system_message = "" %}
                {%- set loop_messages = messages %}
            {%- endif %}

            {{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
            {{- "Cutting Knowledge Date: December 2023\\n" }}
            {{- "Today Date: " + date_string + "\\n\\n" }}
            {{- system_message }}
            {{- "<|eot_id|>" }}

            {%- for message in loop_messages %}
                {%- if message.role not in ["user", "assistant"] %}
                    {{- raise_exception("Conversation roles must be user or assistant, got " + message.role) }}
                {%- endif %}
                {{- "<|start_header_id|>" + message.role + "<|end_header_id|>\\n\\n" + message.content | trim + "<|eot_id|>" }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- "<|start_header_id|>assistant<|end_header_id|>\\n\\n" }}
            {%- endif %}
            """;

    /**
     * A Qwen2.5-style ChatML template (written for this test from the documented format), with the tools branch that
     * uses {@code tojson}, {@code loop.first} and a default system prompt.
     */
    static final String QWEN_TEMPLATE = """
            {%- if tools %}
                {{- '<|im_start|>system\\n' }}
                {%- if messages[0]['role'] == 'system' %}
                    {{- messages[0]['content'] }}
                {%- else %}
                    {{- 'You are a helpful assistant.' }}
                {%- endif %}
                {{- "\\n\\n# Tools\\n\\n<tools>" }}
                {%- for tool in tools %}
                    {{- "\\n" }}
                    {{- tool | tojson }}
                {%- endfor %}
                {{- "\\n</tools><|im_end|>\\n" }}
            {%- else %}
                {%- if messages[0]['role'] == 'system' %}
                    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}
                {%- else %}
                    {{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}
                {%- endif %}
            {%- endif %}
            {%- for message in messages %}
                {%- if message.role == "user" or (message.role == "system" and not loop.first) or message.role == "assistant" %}
                    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    /** The original one-line Qwen2 ChatML template style: no whitespace control, {@code {{'} without a space. */
    static final String CHATML_ONE_LINE = "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system'"
            + " %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>'"
            + " + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if"
            + " add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    @Test
    void tinyTemplateRendersSystemAndUser() {
        ChatTemplate t = ChatTemplate.of(TinyTokenizer.CHAT_TEMPLATE, LLAMA_TOKENS);
        String conversation = "<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";
        assertThat(t.render(CONVERSATION, false)).isEqualTo(conversation);
        assertThat(t.render(CONVERSATION, true))
                .isEqualTo(conversation + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void tinyTemplateTrimsContentAndRendersAssistantTurns() {
        ChatTemplate t = ChatTemplate.of(TinyTokenizer.CHAT_TEMPLATE, LLAMA_TOKENS);
        String out = t.render(List.of(Message.user("  Hi!\n"), Message.assistant("Hello.  ")), false);
        assertThat(out).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nHi!<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nHello.<|eot_id|>");
    }

    @Test
    void tinyTemplateRejectsUnknownRolesWithRaiseException() {
        ChatTemplate t = ChatTemplate.of(TinyTokenizer.CHAT_TEMPLATE, LLAMA_TOKENS);
        assertThatThrownBy(() -> t.render(List.of(new Message("tool", "42")), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("Unsupported role: tool");
    }

    @Test
    void llama3TemplateRendersLikeTransformers() {
        ChatTemplate t = ChatTemplate.of(LLAMA3_TEMPLATE, LLAMA_TOKENS).withClock(JULY_26_2024);
        String conversation = "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                + "Cutting Knowledge Date: December 2023\n"
                + "Today Date: 26 Jul 2024\n\n"
                + "You are a helpful assistant.<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>";
        assertThat(t.render(CONVERSATION, false)).isEqualTo(conversation);
        assertThat(t.render(CONVERSATION, true))
                .isEqualTo(conversation + "<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void llama3TemplateWithoutSystemMessageAndWithAGivenDate() {
        ChatTemplate t = ChatTemplate.of(LLAMA3_TEMPLATE, LLAMA_TOKENS).withClock(JULY_26_2024);
        List<Map<String, Object>> messages = List.of(message("user", "Hi"), message("assistant", "Hello!"),
                message("user", "Bye"));
        assertThat(t.render(messages, true, Map.of("date_string", "01 Jan 2025"))).isEqualTo(
                "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\n"
                        + "Cutting Knowledge Date: December 2023\nToday Date: 01 Jan 2025\n\n<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\nHello!<|eot_id|>"
                        + "<|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                        + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThatThrownBy(() -> t.render(List.of(Message.user("a"), new Message("tool", "b")), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("Conversation roles must be user or assistant, got tool");
    }

    @Test
    void qwenChatMlTemplateRendersLikeTransformers() {
        ChatTemplate t = ChatTemplate.of(QWEN_TEMPLATE, Map.of("eos_token", "<|im_end|>"));
        String conversation = "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n";
        assertThat(t.render(CONVERSATION, false)).isEqualTo(conversation);
        assertThat(t.render(CONVERSATION, true)).isEqualTo(conversation + "<|im_start|>assistant\n");
        // without a system message the default one is inserted
        assertThat(t.render(List.of(Message.user("Hi")), true)).isEqualTo(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void qwenToolsBranchUsesPythonJson() {
        ChatTemplate t = ChatTemplate.of(QWEN_TEMPLATE, Map.of());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("type", "object");
        params.put("properties", Map.of("x", Map.of("type", "number")));
        params.put("required", List.of("x"));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "square");
        function.put("description", "Squares a number — \"fast\"");
        function.put("parameters", params);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        List<Map<String, Object>> messages = List.of(message("user", "Square 3"));
        assertThat(t.render(messages, true, Map.of("tools", List.of(tool)))).isEqualTo(
                "<|im_start|>system\nYou are a helpful assistant.\n\n# Tools\n\n<tools>\n"
                        + "{\"type\": \"function\", \"function\": {\"name\": \"square\", \"description\": \"Squares a"
                        + " number — \\\"fast\\\"\", \"parameters\": {\"type\": \"object\", \"properties\": {\"x\":"
                        + " {\"type\": \"number\"}}, \"required\": [\"x\"]}}}"
                        + "\n</tools><|im_end|>\n<|im_start|>user\nSquare 3<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void oneLineChatMlTemplateRenders() {
        ChatTemplate t = ChatTemplate.of(CHATML_ONE_LINE, Map.of());
        assertThat(t.render(CONVERSATION, true)).isEqualTo("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(t.render(List.of(Message.user("Hi")), false)).isEqualTo(
                "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n");
    }

    @Test
    void trimBlocksAndLstripBlocksAreOn() {
        // lstrip_blocks removes the indentation before a block tag, trim_blocks the newline after it (and after a
        // comment); neither touches expressions
        String template = "A\n  {% if true %}\n  B\n  {% endif %}\nC{# note #}\nD\n  {{ 'E' }}\nF";
        assertThat(ChatTemplate.of(template, Map.of()).render(List.of(), false)).isEqualTo("A\n  B\nCD\n  E\nF");
        // explicit whitespace control on statements and expressions
        String dashes = "A\n  {%- if true -%}\n  B  \n{%- endif %}\n{{- ' C ' -}}\n  D";
        assertThat(ChatTemplate.of(dashes, Map.of()).render(List.of(), false)).isEqualTo("AB C D");
    }

    @Test
    void commonJinja2PatternsWork() {
        String template = """
                {%- set ns = namespace(users=0) %}
                {%- for m in messages %}
                    {%- if m.role == 'user' %}{% set ns.users = ns.users + 1 %}{% endif %}
                    {{- loop.index0 }}:{{ m['role'] }}{{ '|' if not loop.last }}
                {%- endfor %}
                {{- ' users=' ~ ns.users }}
                {{- ' first=' + messages[0].role + ' last=' + messages[-1].role }}
                {{- ' n=' ~ messages | length }}
                {{- ' roles=' + messages | map(attribute='role') | join(',') }}
                {%- if messages[0].get('name') is none %} no-name{% endif %}
                {%- if 'user' in messages | map(attribute='role') | list %} has-user{% endif %}
                {%- for m in messages | reverse %}{% if loop.first %} reversed-first={{ m.role }}{% endif %}{% endfor %}
                """;
        List<Message> messages = List.of(Message.system("s"), Message.user("u1"), Message.assistant("a"),
                Message.user("u2"));
        assertThat(ChatTemplate.of(template, Map.of()).render(messages, false)).isEqualTo(
                "0:system|1:user|2:assistant|3:user users=2 first=system last=user n=4"
                        + " roles=system,user,assistant,user no-name has-user reversed-first=user");
    }

    @Test
    void pythonStringMethodsWork() {
        String template = "{% set c = messages[0].content %}"
                + "[{{ c.strip() }}][{{ c.lstrip() }}][{{ c.rstrip() }}][{{ c.strip(' x') }}]"
                + "[{{ c.strip().upper() }}][{{ c.strip().lower() }}][{{ 'hello world'.title() }}]"
                + "[{{ 'hELLO'.capitalize() }}][{{ c.strip().startswith('Ab') }}][{{ c.strip().endswith(('zz', 'Ef')) }}]"
                + "[{{ 'a.b.c'.split('.') | join('/') }}][{{ ' a  b\tc '.split() | length }}]"
                + "[{{ 'a.b.c'.split('.', 1)[1] }}][{{ 'aaa'.replace('a', 'b', 2) }}][{{ 'abc'.find('c') }}]"
                + "[{{ ', '.join(['x', 'y']) }}][{{ '<think>x</think>answer'.split('</think>')[-1].lstrip('\\n') }}]";
        assertThat(ChatTemplate.of(template, Map.of()).render(List.of(Message.user("  Ab cd Ef\n")), false)).isEqualTo(
                "[Ab cd Ef][Ab cd Ef\n][  Ab cd Ef][Ab cd Ef\n][AB CD EF][ab cd ef][Hello World]"
                        + "[Hello][true][true][a/b/c][3][b.c][bba][2][x, y][answer]");
    }

    @Test
    void tojsonMatchesPythonJsonDumps() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("text", "héllo \"quoted\" back\\slash\nnew\ttab <b>&</b> 😀");
        value.put("n", 3);
        value.put("f", 1.5);
        value.put("ok", true);
        value.put("nothing", null);
        value.put("list", List.of(1, "two"));
        value.put("empty", Map.of());
        String single = "{{ v | tojson }}";
        assertThat(ChatTemplate.of(single, Map.of()).render(List.of(), false, Map.of("v", value))).isEqualTo(
                "{\"text\": \"héllo \\\"quoted\\\" back\\\\slash\\nnew\\ttab <b>&</b> 😀\", \"n\": 3, \"f\": 1.5,"
                        + " \"ok\": true, \"nothing\": null, \"list\": [1, \"two\"], \"empty\": {}}");
        String indented = "{{ v | tojson(indent=2) }}";
        assertThat(ChatTemplate.of(indented, Map.of()).render(List.of(), false, Map.of("v", Map.of("a", List.of(1, 2)))))
                .isEqualTo("{\n  \"a\": [\n    1,\n    2\n  ]\n}");
    }

    @Test
    void strftimeNowUsesTheClock() {
        ChatTemplate t = ChatTemplate.of("{{ strftime_now('%Y-%m-%d %H:%M:%S %a %A %b %B %j %I%p %y %%') }}", Map.of())
                .withClock(JULY_26_2024);
        assertThat(t.render(List.of(), false)).isEqualTo("2024-07-26 10:15:30 Fri Friday Jul July 208 10AM 24 %");
        assertThatThrownBy(() -> ChatTemplate.of("{{ strftime_now('%Q') }}", Map.of()).render(List.of(), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("unsupported format code %Q");
    }

    @Test
    void generationTagRendersItsBody() {
        String template = "{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}"
                + "{% endgeneration %}{% else %}{{ m.content }}{% endif %}|{% endfor %}";
        assertThat(ChatTemplate.of(template, Map.of()).render(List.of(Message.user("q"), Message.assistant("a")), false))
                .isEqualTo("q|a|");
    }

    @Test
    void raiseExceptionStopsWithTheTemplatesMessage() {
        String template = "before{{ raise_exception('Only user and assistant roles are supported!') }}after";
        assertThatThrownBy(() -> ChatTemplate.of(template, Map.of()).render(List.of(), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("Only user and assistant roles are supported!");
        String inCondition = "{% if messages | length == 0 %}{{ raise_exception('No messages') }}{% endif %}ok";
        assertThatThrownBy(() -> ChatTemplate.of(inCondition, Map.of()).render(List.of(), false))
                .hasMessage("No messages");
        assertThat(ChatTemplate.of(inCondition, Map.of()).render(List.of(Message.user("x")), false)).isEqualTo("ok");
    }

    @Test
    void notHasJinja2Precedence() {
        // Jinja2: `not x is defined` is `not (x is defined)`; `not a == b` is `not (a == b)`
        String template = "{% if not tools is defined %}{% set tools = none %}{% endif %}"
                + "[{{ tools | length if tools is not none else 'no tools' }}]"
                + "[{{ not 1 == 1 }}][{{ not 'b' in ['a'] }}][{{ 'b' not in ['a'] }}][{{ not loop_done and true }}]"
                + "[{{ not messages | length > 1 }}][{{ not not true }}][{{ true and not false or false }}]";
        ChatTemplate t = ChatTemplate.of(template, Map.of());
        assertThat(t.render(List.of(), false, Map.of("tools", List.of("a", "b"))))
                .isEqualTo("[2][false][true][true][true][true][true][true]");
        assertThat(t.render(List.of(), false)).isEqualTo("[no tools][false][true][true][true][true][true][true]");
    }

    @Test
    void itemsMinAndMaxFiltersWork() {
        String template = "{% for k, v in props | items %}{{ k }}={{ v }};{% endfor %}"
                + "[{{ [3, 1, 2] | min }}][{{ [3, 1, 2] | max }}][{{ ['b', 'A', 'c'] | max }}]"
                + "[{{ (messages | max(attribute='content')).content }}]";
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("x", 1);
        props.put("y", "two");
        assertThat(ChatTemplate.of(template, Map.of())
                .render(List.of(message("user", "apple"), message("user", "pear")), false, Map.of("props", props)))
                .isEqualTo("x=1;y=two;[1][3][c][pear]");
    }

    @Test
    void brokenTemplatesFailClearly() {
        assertThatThrownBy(() -> ChatTemplate.of("{% for m in messages %}{{ m.role }}", Map.of()).render(List.of(), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageStartingWith("cannot render the chat template from chat template: line 1:")
                .hasMessageContaining("Missing end tag");
        // Jinjava would render an unknown filter or test as nothing; they are rejected up front instead
        assertThatThrownBy(() -> ChatTemplate.of("{{ messages | nosuchfilter }}{{ 'a|b' }}{% if x is nosuchtest %}"
                + "{% endif %}{{ x | trim }}", Map.of()))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("chat template: the chat template uses filter 'nosuchfilter', test 'nosuchtest', which this"
                        + " renderer does not provide");
        assertThatThrownBy(() -> ChatTemplate.of("{{ nosuchfunction(1) }}", Map.of()).render(List.of(), false))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("nosuchfunction");
    }

    @Test
    void loadsTheTemplateOfATinyTokenizerDirectory(@TempDir Path dir) throws IOException {
        TinyTokenizer.train(TinyTokenizerTest.CORPUS, 300).write(dir);
        ChatTemplate t = ChatTemplate.load(dir);
        assertThat(t.template()).isEqualTo(TinyTokenizer.CHAT_TEMPLATE);
        assertThat(t.specialTokens()).containsEntry("bos_token", "<|begin_of_text|>")
                .containsEntry("eos_token", "<|eot_id|>")
                .containsEntry("pad_token", "<|pad|>");
        assertThat(t.render(CONVERSATION, true)).isEqualTo(
                ChatTemplate.of(TinyTokenizer.CHAT_TEMPLATE, LLAMA_TOKENS).render(CONVERSATION, true));
    }

    @Test
    void takesTheDefaultOfANamedTemplateList(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"__type": "AddedToken", "content": "<s>", "special": true},
                 "chat_template": [
                   {"name": "tool_use", "template": "TOOLS"},
                   {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}"}
                 ]}
                """);
        ChatTemplate t = ChatTemplate.load(dir);
        assertThat(t.render(List.of(Message.user("hi")), false)).isEqualTo("<s>hi");

        JsonNode noDefault = JSON.readTree("{\"chat_template\": [{\"name\": \"tool_use\", \"template\": \"x\"},"
                + " {\"name\": \"rag\", \"template\": \"y\"}]}");
        assertThatThrownBy(() -> ChatTemplate.fromTokenizerConfig(noDefault, "cfg.json"))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage("cfg.json: chat_template is a list with no template named 'default'; available: [tool_use, rag]");
    }

    @Test
    void chatTemplateJinjaFileTakesPriority(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\", \"chat_template\": \"config\"}");
        Files.writeString(dir.resolve("chat_template.jinja"), "file{{ eos_token }}");
        assertThat(ChatTemplate.load(dir).render(List.of(), false)).isEqualTo("file</s>");
    }

    @Test
    void missingChatTemplateIsAClearError(@TempDir Path dir) throws IOException {
        assertThatThrownBy(() -> ChatTemplate.load(dir))
                .isInstanceOf(IOException.class)
                .hasMessage("no tokenizer_config.json or chat_template.jinja in " + dir
                        + " (expected a Hugging Face model directory)");
        Path config = dir.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"bos_token\": \"<s>\"}");
        assertThatThrownBy(() -> ChatTemplate.load(dir))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessage(config + " has no chat_template, so this model has no chat format; add a chat_template"
                        + " (or a chat_template.jinja file) or use plain-text prompts");
    }

    private static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }
}
