package dev.feedloop.adapterstore;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Where the files of one published version are read from during a fetch: a local directory or an HTTP base
 * URL. Nothing an origin returns is trusted; the caller checks every byte against the release.
 */
interface Origin {
    /**
     * Opens one file.
     *
     * @param relativePath a canonical relative path ({@link AdapterPaths#problem} is null)
     * @return the body and the size the origin announces
     * @throws NoSuchFileException if the origin has no such file
     * @throws IOException if it cannot be read
     */
    Opened open(String relativePath) throws IOException;

    /**
     * Whether the version itself exists at the origin, asked after a file was missing: a missing version is
     * {@code NOT_FOUND}, a missing file of an existing version is {@code INTEGRITY}.
     *
     * @throws IOException if the origin cannot tell
     */
    boolean versionExists() throws IOException;

    /** The file's location, for messages. */
    String describe(String relativePath);

    /**
     * An opened file.
     *
     * @param body the bytes; the caller closes it
     * @param announcedSize the size the origin states up front (file size, {@code Content-Length}), or -1
     */
    record Opened(InputStream body, long announcedSize) implements Closeable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** A version directory on a local file system. */
    final class Directory implements Origin {
        private final Path base;

        Directory(Path base) {
            this.base = base;
        }

        @Override
        public Opened open(String relativePath) throws IOException {
            Path file = base.resolve(relativePath);
            // A published version holds regular files only; never follow a link out of it.
            InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS);
            try {
                return new Opened(in, Files.size(file));
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
        }

        @Override
        public boolean versionExists() {
            return Files.isDirectory(base);
        }

        @Override
        public String describe(String relativePath) {
            return base.resolve(relativePath).toString();
        }
    }

    /**
     * A version served over HTTP: {@code GET <base><relative path>} returns the file's bytes with status 200;
     * 404 or 410 means it is not there. {@code GET <base>feedloop-manifest.json} tells whether the version
     * exists. The request timeout bounds connecting and waiting for the response headers, and an
     * {@link IdleTimeoutInputStream} bounds every pause in the body.
     */
    final class Http implements Origin {
        private final Supplier<HttpClient> client;
        private final URI base;
        private final Duration timeout;

        Http(Supplier<HttpClient> client, URI base, Duration timeout) {
            this.client = client;
            this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
            this.timeout = timeout;
        }

        @Override
        public Opened open(String relativePath) throws IOException {
            URI uri = base.resolve(relativePath);
            HttpResponse<InputStream> response = get(uri, HttpResponse.BodyHandlers.ofInputStream());
            int status = response.statusCode();
            if (status == 200) {
                long length = response.headers().firstValueAsLong("Content-Length").orElse(-1L);
                return new Opened(new IdleTimeoutInputStream(response.body(), timeout, uri.toString()), length);
            }
            response.body().close();
            if (status == 404 || status == 410) {
                throw new NoSuchFileException(uri.toString(), null, "HTTP " + status);
            }
            throw new IOException("HTTP " + status + " from GET " + uri);
        }

        @Override
        public boolean versionExists() throws IOException {
            URI uri = base.resolve(LocalAdapterStore.MANIFEST);
            int status = get(uri, HttpResponse.BodyHandlers.discarding()).statusCode();
            if (status == 200) {
                return true;
            }
            if (status == 404 || status == 410) {
                return false;
            }
            throw new IOException("HTTP " + status + " from GET " + uri);
        }

        @Override
        public String describe(String relativePath) {
            return base.resolve(relativePath).toString();
        }

        private <T> HttpResponse<T> get(URI uri, HttpResponse.BodyHandler<T> handler) throws IOException {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout).GET().build();
            try {
                return client.get().send(request, handler);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                InterruptedIOException io = new InterruptedIOException("interrupted during GET " + uri);
                io.initCause(e);
                throw io;
            }
        }
    }
}
