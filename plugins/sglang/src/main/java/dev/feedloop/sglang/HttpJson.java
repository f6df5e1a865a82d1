package dev.feedloop.sglang;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * JSON over HTTP/1.1 to one serving stack, with the JDK client, and the mapping of its failures to
 * {@link BackendException}.
 *
 * <p>Requests never block the caller: {@link #get} and {@link #post} return at once and complete on this
 * client's own daemon threads ({@code feedloop-<stack>-http-N}). Thread-safe; {@link #close()} stops the
 * threads.
 */
final class HttpJson implements AutoCloseable {
    /** Tree-model JSON: unknown and missing keys are the reader's business, never an exception. */
    static final ObjectMapper JSON = JsonMapper.builder().build();

    private final String stack;
    private final String base;
    private final String apiKey;
    private final Duration timeout;
    private final ExecutorService executor;
    private final HttpClient client;

    /**
     * Creates a client.
     *
     * @param stack the server's name in messages, e.g. {@code SGLang}
     * @param base the base URL, e.g. {@code http://127.0.0.1:8001}; paths are appended to it
     * @param apiKey sent as {@code Authorization: Bearer}; null for none
     * @param timeout connect timeout and the whole-request timeout
     */
    HttpJson(String stack, URI base, String apiKey, Duration timeout) {
        this.stack = Objects.requireNonNull(stack, "stack");
        String b = base.toString();
        this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
        this.apiKey = apiKey;
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        String prefix = "feedloop-" + stack.toLowerCase(Locale.ROOT) + "-http-";
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .executor(executor)
                .build();
    }

    /** The server's name in messages. */
    String stack() {
        return stack;
    }

    /**
     * A response, whatever its status.
     *
     * @param operation {@code METHOD /path}, for messages
     * @param status the HTTP status
     * @param body the body bytes, possibly empty
     */
    record Reply(String operation, int status, byte[] body) {
        /** Whether the status is 2xx. */
        boolean ok() {
            return status >= 200 && status < 300;
        }

        /** The body as UTF-8 text. */
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Starts a GET; completes with the reply, or fails with an {@code UNAVAILABLE} BackendException. */
    CompletableFuture<Reply> get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), "GET " + path);
    }

    /**
     * Starts a POST of a JSON body; completes with the reply, or fails with an {@code UNAVAILABLE}
     * BackendException when the server cannot be reached in time.
     */
    CompletableFuture<Reply> post(String path, JsonNode body) {
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        return send(b, "POST " + path);
    }

    private URI uri(String path) {
        return URI.create(base + path);
    }

    private CompletableFuture<Reply> send(HttpRequest.Builder builder, String operation) {
        builder.timeout(timeout).header("Accept", "application/json");
        if (apiKey != null) {
            builder.header("Authorization", "Bearer " + apiKey);
        }
        CompletableFuture<HttpResponse<byte[]>> sent;
        try {
            sent = client.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(transportFailure(operation, e));
        }
        return sent.handle((response, error) -> {
            if (error != null) {
                throw transportFailure(operation, unwrap(error));
            }
            return new Reply(operation, response.statusCode(), response.body());
        });
    }

    /**
     * The body of a 2xx reply as JSON.
     *
     * @throws BackendException {@code PROTOCOL} if it is not JSON
     */
    JsonNode json(Reply reply) {
        try {
            JsonNode node = JSON.readTree(reply.body());
            if (node == null || node.isMissingNode()) {
                throw new BackendException(Reason.PROTOCOL, stack + " " + reply.operation() + " answered HTTP "
                        + reply.status() + " with an empty body where JSON was expected");
            }
            return node;
        } catch (IOException e) {
            throw new BackendException(Reason.PROTOCOL, stack + " " + reply.operation() + " answered HTTP "
                    + reply.status() + " with a body that is not JSON: " + abbreviate(reply.text()), e);
        }
    }

    /**
     * The failure a non-2xx reply stands for, with the server's message.
     *
     * @param reply the reply
     * @param hint appended to the message when not null (what to check)
     * @return the exception, to throw
     */
    BackendException failure(Reply reply, String hint) {
        return new BackendException(reasonFor(reply.status()), stack + " " + reply.operation() + " failed: HTTP "
                + reply.status() + ": " + ServerErrors.describe(reply.body()) + (hint == null ? "" : "; " + hint));
    }

    /** {@link #failure(Reply, String)} without a hint. */
    BackendException failure(Reply reply) {
        return failure(reply, null);
    }

    /**
     * How a status maps to a failure kind: 404 is {@code NOT_FOUND}; 408, 429 and 5xx are {@code UNAVAILABLE}
     * (retrying later may work); other 4xx are {@code REJECTED}; anything else is {@code PROTOCOL}.
     */
    static Reason reasonFor(int status) {
        if (status == 404) {
            return Reason.NOT_FOUND;
        }
        if (status == 408 || status == 429 || status >= 500 && status < 600) {
            return Reason.UNAVAILABLE;
        }
        if (status >= 400 && status < 500) {
            return Reason.REJECTED;
        }
        return Reason.PROTOCOL;
    }

    /** Connection refused, reset or timed out is {@code UNAVAILABLE}; anything else is {@code PROTOCOL}. */
    BackendException transportFailure(String operation, Throwable error) {
        if (error instanceof BackendException be) {
            return be;
        }
        String what = stack + " " + operation + " at " + base;
        if (error instanceof HttpTimeoutException) {
            return new BackendException(Reason.UNAVAILABLE, what + " timed out after " + timeout + ": "
                    + error.getMessage(), error);
        }
        if (error instanceof ConnectException) {
            return new BackendException(Reason.UNAVAILABLE, what + " could not connect: " + error, error);
        }
        if (error instanceof IOException) {
            return new BackendException(Reason.UNAVAILABLE, what + " failed: " + error, error);
        }
        return new BackendException(Reason.PROTOCOL, what + " failed unexpectedly: " + error, error);
    }

    /** Strips the {@link CompletionException} and {@link ExecutionException} wrappers of a stage failure. */
    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    static String abbreviate(String text) {
        String s = text.strip();
        return s.length() <= ServerErrors.MAX_TEXT ? s : s.substring(0, ServerErrors.MAX_TEXT) + "...";
    }

    /** Stops the client's threads once the requests in flight have completed; new requests fail. */
    @Override
    public void close() {
        executor.shutdown();
    }
}
