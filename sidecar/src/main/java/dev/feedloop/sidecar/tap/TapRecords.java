package dev.feedloop.sidecar.tap;

import dev.feedloop.contracts.event.InferenceRecord;
import dev.feedloop.contracts.spi.Redactor;
import dev.feedloop.sidecar.capture.OpenAiExchange;
import dev.feedloop.sidecar.swap.RoutingTable;
import java.util.function.Function;

/** Turns what the tap saw into the published, redacted {@link InferenceRecord}. */
public final class TapRecords {
    private TapRecords() {}

    /**
     * The tap's assembler: parse with {@link OpenAiExchange}, then redact every text field.
     *
     * @param tenant the tenant of this tap's traffic
     * @return for a redactor (null: none), the function the capture thread applies; it throws {@link
     *     dev.feedloop.sidecar.capture.CaptureException} for an exchange that cannot be represented
     */
    public static Function<Redactor, Function<TapExchange, InferenceRecord>> assembler(String tenant) {
        return redactor -> exchange -> {
            InferenceRecord record = OpenAiExchange.toRecord(captured(exchange, tenant));
            return redactor == null ? record : OpenAiExchange.redact(record, redactor);
        };
    }

    /** The exchange in {@link OpenAiExchange}'s terms. */
    static OpenAiExchange.Captured captured(TapExchange e, String tenant) {
        RoutingTable.Decision d = e.decision();
        return new OpenAiExchange.Captured(e.inferenceId(), tenant, InferenceRecord.Source.TAP, e.path(), e.requestBody(),
                e.responseBody(), e.status(), e.startedAt(), e.completedAt(), e.firstTokenMs(), e.alias(), d.servedModel(),
                d.adapter(), d.policyVersion(), d.route(), e.traceparent());
    }
}
