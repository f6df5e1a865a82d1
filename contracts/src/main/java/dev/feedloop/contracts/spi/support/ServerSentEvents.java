package dev.feedloop.contracts.spi.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Splits a {@code text/event-stream} body into events, as the WHATWG HTML "event stream interpretation"
 * prescribes, for the dialects serving stacks write.
 *
 * <ul>
 *   <li>vLLM and SGLang write {@code data: {json}} (a space after the colon); axum-based servers (LoRAX, TGI)
 *       write {@code data:{json}}. One leading space is stripped from a field value, so both read the same.
 *   <li>Lines end with LF, CRLF or CR; a blank line ends an event. Several {@code data} lines in one event
 *       are joined with LF. Lines starting with {@code :} are comments and are ignored, as are unknown fields
 *       and {@code retry}.
 *   <li>{@code data: [DONE]} (OpenAI-style routes) is a sentinel, not JSON: it is never returned as an event;
 *       it marks the stream {@linkplain Decoder#done() done}, and anything after it is ignored.
 *   <li>An event without any {@code data} line is not dispatched. An event cut off by the end of the stream
 *       (no blank line after it) is not dispatched either; {@link Decoder#incomplete()} tells that it happened.
 * </ul>
 *
 * <p>Bytes may arrive in arbitrary chunks: a multi-byte UTF-8 character or a CRLF pair split across two
 * chunks is handled. Malformed UTF-8 is replaced with U+FFFD, as the specification requires. A leading
 * byte-order mark is skipped.
 *
 * <pre>{@code
 * ServerSentEvents.Decoder decoder = ServerSentEvents.decoder();
 * for (byte[] chunk : chunks) {
 *     for (ServerSentEvents.Event e : decoder.feed(chunk, 0, chunk.length)) {
 *         handle(e.data());
 *     }
 * }
 * boolean complete = decoder.done() && !decoder.incomplete();
 * }</pre>
 *
 * <p>This class is stateless and thread-safe; each {@link Decoder} holds the state of one stream and is
 * <b>not</b> thread-safe.
 */
public final class ServerSentEvents {
    /** The data of the event that ends OpenAI-style streams. */
    public static final String DONE = "[DONE]";

    /** The default bound on one line or one event's data, in characters (16 Mi). */
    public static final int DEFAULT_MAX_EVENT_CHARS = 16 << 20;

    private ServerSentEvents() {}

    /**
     * One dispatched event.
     *
     * @param type the {@code event} field, or {@code message} when the event has none
     * @param data the {@code data} lines joined with LF, without a trailing LF
     * @param id the last event id seen on the stream so far (it carries over between events), or empty
     */
    public record Event(String type, String data, String id) {
        /**
         * Validates the components.
         *
         * @throws NullPointerException if a component is null
         */
        public Event {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(data, "data");
            Objects.requireNonNull(id, "id");
        }
    }

    /**
     * A decoder for one stream with the default size bound.
     *
     * @return a new decoder
     */
    public static Decoder decoder() {
        return new Decoder(DEFAULT_MAX_EVENT_CHARS);
    }

    /**
     * A decoder for one stream.
     *
     * @param maxEventChars the longest line, and the most data in one event, in characters; larger input
     *     fails with {@link IllegalStateException} so a broken peer cannot exhaust memory
     * @return a new decoder
     * @throws IllegalArgumentException if {@code maxEventChars < 1}
     */
    public static Decoder decoder(int maxEventChars) {
        return new Decoder(maxEventChars);
    }

    /**
     * The events of a complete stream body, up to (not including) a {@code [DONE]} sentinel.
     *
     * @param body the whole body as text
     * @return the events, in order
     * @throws IllegalStateException if a line or an event exceeds {@link #DEFAULT_MAX_EVENT_CHARS}
     */
    public static List<Event> parse(CharSequence body) {
        Decoder decoder = decoder();
        List<Event> out = new ArrayList<>();
        int start = 0;
        int n = body.length();
        for (int i = 0; i < n && !decoder.done(); i++) {
            char c = body.charAt(i);
            if (c == '\n' || c == '\r') {
                out.addAll(decoder.line(body.subSequence(start, i).toString()));
                if (c == '\r' && i + 1 < n && body.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        return out;
    }

    /**
     * Reads a stream until {@code [DONE]} or its end, handing each event to {@code sink} as soon as it is
     * complete. Blocks on {@code in}; the caller closes it.
     *
     * @param in the response body
     * @param sink receives the events, in order, on the calling thread
     * @return true if the stream ended with {@code [DONE]}; false if it simply ended
     * @throws IOException if reading fails
     * @throws IllegalStateException if a line or an event exceeds {@link #DEFAULT_MAX_EVENT_CHARS}
     */
    public static boolean read(InputStream in, Consumer<Event> sink) throws IOException {
        Decoder decoder = decoder();
        byte[] buf = new byte[8192];
        int n;
        while (!decoder.done() && (n = in.read(buf)) != -1) {
            decoder.feed(buf, 0, n).forEach(sink);
        }
        return decoder.done();
    }

    /**
     * The incremental decoder of one event stream. Feed it bytes ({@link #feed}) or lines without their
     * terminators ({@link #line}, e.g. from {@code HttpResponse.BodyHandlers.ofLines()}), not both.
     *
     * <p>Not thread-safe: one thread at a time feeds one decoder.
     */
    public static final class Decoder {
        private final int maxEventChars;
        private final ByteArrayOutputStream lineBytes = new ByteArrayOutputStream(256);
        private final StringBuilder data = new StringBuilder();
        private boolean lastWasCr;
        private boolean firstLine = true;
        private String eventType = "";
        private String lastEventId = "";
        private boolean pendingFields;
        private boolean done;

        private Decoder(int maxEventChars) {
            if (maxEventChars < 1) {
                throw new IllegalArgumentException("maxEventChars must be at least 1, got " + maxEventChars);
            }
            this.maxEventChars = maxEventChars;
        }

        /**
         * Decodes more bytes of the stream.
         *
         * @param bytes the buffer
         * @param offset where the new bytes start
         * @param length how many there are
         * @return the events these bytes completed, in order; empty once {@link #done()}
         * @throws IllegalStateException if a line or an event's data grows beyond the bound
         */
        public List<Event> feed(byte[] bytes, int offset, int length) {
            Objects.checkFromIndexSize(offset, length, bytes.length);
            List<Event> out = new ArrayList<>();
            for (int i = offset; i < offset + length && !done; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    if (lastWasCr) {
                        lastWasCr = false; // the LF of a CRLF pair, possibly split across two chunks
                        continue;
                    }
                    endByteLine(out);
                } else if (b == '\r') {
                    endByteLine(out);
                    lastWasCr = true;
                } else {
                    lastWasCr = false;
                    if (lineBytes.size() >= maxEventChars) {
                        throw new IllegalStateException("server-sent event line longer than " + maxEventChars
                                + " bytes");
                    }
                    lineBytes.write(b);
                }
            }
            return out;
        }

        /**
         * Decodes more bytes of the stream; the buffer's position advances past them.
         *
         * @param buffer the bytes, from its position to its limit
         * @return the events these bytes completed, in order
         * @throws IllegalStateException if a line or an event's data grows beyond the bound
         */
        public List<Event> feed(ByteBuffer buffer) {
            byte[] copy = new byte[buffer.remaining()];
            buffer.get(copy);
            return feed(copy, 0, copy.length);
        }

        /**
         * Decodes one line of the stream, without its line terminator.
         *
         * @param line the line
         * @return the event this line completed (when it is blank), or nothing
         * @throws IllegalStateException if the line or the event's data is longer than the bound
         */
        public List<Event> line(String line) {
            if (done) {
                return List.of();
            }
            if (line.length() > maxEventChars) {
                throw new IllegalStateException("server-sent event line longer than " + maxEventChars
                        + " characters");
            }
            if (firstLine) {
                firstLine = false;
                if (!line.isEmpty() && line.charAt(0) == '\uFEFF') {
                    line = line.substring(1);
                }
            }
            if (line.isEmpty()) {
                Event e = dispatch();
                return e == null ? List.of() : List.of(e);
            }
            if (line.charAt(0) == ':') {
                return List.of(); // comment
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            if (value.startsWith(" ")) {
                value = value.substring(1);
            }
            pendingFields = true;
            switch (field) {
                case "event" -> eventType = value;
                case "data" -> {
                    if (data.length() + value.length() + 1 > maxEventChars) {
                        throw new IllegalStateException("server-sent event data longer than " + maxEventChars
                                + " characters");
                    }
                    data.append(value).append('\n');
                }
                case "id" -> {
                    if (value.indexOf('\0') < 0) {
                        lastEventId = value;
                    }
                }
                default -> {
                    // "retry" and unknown fields are ignored
                }
            }
            return List.of();
        }

        /**
         * Whether the {@code [DONE]} sentinel has been seen; later input is ignored.
         *
         * @return true after {@code [DONE]}
         */
        public boolean done() {
            return done;
        }

        /**
         * Whether input is buffered that no blank line has completed yet: a partial line, or fields of an
         * event not yet dispatched. At the end of a stream this means the last event was cut off.
         *
         * @return true if something would be discarded if the stream ended now
         */
        public boolean incomplete() {
            return !done && (lineBytes.size() > 0 || pendingFields);
        }

        private void endByteLine(List<Event> out) {
            String line = new String(lineBytes.toByteArray(), StandardCharsets.UTF_8);
            lineBytes.reset();
            out.addAll(line(line));
        }

        private Event dispatch() {
            pendingFields = false;
            if (data.length() == 0) {
                eventType = "";
                return null;
            }
            String payload = data.substring(0, data.length() - 1);
            String type = eventType.isEmpty() ? "message" : eventType;
            data.setLength(0);
            eventType = "";
            if (DONE.equals(payload.strip())) {
                done = true;
                return null;
            }
            return new Event(type, payload, lastEventId);
        }
    }
}
