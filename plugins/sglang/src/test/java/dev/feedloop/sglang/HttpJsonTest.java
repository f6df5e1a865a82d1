package dev.feedloop.sglang;

import static org.assertj.core.api.Assertions.assertThat;

import dev.feedloop.contracts.spi.PluginContext;
import dev.feedloop.contracts.spi.ServingBackend;
import dev.feedloop.contracts.spi.ServingBackend.BackendException;
import dev.feedloop.contracts.spi.ServingBackend.BackendException.Reason;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Status and transport failures map to the documented reasons. */
class HttpJsonTest {
    @ParameterizedTest(name = "HTTP {0} is {1}")
    @CsvSource({"400, REJECTED", "401, REJECTED", "404, NOT_FOUND", "408, UNAVAILABLE", "422, REJECTED",
        "429, UNAVAILABLE", "500, UNAVAILABLE", "503, UNAVAILABLE", "301, PROTOCOL"})
    void statusMapsToReason(int status, Reason reason) {
        assertThat(HttpJson.reasonFor(status)).isEqualTo(reason);
    }

    @Test
    void connectionRefusedIsUnavailable() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (ServingBackend b = new SglangBackendProvider().create(PluginContext.of("sglang",
                Map.of("url", "http://127.0.0.1:" + port, "base-model", "m")))) {
            BackendException e = Await.failure(b.retire("x"));

            assertThat(e.reason()).isEqualTo(Reason.UNAVAILABLE);
            assertThat(e).hasMessageContaining("could not connect");
        }
    }
}
