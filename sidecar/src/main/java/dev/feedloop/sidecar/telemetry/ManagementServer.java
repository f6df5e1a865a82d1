package dev.feedloop.sidecar.telemetry;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The management port: {@code GET /metrics} (Prometheus text), {@code GET /health/live} (the process
 * runs) and {@code GET /health/ready} (the dependencies the role needs are reachable; 503 with the
 * failing checks otherwise). Never blocks: readiness checks read cached state.
 */
public final class ManagementServer extends VerticleBase {
    private final Metrics metrics;
    private final Supplier<Map<String, Boolean>> readiness;
    private final String host;
    private final int port;
    private HttpServer server;
    private Router router;

    /**
     * @param readiness named checks, e.g. {@code kafka -> true}; evaluated on each request, must be cheap
     */
    public ManagementServer(Metrics metrics, Supplier<Map<String, Boolean>> readiness, String host, int port) {
        this.metrics = metrics;
        this.readiness = readiness;
        this.host = host;
        this.port = port;
    }

    /** The bound port. */
    public int actualPort() {
        return server.actualPort();
    }

    /** The router (after start), for checking the routes against the OpenAPI document. */
    public Router router() {
        return router;
    }

    @Override
    public Future<?> start() {
        router = Router.router(vertx);
        router.get("/metrics").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
        router.get("/health/live").handler(ctx -> ctx.response().putHeader("Content-Type", "application/json")
                .end("{\"status\":\"UP\"}"));
        router.get("/health/ready").handler(ctx -> {
            Map<String, Boolean> checks = readiness.get();
            boolean up = checks.values().stream().allMatch(Boolean::booleanValue);
            StringBuilder sb = new StringBuilder("{\"status\":\"").append(up ? "UP" : "DOWN").append("\",\"checks\":{");
            boolean first = true;
            for (Map.Entry<String, Boolean> e : checks.entrySet()) {
                sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(e.getValue() ? "UP" : "DOWN").append('"');
                first = false;
            }
            sb.append("}}");
            ctx.response().setStatusCode(up ? 200 : 503).putHeader("Content-Type", "application/json").end(sb.toString());
        });
        server = vertx.createHttpServer();
        return server.requestHandler(router).listen(port, host);
    }
}
