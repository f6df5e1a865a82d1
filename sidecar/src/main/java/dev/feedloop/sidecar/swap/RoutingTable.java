package dev.feedloop.sidecar.swap;

import dev.feedloop.contracts.event.InferenceRecord;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where requests for a public alias go: the promoted adapter version (or the base model when none is
 * promoted), and a share of them to the candidate version (the canary). The swap agent writes it; the
 * tap reads it on every request.
 *
 * <p>Thread-safety: each alias maps to an immutable {@link Route}, replaced atomically, so a reader
 * never sees a half-updated route. Reads are lock-free.
 */
public final class RoutingTable {
    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    /**
     * The routing of one alias.
     *
     * @param alias the public alias, e.g. {@code assistant}
     * @param baseModel the engine's name for the base model
     * @param promoted served name of the promoted version, or null (base)
     * @param promotedVersion its version, 0 for the base
     * @param candidate served name of the candidate under canary, or null
     * @param candidateVersion its version, 0 if none
     * @param canaryShare share of requests sent to the candidate, in [0, 1]
     */
    public record Route(String alias, String baseModel, String promoted, long promotedVersion, String candidate,
            long candidateVersion, double canaryShare) {
        public Route {
            Objects.requireNonNull(alias, "alias");
            Objects.requireNonNull(baseModel, "baseModel");
            if (!(canaryShare >= 0 && canaryShare <= 1)) {
                throw new IllegalArgumentException("canary share must be in [0, 1], got " + canaryShare);
            }
        }

        /** Everything to the base model. */
        public static Route base(String alias, String baseModel) {
            return new Route(alias, baseModel, null, 0, null, 0, 0);
        }
    }

    /**
     * A routing decision, recorded in the inference event.
     *
     * @param servedModel the model name to send to the engine
     * @param adapter the adapter's served name, null for the base
     * @param policyVersion the adapter version, 0 for the base
     * @param route why
     */
    public record Decision(String servedModel, String adapter, long policyVersion, InferenceRecord.Route route) {}

    /** Replaces the routing of an alias. */
    public void put(Route route) {
        routes.put(route.alias(), route);
    }

    /** The routing of an alias, if any. */
    public Route get(String alias) {
        return routes.get(alias);
    }

    /**
     * Routes one request for {@code alias}.
     *
     * @param uniform a uniform draw in [0, 1), decides the canary
     * @return the decision, or null if the alias is unknown (the request names a model directly)
     */
    public Decision route(String alias, double uniform) {
        Route r = routes.get(alias);
        if (r == null) {
            return null;
        }
        if (r.candidate() != null && uniform < r.canaryShare()) {
            return new Decision(r.candidate(), r.candidate(), r.candidateVersion(), InferenceRecord.Route.CANARY);
        }
        if (r.promoted() != null) {
            return new Decision(r.promoted(), r.promoted(), r.promotedVersion(), InferenceRecord.Route.PROMOTED);
        }
        return new Decision(r.baseModel(), null, 0, InferenceRecord.Route.BASE);
    }
}
