package dev.feedloop.vllm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Status and transport failures map to the documented {@link Reason}s, with the server's message. */
class HttpJsonTest {
    @ParameterizedTest(name = "HTTP {0} is {1}")
    @CsvSource({"400, REJECTED", "401, REJECTED", "403, REJECTED", "404, NOT_FOUND", "408, UNAVAILABLE",
        "415, REJECTED", "422, REJECTED", "424, REJECTED", "429, UNAVAILABLE", "500, UNAVAILABLE",
        "502, UNAVAILABLE", "503, UNAVAILABLE", "504, UNAVAILABLE", "302, PROTOCOL", "200, PROTOCOL"})
    void statusMapsToReason(int status, Reason reason) {
        assertThat(HttpJson.reasonFor(status)).isEqualTo(reason);
    }

    @Test
    void failureCarriesTheServersMessageInBothVllmShapes() throws Exception {
        for (boolean legacy : new boolean[] {false, true}) {
            FakeVllm.Options options = new FakeVllm.Options();
            options.legacyErrors = legacy;
            try (FakeVllm server = new FakeVllm(options);
                    HttpJson http = new HttpJson("vLLM", URI.create(server.url()), null, Duration.ofSeconds(5))) {
                HttpJson.Reply reply = http.post("/v1/unload_lora_adapter",
                        HttpJson.JSON.createObjectNode().put("lora_name", "nope")).get(5, TimeUnit.SECONDS);

                BackendException e = http.failure(reply);
                assertThat(e.reason()).isEqualTo(Reason.NOT_FOUND);
                assertThat(e).hasMessage("vLLM POST /v1/unload_lora_adapter failed: HTTP 404: The lora adapter 'nope' "
                        + "cannot be found. (NotFoundError)");
            }
        }
    }

    @Test
    void connectionRefusedIsUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        URI closed = URI.create("http://127.0.0.1:" + port);
        try (HttpJson http = new HttpJson("vLLM", closed, null, Duration.ofSeconds(5))) {
            BackendException e = failure(http, "/v1/models");

            assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(e).hasMessageContaining("GET /v1/models at http://127.0.0.1:" + port);
        }
    }

    @Test
    void timeoutIsUnavailable() throws IOException {
        try (FakeVllm server = new FakeVllm();
                HttpJson http = new HttpJson("vLLM", URI.create(server.url()), null, Duration.ofMillis(200))) {
            server.stallOnce("/v1/models", Duration.ofSeconds(2));

            BackendException e = failure(http, "/v1/models");

            assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(e).hasMessageContaining("timed out after PT0.2S");
        }
    }

    @Test
    void nonJsonSuccessBodyIsAProtocolError() throws Exception {
        try (FakeVllm server = new FakeVllm();
                HttpJson http = new HttpJson("vLLM", URI.create(server.url()), null, Duration.ofSeconds(5))) {
            server.respondOnce("/v1/models", 200, "text/html", "<html>proxy login</html>");
            HttpJson.Reply reply = http.get("/v1/models").get(5, TimeUnit.SECONDS);

            BackendException e = catchThrowableOfType(BackendException.class, () -> http.json(reply));
            assertThat(e.reason()).isEqualTo(Reason.PROTOCOL);
            assertThat(e).hasMessageContaining("<html>proxy login</html>");
            assertThat(reply.text()).isEqualTo("<html>proxy login</html>");
            assertThat(reply.body()).isEqualTo("<html>proxy login</html>".getBytes(StandardCharsets.UTF_8));
        }
    }

    private static BackendException failure(HttpJson http, String path) {
        try {
            http.get(path).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(BackendException.class);
            return (BackendException) e.getCause();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("expected " + path + " to fail");
    }
}
