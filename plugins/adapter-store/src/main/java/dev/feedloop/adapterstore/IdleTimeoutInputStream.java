package dev.feedloop.adapterstore;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A stream that fails once no byte has arrived for a whole timeout.
 *
 * <p>The JDK {@code HttpClient}'s request timeout ends when the response headers arrive, and a blocking read of
 * its body has no timeout of its own: a server that stops sending would hold a blocking-pool thread for ever.
 * This stream checks for progress every timeout on the JDK's shared delay thread and, when there was none,
 * closes the underlying stream, which wakes the blocked reader; the read then fails with
 * {@link HttpTimeoutException}. The check itself does no I/O beyond that close.
 */
final class IdleTimeoutInputStream extends FilterInputStream {
    private final long timeoutNanos;
    private final String what;
    private volatile long lastProgress;
    private volatile boolean timedOut;
    private volatile boolean closed;

    /**
     * Starts watching at once.
     *
     * @param in the stream to guard
     * @param timeout the longest pause allowed between reads that return data
     * @param what the source, for the timeout message
     */
    IdleTimeoutInputStream(InputStream in, Duration timeout, String what) {
        super(in);
        this.timeoutNanos = timeout.toNanos();
        this.what = what;
        this.lastProgress = System.nanoTime();
        schedule(timeoutNanos);
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = in.read(b, off, len);
        } catch (IOException e) {
            throw timedOut ? timeout(e) : e;
        }
        if (timedOut) {
            throw timeout(null);
        }
        lastProgress = System.nanoTime();
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skip is not supported");
    }

    @Override
    public void close() throws IOException {
        closed = true;
        in.close();
    }

    private HttpTimeoutException timeout(IOException cause) {
        HttpTimeoutException e = new HttpTimeoutException("no data from " + what + " for "
                + Duration.ofNanos(timeoutNanos).toMillis() + " ms");
        if (cause != null) {
            e.initCause(cause);
        }
        return e;
    }

    private void schedule(long delayNanos) {
        CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS, Runnable::run).execute(this::check);
    }

    private void check() {
        if (closed) {
            return;
        }
        long idle = System.nanoTime() - lastProgress;
        if (idle < timeoutNanos) {
            schedule(timeoutNanos - idle);
            return;
        }
        timedOut = true;
        try {
            in.close();
        } catch (IOException | RuntimeException e) {
            // The reader fails with the timeout either way; nothing else to do on the delay thread.
        }
    }
}
