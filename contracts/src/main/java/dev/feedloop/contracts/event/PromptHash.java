package dev.feedloop.contracts.event;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

final class PromptHash {
    private static final ObjectMapper CANONICAL = JsonMapper.builder()
            .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private PromptHash() {}

    static String of(Prompt prompt) {
        ObjectNode root = CANONICAL.createObjectNode();
        if (prompt.messages() != null) {
            ArrayNode messages = root.putArray("messages");
            for (Message m : prompt.messages()) {
                ObjectNode node = messages.addObject();
                node.put("content", m.content());
                if (m.name() != null) {
                    node.put("name", m.name());
                }
                node.put("role", m.role() == null ? null : m.role().name().toLowerCase(Locale.ROOT));
            }
        } else {
            root.put("text", prompt.text());
        }
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(root);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot hash prompt", e);
        }
    }
}
