package dev.feedloop.sidecar.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.feedloop.contracts.codec.EventCodec;
import dev.feedloop.contracts.event.Event;
import dev.feedloop.contracts.event.EventType;
import dev.feedloop.sidecar.embedded.SampleEvents;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * {@code feedloop bench codec}: how many events per second one thread can encode (serialise + schema
 * validation) and decode (parse + schema validation + binding), per event type. The ingest path of the
 * tap and collector is bounded by this.
 */
public final class CodecBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DISTINCT = 256;

    private CodecBench() {}

    /** Runs the benchmark and returns one JSON object. */
    public static String run(double seconds, PrintWriter progress) {
        ObjectNode root = JSON.createObjectNode();
        root.put("bench", "codec");
        root.put("threads", 1);
        root.put("seconds_per_measurement", seconds);
        ObjectNode results = root.putObject("results");
        Instant t = Instant.parse("2026-11-25T06:42:21.123456789Z");
        for (EventType type : EventType.values()) {
            List<Event> events = new ArrayList<>();
            List<byte[]> encoded = new ArrayList<>();
            for (int i = 0; i < DISTINCT; i++) {
                Event e = SampleEvents.oneOfEach(i, t).get(type.ordinal());
                events.add(e);
                encoded.add(EventCodec.encodeEvent(e));
            }
            EventCodec<? extends Event> codec = EventCodec.of(type);
            progress.println("bench codec: " + type.slug() + " ...");
            progress.flush();
            double enc = measure(seconds, i -> EventCodec.encodeEvent(events.get(i % DISTINCT)).length);
            double dec = measure(seconds, i -> codec.decode(encoded.get(i % DISTINCT)).schemaVersion());
            ObjectNode r = results.putObject(type.slug());
            r.put("bytes_per_event", encoded.stream().mapToInt(b -> b.length).sum() / DISTINCT);
            r.put("encode_events_per_s", Math.round(enc));
            r.put("decode_events_per_s", Math.round(dec));
        }
        return root.toString();
    }

    /** Operations per second of {@code op}, after a warm-up of half the measured time. */
    private static double measure(double seconds, IntToLongFunction op) {
        long sink = 0;
        long warmupEnd = System.nanoTime() + (long) (seconds * 0.5e9);
        int i = 0;
        while (System.nanoTime() < warmupEnd) {
            sink += op.applyAsLong(i++);
        }
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        long ops = 0;
        long now;
        do {
            for (int k = 0; k < 64; k++) {
                sink += op.applyAsLong(i++);
            }
            ops += 64;
            now = System.nanoTime();
        } while (now < end);
        if (sink == 42) {
            System.err.print("");
        }
        return ops / ((now - start) / 1e9);
    }
}
