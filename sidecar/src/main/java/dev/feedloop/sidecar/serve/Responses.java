package dev.feedloop.sidecar.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.djl.hf.Tokenizer;
import dev.feedloop.djl.model.Generator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builds vLLM-shaped response bodies (non-streaming and stream chunks). */
final class Responses {
    static final ObjectMapper JSON = new ObjectMapper();

    private Responses() {}

    /** The token string for log-prob entries: the decoded token, or {@code token_id:N} when asked. */
    static String tokenString(Tokenizer tokenizer, int id, boolean asIds) {
        return asIds ? "token_id:" + id : tokenizer.decode(new int[] {id}, false);
    }

    /** Chat {@code logprobs.content} entries for tokens {@code from..to} of a sample. */
    static ArrayNode chatLogprobs(Tokenizer tok, OpenAiRequest req, int[] ids, float[] lps, List<int[]> topIds,
            List<float[]> topLps, int from, int to) {
        ArrayNode content = JSON.createArrayNode();
        for (int i = from; i < to; i++) {
            ObjectNode e = content.addObject();
            String t = tokenString(tok, ids[i], req.tokensAsIds());
            e.put("token", t);
            e.put("logprob", lps[i]);
            bytes(e, t);
            ArrayNode top = e.putArray("top_logprobs");
            if (req.topLogprobs() > 0 && i < topIds.size()) {
                for (int k = 0; k < topIds.get(i).length; k++) {
                    ObjectNode a = top.addObject();
                    String ts = tokenString(tok, topIds.get(i)[k], req.tokensAsIds());
                    a.put("token", ts);
                    a.put("logprob", topLps.get(i)[k]);
                    bytes(a, ts);
                }
            }
        }
        return content;
    }

    private static void bytes(ObjectNode e, String token) {
        ArrayNode b = e.putArray("bytes");
        for (byte x : token.getBytes(StandardCharsets.UTF_8)) {
            b.add(x & 0xff);
        }
    }

    /** Completions {@code logprobs} for tokens {@code from..to}, with text offsets starting at {@code offset}. */
    static ObjectNode completionLogprobs(Tokenizer tok, OpenAiRequest req, int[] ids, float[] lps, List<int[]> topIds,
            List<float[]> topLps, int from, int to, int offset) {
        ObjectNode o = JSON.createObjectNode();
        ArrayNode offsets = o.putArray("text_offset");
        ArrayNode tokenLps = o.putArray("token_logprobs");
        ArrayNode tokens = o.putArray("tokens");
        ArrayNode tops = o.putArray("top_logprobs");
        int at = offset;
        for (int i = from; i < to; i++) {
            String t = tokenString(tok, ids[i], req.tokensAsIds());
            offsets.add(at);
            at += t.length();
            tokenLps.add(lps[i]);
            tokens.add(t);
            ObjectNode top = tops.addObject();
            if (i < topIds.size()) {
                for (int k = 0; k < topIds.get(i).length; k++) {
                    top.put(tokenString(tok, topIds.get(i)[k], req.tokensAsIds()), topLps.get(i)[k]);
                }
            }
            top.put(t, lps[i]); // the chosen token is always among them, as in vLLM
        }
        return o;
    }

    static ObjectNode usage(int promptTokens, int completionTokens) {
        ObjectNode u = JSON.createObjectNode();
        u.put("prompt_tokens", promptTokens);
        u.put("total_tokens", promptTokens + completionTokens);
        u.put("completion_tokens", completionTokens);
        u.putNull("prompt_tokens_details");
        return u;
    }

    static void stopReason(ObjectNode choice, Generator.Sample s) {
        Object r = s.stopReason();
        if (r == null) {
            choice.putNull("stop_reason");
        } else if (r instanceof Integer i) {
            choice.put("stop_reason", i);
        } else {
            choice.put("stop_reason", r.toString());
        }
    }

    static ArrayNode ids(int[] ids) {
        ArrayNode a = JSON.createArrayNode();
        for (int i : ids) {
            a.add(i);
        }
        return a;
    }
}
