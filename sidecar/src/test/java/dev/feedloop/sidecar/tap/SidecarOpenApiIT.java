package dev.feedloop.sidecar.tap;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import dev.feedloop.contracts.schema.SchemaRegistry;
import dev.feedloop.sidecar.embedded.EmbeddedKafka;
import dev.feedloop.sidecar.store.AdapterFileServer;
import dev.feedloop.sidecar.testing.KafkaBrokerExtension;
import dev.feedloop.sidecar.testing.TapFixture;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OpenAPI document in {@code contracts} against the real servers: every documented operation is
 * served on its listener with a documented status and a body that validates against the documented
 * schema, and every route the listeners register is documented.
 */
@ExtendWith(KafkaBrokerExtension.class)
class SidecarOpenApiIT {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOC = "openapi/feedloop-sidecar-v1.yaml";

    private final HttpClient http = HttpClient.newHttpClient();

    private static JsonNode openApi() throws Exception {
        try (InputStream in = SchemaRegistry.class.getClassLoader().getResourceAsStream(DOC)) {
            assertThat(in).as(DOC + " on the contracts classpath").isNotNull();
            return YAML.readTree(in);
        }
    }

    /** A validator for one response schema of the document (refs into the contracts' schemas resolve from the classpath). */
    private static JsonSchema responseSchema(JsonNode doc, JsonNode schema) {
        JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
                b -> b.schemaMappers(m -> m.mapPrefix(SchemaRegistry.BASE_URI, "classpath:schemas/")));
        // inline the document's components so "#/components/schemas/X" resolves
        com.fasterxml.jackson.databind.node.ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.set("components", doc.path("components"));
        root.setAll((com.fasterxml.jackson.databind.node.ObjectNode) schema.deepCopy());
        return factory.getSchema(root, SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build());
    }

    /** Paths documented for a listener, as {@code METHOD path}. */
    private static Set<String> documented(JsonNode doc, String listener) {
        Set<String> out = new TreeSet<>();
        for (Map.Entry<String, JsonNode> p : doc.path("paths").properties()) {
            if (!listener.equals(p.getValue().path("x-feedloop-listener").asText())) {
                continue;
            }
            for (String m : new String[] {"get", "post", "put", "delete", "patch"}) {
                if (p.getValue().has(m)) {
                    out.add(m.toUpperCase() + " " + p.getKey());
                }
            }
        }
        return out;
    }

    /** Routes a router registers with a path, as {@code METHOD path} (a route without methods is listed as ANY). */
    private static Set<String> registered(Router router) {
        Set<String> out = new TreeSet<>();
        for (Route r : router.getRoutes()) {
            // a regex route carries its OpenAPI template as its name; routes without either are catch-alls
            String path = r.getPath() != null ? r.getPath() : r.isRegexPath() ? r.getName() : null;
            if (path == null) {
                continue;
            }
            if (r.methods() == null || r.methods().isEmpty()) {
                out.add("ANY " + path);
            } else {
                r.methods().forEach(m -> out.add(m.name() + " " + path));
            }
        }
        return out;
    }

    @Test
    void everyDocumentedOperationIsServedAsDocumented(EmbeddedKafka kafka, @TempDir Path dir) throws Exception {
        JsonNode doc = openApi();
        assertThat(doc.path("openapi").asText()).startsWith("3.1");
        assertThat(documented(doc, "tap")).containsExactly("POST /v1/feedback");
        assertThat(documented(doc, "management")).containsExactly("GET /health/live", "GET /health/ready", "GET /metrics");
        assertThat(documented(doc, "adapter-files")).containsExactly("GET /adapters/{name}/{version}/{file}");

        try (TapFixture tap = TapFixture.start(kafka.bootstrapServers(), "http://127.0.0.1:1", "feedback.token=t0k",
                "capture.redactor=none")) {
            String tapUrl = tap.url();
            String mgmt = "http://127.0.0.1:" + tap.tap().managementPort();
            // tap: POST /v1/feedback, every documented status we can provoke
            JsonNode op = doc.at("/paths/~1v1~1feedback/post/responses");
            check(doc, op, post(tapUrl + "/v1/feedback", "{\"inference_id\":\"i-1\",\"kind\":\"THUMBS_UP\"}", "t0k"), 202);
            check(doc, op, post(tapUrl + "/v1/feedback", "{\"inference_id\":\"i-1\",\"kind\":\"RATING\"}", "t0k"), 400);
            check(doc, op, post(tapUrl + "/v1/feedback", "{}", null), 401);
            check(doc, op, send(HttpRequest.newBuilder(URI.create(tapUrl + "/v1/feedback")).GET()), 405);
            check(doc, op, post(tapUrl + "/v1/feedback", "[" + "{\"inference_id\":\"i-1\",\"kind\":\"THUMBS_UP\"},".repeat(30_000)
                    + "{}]", "t0k"), 413);
            check(doc, op, send(HttpRequest.newBuilder(URI.create(tapUrl + "/v1/feedback")).header("Authorization", "Bearer t0k")
                    .header("Content-Type", "text/plain").POST(HttpRequest.BodyPublishers.ofString("{}"))), 415);
            // management
            check(doc, doc.at("/paths/~1health~1live/get/responses"), send(HttpRequest.newBuilder(URI.create(mgmt + "/health/live"))), 200);
            // the engine at port 1 is unreachable, so the tap is not ready
            check(doc, doc.at("/paths/~1health~1ready/get/responses"), send(HttpRequest.newBuilder(URI.create(mgmt + "/health/ready"))),
                    503);
            HttpResponse<String> metrics = send(HttpRequest.newBuilder(URI.create(mgmt + "/metrics")));
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body()).contains("feedloop_feedback_requests_total");

            // every route each listener registers is documented for it
            assertThat(registered(tap.tap().proxyRouter())).containsExactlyInAnyOrder("POST /v1/feedback", "ANY /v1/feedback");
            assertThat(registered(tap.tap().managementRouter())).isEqualTo(documented(doc, "management"));
        }

        Vertx vertx = Vertx.vertx();
        try {
            Path root = dir.resolve("files");
            Files.createDirectories(root.resolve("assistant/1"));
            Files.writeString(root.resolve("assistant/1/adapter_config.json"), "{\"r\":4}");
            AdapterFileServer files = new AdapterFileServer(root, "127.0.0.1", 0);
            vertx.deployVerticle(files).await(30, TimeUnit.SECONDS);
            assertThat(registered(files.router())).isEqualTo(documented(doc, "adapter-files"));
            JsonNode op = doc.at("/paths/~1adapters~1{name}~1{version}~1{file}/get/responses");
            HttpResponse<String> found = send(HttpRequest.newBuilder(URI.create(files.publicUrl() + "assistant/1/adapter_config.json")));
            check(doc, op, found, 200);
            assertThat(found.body()).isEqualTo("{\"r\":4}");
            check(doc, op, send(HttpRequest.newBuilder(URI.create(files.publicUrl() + "assistant/1/missing.json"))), 404);
        } finally {
            vertx.close().await(10, TimeUnit.SECONDS);
        }
    }

    private void check(JsonNode doc, JsonNode responses, HttpResponse<String> r, int expected) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expected);
        JsonNode documentedResponse = responses.path(String.valueOf(expected));
        assertThat(documentedResponse.isMissingNode()).as("status %d is documented", expected).isFalse();
        JsonNode schema = documentedResponse.at("/content/application~1json/schema");
        if (!schema.isMissingNode()) {
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
            assertThat(responseSchema(doc, schema).validate(JSON.readTree(r.body()))).as(r.body()).isEmpty();
        }
        for (Iterator<String> h = documentedResponse.path("headers").fieldNames(); h.hasNext();) {
            String header = h.next();
            assertThat(r.headers().firstValue(header)).as("documented header %s", header).isPresent();
        }
    }

    private HttpResponse<String> post(String url, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b);
    }

    private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
