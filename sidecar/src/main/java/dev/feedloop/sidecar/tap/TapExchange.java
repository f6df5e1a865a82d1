package dev.feedloop.sidecar.tap;

import dev.feedloop.sidecar.swap.RoutingTable;
import java.time.Instant;

/**
 * One proxied generation request and its complete response, as the tap saw them.
 *
 * @param inferenceId the id returned to the client in {@code x-feedloop-inference-id}
 * @param path the request path, e.g. {@code /v1/chat/completions}
 * @param requestBody the body the client sent (before alias rewriting)
 * @param responseBody every byte the engine answered (a JSON document or an SSE stream)
 * @param status HTTP status relayed to the client
 * @param startedAt when the request arrived
 * @param completedAt when the last byte was relayed
 * @param firstTokenMs milliseconds to the first response byte of a stream, null if not streamed
 * @param alias the alias the client asked for, or null if it named a model
 * @param decision how the request was routed
 * @param traceparent the W3C trace context forwarded to the engine
 */
public record TapExchange(String inferenceId, String path, byte[] requestBody, byte[] responseBody, int status, Instant startedAt,
        Instant completedAt, Double firstTokenMs, String alias, RoutingTable.Decision decision, String traceparent) {

    /** Bytes held by this exchange (for the capture queue's byte bound). */
    public long bytes() {
        return (long) requestBody.length + responseBody.length + 512;
    }
}
