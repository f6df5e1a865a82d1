package dev.feedloop.lorax;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.event.Message;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import dev.feedloop.contracts.spi.ServingBackend.Sample;
import dev.feedloop.contracts.spi.ServingBackend.SampleRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * LoRAX request bodies and response parsing, for one sample at a time. Stateless and thread-safe.
 *
 * <p>LoRAX's validation shapes the sampling fields: {@code temperature} must be strictly positive and
 * {@code top_p} strictly inside (0, 1), and {@code do_sample} defaults to false (greedy even with a temperature
 * of 1). So temperature 0 becomes {@code do_sample:false} without a temperature, any other temperature
 * {@code do_sample:true} with it, and {@code top_p} is sent only below 1.
 */
final class LoraxRequests {
    /** The warm-up input: LoRAX refuses an empty {@code inputs} (422 "`inputs` cannot be empty"). */
    static final String WARM_UP_INPUT = "Hello";

    private LoraxRequests() {}

    /**
     * A {@code POST /generate} body.
     *
     * @param inputs the prompt text
     * @param adapterPath the local adapter directory as the server sees it, or null for the base model
     * @param request the sampling parameters
     * @param seed the seed of this one sample, or null
     */
    static ObjectNode generate(String inputs, String adapterPath, SampleRequest request, Long seed) {
        ObjectNode body = HttpJson.JSON.createObjectNode().put("inputs", inputs);
        ObjectNode p = body.putObject("parameters");
        adapter(p, adapterPath);
        p.put("max_new_tokens", request.maxTokens());
        sampling(p, request.temperature(), request.topP(), seed);
        p.put("details", true);
        p.put("decoder_input_details", false);
        p.put("return_full_text", false);
        return body;
    }

    /** The one-token request that makes LoRAX fetch and load an adapter. */
    static ObjectNode warmUp(String adapterPath) {
        ObjectNode body = HttpJson.JSON.createObjectNode().put("inputs", WARM_UP_INPUT);
        ObjectNode p = body.putObject("parameters");
        adapter(p, adapterPath);
        p.put("max_new_tokens", 1);
        return body;
    }

    /**
     * A {@code POST /v1/chat/completions} body for one sample: LoRAX applies the model's chat template there
     * (its {@code /generate} takes raw text). {@code n} is left out: LoRAX maps it to {@code best_of}, which
     * refuses a seed.
     *
     * @param adapterPath the local adapter directory, or null for the base model ({@code "model": ""})
     */
    static ObjectNode chat(List<Message> messages, String adapterPath, SampleRequest request, Long seed) {
        ObjectNode body = HttpJson.JSON.createObjectNode();
        body.put("model", adapterPath == null ? "" : adapterPath);
        if (adapterPath != null) {
            body.put("adapter_source", "local");
        }
        ArrayNode msgs = body.putArray("messages");
        for (Message m : messages) {
            ObjectNode msg = msgs.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT));
            msg.put("content", m.content());
            if (m.name() != null) {
                msg.put("name", m.name());
            }
        }
        body.put("max_tokens", request.maxTokens());
        body.put("temperature", request.temperature());
        if (request.topP() < 1.0) {
            body.put("top_p", request.topP());
        }
        if (seed != null) {
            body.put("seed", seed);
        }
        body.put("stream", false);
        return body;
    }

    private static void adapter(ObjectNode parameters, String adapterPath) {
        if (adapterPath != null) {
            parameters.put("adapter_id", adapterPath);
            parameters.put("adapter_source", "local");
        }
    }

    private static void sampling(ObjectNode parameters, double temperature, double topP, Long seed) {
        if (temperature > 0) {
            parameters.put("do_sample", true);
            parameters.put("temperature", temperature);
        } else {
            parameters.put("do_sample", false);
        }
        if (topP < 1.0) {
            parameters.put("top_p", topP);
        }
        if (seed != null) {
            parameters.put("seed", seed);
        }
    }

    /**
     * Reads a {@code /generate} answer: {@code generated_text}, and from {@code details} the finish reason and
     * {@code tokens[].{id, logprob}}.
     *
     * @param index the sample's index
     * @param logprobs whether log-probs were asked for (token ids are kept either way)
     * @throws BackendException {@code PROTOCOL} if {@code generated_text} is missing
     */
    static Sample parseGenerate(JsonNode answer, int index, boolean logprobs) {
        JsonNode text = answer.get("generated_text");
        if (text == null || !text.isTextual()) {
            throw new BackendException(Reason.PROTOCOL, "LoRAX POST /generate answered without \"generated_text\": "
                    + HttpJson.abbreviate(answer.toString()));
        }
        JsonNode details = answer.get("details");
        if (details == null || !details.isObject()) {
            return new Sample(index, text.asText(), null, null, null);
        }
        JsonNode tokens = details.get("tokens");
        List<Integer> ids = new ArrayList<>();
        List<Double> lps = new ArrayList<>();
        boolean idsComplete = tokens != null && tokens.isArray();
        boolean lpsComplete = idsComplete && logprobs;
        if (idsComplete) {
            for (JsonNode t : tokens) {
                JsonNode id = t.get("id");
                JsonNode lp = t.get("logprob");
                if (id != null && id.canConvertToInt()) {
                    ids.add(id.intValue());
                } else {
                    idsComplete = false;
                }
                if (lp != null && lp.isNumber()) {
                    lps.add(lp.doubleValue());
                } else {
                    lpsComplete = false; // a partial list would not line up with the tokens
                }
            }
        }
        return new Sample(index, text.asText(), finishReason(details.get("finish_reason")),
                idsComplete ? ids : null, lpsComplete ? lps : null);
    }

    /**
     * Reads a chat answer's single choice. LoRAX's chat route returns neither token ids nor log-probs.
     *
     * @throws BackendException {@code PROTOCOL} if there is no choice
     */
    static Sample parseChat(JsonNode answer, int index) {
        JsonNode choices = answer.get("choices");
        if (choices == null || !choices.isArray() || choices.isEmpty()) {
            throw new BackendException(Reason.PROTOCOL, "LoRAX POST /v1/chat/completions answered without choices: "
                    + HttpJson.abbreviate(answer.toString()));
        }
        JsonNode choice = choices.get(0);
        JsonNode content = choice.path("message").get("content");
        String text = content == null || content.isNull() ? "" : content.asText();
        return new Sample(index, text, finishReason(choice.get("finish_reason")), null, null);
    }

    /**
     * LoRAX's finish reasons in the OpenAI vocabulary: {@code length} stays, {@code eos_token} and
     * {@code stop_sequence} are {@code stop}; the chat route's {@code content_filter} is how LoRAX reports a stop
     * sequence there, so it is {@code stop} too.
     */
    static String finishReason(JsonNode reason) {
        if (reason == null || reason.isNull()) {
            return null;
        }
        String r = reason.asText();
        return switch (r) {
            case "eos_token", "stop_sequence", "content_filter" -> "stop";
            default -> r;
        };
    }
}
