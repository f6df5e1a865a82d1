package dev.feedloop.adapterstore;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Serves a store root read-only over HTTP on 127.0.0.1, as the trainer does: {@code GET /adapters/<relative
 * path>} returns the regular file {@code <root>/<relative path>} or 404. Written independently of the store, with
 * switches for the misbehaviours the fetch tests need.
 */
final class RootServer implements AutoCloseable {
    static final String PREFIX = "/adapters/";
    private static final Pattern SAFE_PATH = Pattern.compile("[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*");

    private final Path root;
    private final HttpServer server;
    private final ExecutorService handlers;
    private final CountDownLatch released = new CountDownLatch(1);
    private boolean stopped; // guarded by this

    /** Every request path, in arrival order. */
    final List<String> requests = new CopyOnWriteArrayList<>();
    /** A status to answer instead of serving, by request path. */
    final Map<String, Integer> forcedStatus = new ConcurrentHashMap<>();
    /** When set, every response waits until it is counted down. */
    volatile CountDownLatch gate;
    /** Send the headers and half of the body, then nothing until {@link #close}. */
    volatile boolean stallBodies;
    /** Send bodies chunked, without Content-Length. */
    volatile boolean chunked;

    private RootServer(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.handlers = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "root-server");
            t.setDaemon(true);
            return t;
        });
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(PREFIX, this::handle);
        server.setExecutor(handlers);
        server.start();
    }

    static RootServer serve(Path root) throws IOException {
        return new RootServer(root);
    }

    /** {@code http://127.0.0.1:<port>/adapters/}. */
    URI baseUri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + PREFIX);
    }

    /** The request paths for files (everything but manifest probes). */
    List<String> fileRequests() {
        return requests.stream().filter(p -> !p.endsWith("/" + LocalAdapterStore.MANIFEST)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            requests.add(path);
            CountDownLatch g = gate;
            if (g != null && !g.await(30, TimeUnit.SECONDS)) {
                exchange.sendResponseHeaders(503, -1);
                return;
            }
            String method = exchange.getRequestMethod();
            if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            Integer forced = forcedStatus.get(path);
            if (forced != null) {
                exchange.sendResponseHeaders(forced, -1);
                return;
            }
            String rel = path.substring(PREFIX.length());
            Path file = root.resolve(rel).normalize();
            if (!SAFE_PATH.matcher(rel).matches() || rel.startsWith(".tmp-") || !file.startsWith(root)
                    || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            long size = Files.size(file);
            if (method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Content-Length", Long.toString(size));
                exchange.sendResponseHeaders(200, -1);
                return;
            }
            exchange.sendResponseHeaders(200, chunked ? 0 : size);
            OutputStream out = exchange.getResponseBody();
            if (stallBodies) {
                byte[] bytes = Files.readAllBytes(file);
                out.write(bytes, 0, bytes.length / 2);
                out.flush();
                released.await(30, TimeUnit.SECONDS);
                return;
            }
            try (InputStream in = Files.newInputStream(file)) {
                in.transferTo(out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        released.countDown();
        CountDownLatch g = gate;
        if (g != null) {
            while (g.getCount() > 0) {
                g.countDown();
            }
        }
        server.stop(0);
        handlers.shutdownNow();
    }
}
