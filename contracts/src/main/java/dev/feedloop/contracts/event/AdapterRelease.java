package dev.feedloop.contracts.event;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The state of one LoRA adapter version. Schema: {@code adapter-release.v1.json}. The adapters topic
 * is compacted and keyed by {@link #servedName()}, so the latest status of every version survives.
 *
 * @param schemaVersion always {@link Event#SCHEMA_VERSION}
 * @param name adapter family, equal to the public alias
 * @param version monotonically increasing per name, from 1
 * @param tenant owning tenant
 * @param time when this status was set
 * @param baseModel the base model it applies to (the engine's {@code --model} string)
 * @param rank LoRA rank r
 * @param alpha LoRA alpha
 * @param targetModules the projections it adapts
 * @param files every file of the immutable adapter directory, with size and sha256
 * @param uri where the directory can be fetched
 * @param status lifecycle status
 * @param parentVersion the promoted version it was trained from, if any
 * @param metrics gate and training metrics
 * @param reason why the status was set; required for {@link Status#ROLLED_BACK}
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record AdapterRelease(
        int schemaVersion,
        String name,
        int version,
        String tenant,
        Instant time,
        String baseModel,
        int rank,
        double alpha,
        List<String> targetModules,
        List<AdapterFile> files,
        String uri,
        Status status,
        Integer parentVersion,
        Map<String, Double> metrics,
        String reason)
        implements Event {

    public AdapterRelease {
        targetModules = Collections2.list(targetModules);
        files = Collections2.list(files);
        metrics = Collections2.map(metrics);
    }

    /** The never-reused name the adapter is served under: {@code <name>-v<version>}. */
    public String servedName() {
        return name + "-v" + version;
    }

    /** The same release with a new status, reason and time. */
    public AdapterRelease withStatus(Status newStatus, String newReason, Instant when) {
        return new AdapterRelease(schemaVersion, name, version, tenant, when, baseModel, rank, alpha,
                targetModules, files, uri, newStatus, parentVersion, metrics, newReason);
    }

    @Override
    public EventType type() {
        return EventType.ADAPTER_RELEASE;
    }

    @Override
    public String eventId() {
        return servedName() + "-" + status.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    @Override
    public Instant eventTime() {
        return time;
    }

    @Override
    public String messageKey() {
        return servedName();
    }

    /** Lifecycle of an adapter version. */
    public enum Status {
        /** Passed the offline gate; taps load it and route the canary share to it. */
        CANDIDATE,
        /** Serves the alias. */
        PROMOTED,
        /** Failed live checks; taps route away at once. */
        ROLLED_BACK,
        /** Superseded; taps unload it once in-flight requests drain. */
        RETIRED
    }

    /**
     * One file of an adapter directory.
     *
     * @param path relative path, e.g. {@code adapter_model.safetensors}
     * @param size bytes
     * @param sha256 lower-case hex digest
     */
    public record AdapterFile(String path, long size, String sha256) {}
}
