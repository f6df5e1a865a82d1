package dev.feedloop.sglang;

import com.fasterxml.jackson.databind.JsonNode;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code GET /v1/models} listing, in the vLLM shape SGLang copies: {@code {"object":"list","data":[{"id",
 * "root","parent",...}]}}. Recent SGLang lists each loaded adapter with {@code root} = its {@code lora_path}
 * and {@code parent} = the served model; older builds list only the base model. Stateless and thread-safe.
 */
final class ModelCards {
    private ModelCards() {}

    /**
     * One model card.
     *
     * @param id the name to put in {@code model}
     * @param root the base model's name, or a LoRA card's path; null if absent
     * @param parent a LoRA card's base model; null for a base model
     */
    record Card(String id, String root, String parent) {
        /** Whether this is a LoRA adapter card (it has a parent). */
        boolean isAdapter() {
            return parent != null;
        }
    }

    /**
     * Parses a listing. Cards without an {@code id} are skipped; unknown keys are ignored.
     *
     * @param stack the server's name, for messages
     * @param listing the response body
     * @return the cards, in server order
     * @throws BackendException {@code PROTOCOL} if there is no {@code data} array
     */
    static List<Card> parse(String stack, JsonNode listing) {
        JsonNode data = listing.get("data");
        if (data == null || !data.isArray()) {
            throw new BackendException(Reason.PROTOCOL, stack + " GET /v1/models answered without a \"data\" list: "
                    + HttpJson.abbreviate(listing.toString()));
        }
        List<Card> cards = new ArrayList<>();
        for (JsonNode card : data) {
            String id = text(card.get("id"));
            if (id != null) {
                cards.add(new Card(id, text(card.get("root")), text(card.get("parent"))));
            }
        }
        return cards;
    }

    /**
     * Starts {@code GET /v1/models}.
     *
     * @return the cards; fails with the mapped BackendException on a non-2xx status or a malformed listing
     */
    static CompletableFuture<List<Card>> fetch(HttpJson http) {
        return http.get("/v1/models").thenApply(reply -> {
            if (!reply.ok()) {
                throw http.failure(reply);
            }
            return parse(http.stack(), http.json(reply));
        });
    }

    /** The card with this id, if listed. */
    static Optional<Card> find(List<Card> cards, String id) {
        return cards.stream().filter(c -> c.id().equals(id)).findFirst();
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() || !node.isValueNode() ? null : node.asText();
    }
}
