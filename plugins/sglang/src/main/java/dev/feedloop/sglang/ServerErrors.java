package dev.feedloop.sglang;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the message out of an error body, whatever shape the server chose:
 *
 * <ul>
 *   <li>SGLang's OpenAI routes (as older vLLM): the flat {@code {"object":"error","message","type","param",
 *       "code"}}; OpenAI and newer vLLM: {@code {"error":{"message","type","param","code"}}};
 *   <li>SGLang's LoRA routes: {@code {"success":false,"error_message":"...","loaded_adapters":...}};
 *   <li>SGLang's API-key middleware, LoRAX and TGI: {@code {"error":"...","error_type":"..."}};
 *   <li>FastAPI itself (unknown route, request validation): {@code {"detail":"Not Found"}} or
 *       {@code {"detail":[{"loc","msg","type"}]}};
 *   <li>anything else: the body as text, shortened.
 * </ul>
 *
 * <p>Stateless and thread-safe.
 */
final class ServerErrors {
    /** Longest text body quoted in an exception message. */
    static final int MAX_TEXT = 500;

    private ServerErrors() {}

    /**
     * What the server said went wrong.
     *
     * @param message the server's message
     * @param type its error type or class ({@code NotFoundError}, {@code validation}), or null
     */
    record ErrorInfo(String message, String type) {
        @Override
        public String toString() {
            return type == null ? message : message + " (" + type + ")";
        }
    }

    /**
     * Parses an error body.
     *
     * @param body the response body, possibly empty
     * @return the message, or empty for an empty body
     */
    static Optional<ErrorInfo> parse(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = HttpJson.JSON.readTree(text);
        } catch (IOException notJson) {
            root = null;
        }
        if (root != null && root.isObject()) {
            ErrorInfo info = fromJson(root);
            if (info != null) {
                return Optional.of(info);
            }
        }
        return Optional.of(new ErrorInfo(shorten(text), null));
    }

    /**
     * The server's message for an exception text: {@code message (type)}, the text of a non-JSON body, or
     * {@code no body}.
     */
    static String describe(byte[] body) {
        return parse(body).map(ErrorInfo::toString).orElse("no body");
    }

    private static ErrorInfo fromJson(JsonNode root) {
        JsonNode error = root.get("error");
        if (error != null && error.isObject()) {
            String message = text(error.get("message"));
            return message == null ? null : new ErrorInfo(message, text(error.get("type")));
        }
        if (error != null && error.isTextual()) {
            return new ErrorInfo(error.asText(), text(root.get("error_type")));
        }
        String message = text(root.get("message"));
        if (message != null) {
            return new ErrorInfo(message, text(root.get("type")));
        }
        String sglang = text(root.get("error_message"));
        if (sglang != null) {
            return new ErrorInfo(sglang, null);
        }
        JsonNode detail = root.get("detail");
        if (detail != null && detail.isTextual()) {
            return new ErrorInfo(detail.asText(), null);
        }
        if (detail != null && detail.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode d : detail) {
                String msg = text(d.get("msg"));
                JsonNode loc = d.get("loc");
                parts.add((loc == null ? "" : loc + ": ") + (msg == null ? d.toString() : msg));
            }
            return new ErrorInfo(String.join("; ", parts), "RequestValidationError");
        }
        return null;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.isTextual() ? node.asText() : node.toString();
    }

    private static String shorten(String text) {
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "...";
    }
}
