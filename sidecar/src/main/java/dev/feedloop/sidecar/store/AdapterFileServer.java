package dev.feedloop.sidecar.store;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Serves a published adapter root read-only over HTTP, the way the {@code local} adapter store fetches
 * it: {@code GET /adapters/<name>/<version>/<relative path>}. Only published files are reachable:
 * names, versions and paths are checked against strict patterns (no {@code ..}, no hidden temporary
 * directories) and the resolved file must lie under the root. Files are sent with the event loop's
 * zero-copy {@code sendFile}; nothing blocks.
 */
public final class AdapterFileServer extends VerticleBase {
    /** URL prefix of published versions. */
    public static final String PREFIX = "/adapters/";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]{0,62}");
    private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,9}");
    private static final Pattern FILE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*");

    private final Path root;
    private final String host;
    private final int port;
    private HttpServer server;
    private Router router;

    public AdapterFileServer(Path root, String host, int port) {
        this.root = root.toAbsolutePath().normalize();
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

    private static void notFound(HttpServerResponse response) {
        response.setStatusCode(404).putHeader("Content-Type", "application/json")
                .end("{\"code\":\"not_found\",\"message\":\"no such published adapter file\",\"details\":[]}");
    }

    /** The base URL to configure as the store's {@code public-url}. */
    public String publicUrl() {
        return "http://" + host + ":" + actualPort() + PREFIX;
    }

    @Override
    public Future<?> start() {
        router = Router.router(vertx);
        router.getWithRegex("/adapters/([^/]+)/([^/]+)/(.+)").setName("/adapters/{name}/{version}/{file}").handler(this::serve);
        router.route().last().handler(ctx -> notFound(ctx.response()));
        server = vertx.createHttpServer();
        return server.requestHandler(router).listen(port, host);
    }

    private void serve(RoutingContext ctx) {
        String name = ctx.pathParam("param0");
        String version = ctx.pathParam("param1");
        String file = ctx.pathParam("param2");
        HttpServerResponse response = ctx.response();
        if (!NAME.matcher(name).matches() || !VERSION.matcher(version).matches() || !FILE.matcher(file).matches()) {
            notFound(response);
            return;
        }
        Path p = root.resolve(name).resolve(version).resolve(file).normalize();
        if (!p.startsWith(root)) {
            notFound(response);
            return;
        }
        vertx.fileSystem().exists(p.toString()).onComplete(ar -> {
            if (ar.failed() || !ar.result()) {
                notFound(response);
            } else {
                response.putHeader("Content-Type", "application/octet-stream").sendFile(p.toString());
            }
        });
    }
}
