package dev.feedloop.sidecar.serve;

import dev.feedloop.djl.PolicyEngine;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code feedloop serve}: policy engine, serving engine and HTTP server, started together and
 * closed together (for the CLI, tests and benchmarks).
 */
public final class ServeRuntime implements AutoCloseable {
    private final PolicyEngine policy;
    private final ServingEngine engine;
    private final Vertx vertx;
    private final OpenAiServer server;

    private ServeRuntime(PolicyEngine policy, ServingEngine engine, Vertx vertx, OpenAiServer server) {
        this.policy = policy;
        this.engine = engine;
        this.vertx = vertx;
        this.server = server;
    }

    /**
     * Loads the model and starts serving.
     *
     * @throws IOException if the model or an adapter cannot be loaded, or the port cannot be bound
     */
    public static ServeRuntime start(ServeOptions options) throws IOException {
        PolicyEngine policy = PolicyEngine.load(options.model());
        ServingEngine engine = null;
        Vertx vertx = null;
        try {
            engine = new ServingEngine(policy, options);
            vertx = Vertx.vertx();
            OpenAiServer server = new OpenAiServer(engine, options.host(), options.port());
            vertx.deployVerticle(server).await(60, TimeUnit.SECONDS);
            return new ServeRuntime(policy, engine, vertx, server);
        } catch (VllmError e) {
            closeAll(policy, engine, vertx);
            throw new IOException("cannot start: " + e.getMessage(), e);
        } catch (Exception e) {
            closeAll(policy, engine, vertx);
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot start the server on " + options.host() + ":" + options.port() + ": " + e.getMessage(), e);
        }
    }

    private static void closeAll(PolicyEngine policy, ServingEngine engine, Vertx vertx) {
        if (vertx != null) {
            vertx.close();
        }
        if (engine != null) {
            engine.close();
        }
        policy.close();
    }

    /** The bound port. */
    public int port() {
        return server.actualPort();
    }

    /** {@code http://host:port}. */
    public String baseUrl() {
        return "http://" + engine.options().host() + ":" + port();
    }

    /** The serving engine. */
    public ServingEngine engine() {
        return engine;
    }

    @Override
    public void close() {
        try {
            vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            // closing anyway
        }
        engine.close();
        policy.close();
    }
}
