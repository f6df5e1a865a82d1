package dev.feedloop.sidecar.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer's adapter file server serves published files and nothing else. */
class AdapterFileServerIT {
    @TempDir
    Path root;

    private static String get(int port, String rawPath) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.getOutputStream().write(("GET " + rawPath + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void servesPublishedFilesAndRefusesEverythingElse() throws Exception {
        Files.createDirectories(root.resolve("assistant/3"));
        Files.writeString(root.resolve("assistant/3/adapter_config.json"), "{\"r\":8}");
        Files.createDirectories(root.resolve(".tmp-123"));
        Files.writeString(root.resolve(".tmp-123/secret.txt"), "half-written");
        Files.writeString(root.getParent().resolve("outside.txt"), "not yours");
        Vertx vertx = Vertx.vertx();
        try {
            AdapterFileServer server = new AdapterFileServer(root, "127.0.0.1", 0);
            vertx.deployVerticle(server).await(30, TimeUnit.SECONDS);
            int port = server.actualPort();
            String ok = get(port, "/adapters/assistant/3/adapter_config.json");
            assertThat(ok).startsWith("HTTP/1.1 200").endsWith("{\"r\":8}");
            assertThat(server.publicUrl()).isEqualTo("http://127.0.0.1:" + port + "/adapters/");
            for (String bad : new String[] {"/adapters/assistant/3/missing.json", "/adapters/assistant/0/adapter_config.json",
                    "/adapters/.tmp-123/1/secret.txt", "/adapters/assistant/3/../../../outside.txt",
                    "/adapters/assistant/3/%2e%2e/%2e%2e/outside.txt", "/adapters/Assistant/3/adapter_config.json", "/other"}) {
                assertThat(get(port, bad)).as(bad).startsWith("HTTP/1.1 404");
            }
        } finally {
            vertx.close().await(30, TimeUnit.SECONDS);
        }
    }
}
