package dev.feedloop.sidecar.swap;

import dev.feedloop.contracts.event.AdapterRelease;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What the engine should hold for one alias, given the latest status of every version: a pure
 * function, so the swap agent's decisions can be tested without Kafka or an engine.
 *
 * <p>Rules: the <b>promoted</b> version is the highest with status PROMOTED; the <b>candidate</b> is the
 * highest CANDIDATE above it; the <b>previous</b> promoted (the highest PROMOTED below the current one)
 * stays loaded for a fast rollback. Everything else that is loaded — ROLLED_BACK, RETIRED, older
 * versions — is retired once its requests drain. Traffic goes only to versions the engine has loaded:
 * to the promoted version (else the newest loaded promoted one, else the base model), and the canary
 * share to the candidate. A version that failed verification is never activated.
 *
 * @param activate served names to activate, most important first
 * @param retire served names to unload
 * @param promoted the version to route the alias to, or null for the base model
 * @param candidate the version to route the canary share to, or null
 */
public record SwapPlan(List<AdapterRelease> activate, List<String> retire, AdapterRelease promoted, AdapterRelease candidate) {

    /**
     * Plans one alias.
     *
     * @param releases the latest release of every version of the alias
     * @param loaded served names the engine holds now
     * @param failed served names that must never be activated (failed verification)
     */
    public static SwapPlan of(Collection<AdapterRelease> releases, Set<String> loaded, Set<String> failed) {
        List<AdapterRelease> byVersionDesc = new ArrayList<>(releases);
        byVersionDesc.sort(Comparator.comparingInt(AdapterRelease::version).reversed());
        AdapterRelease promoted = null;
        AdapterRelease previous = null;
        AdapterRelease candidate = null;
        for (AdapterRelease r : byVersionDesc) {
            if (r.status() == AdapterRelease.Status.PROMOTED) {
                if (promoted == null) {
                    promoted = r;
                } else if (previous == null) {
                    previous = r;
                }
            }
        }
        for (AdapterRelease r : byVersionDesc) {
            if (r.status() == AdapterRelease.Status.CANDIDATE && (promoted == null || r.version() > promoted.version())) {
                candidate = r;
                break;
            }
        }
        Set<String> keep = new LinkedHashSet<>();
        List<AdapterRelease> activate = new ArrayList<>();
        for (AdapterRelease r : new AdapterRelease[] {promoted, candidate, previous}) {
            if (r != null && !failed.contains(r.servedName())) {
                keep.add(r.servedName());
                if (!loaded.contains(r.servedName())) {
                    activate.add(r);
                }
            }
        }
        List<String> retire = new ArrayList<>();
        for (String name : loaded) {
            if (!keep.contains(name)) {
                retire.add(name);
            }
        }
        AdapterRelease route = null;
        for (AdapterRelease r : byVersionDesc) {
            if (r.status() == AdapterRelease.Status.PROMOTED && keep.contains(r.servedName()) && loaded.contains(r.servedName())) {
                route = r;
                break;
            }
        }
        AdapterRelease canary = candidate != null && keep.contains(candidate.servedName()) && loaded.contains(candidate.servedName())
                ? candidate : null;
        return new SwapPlan(List.copyOf(activate), List.copyOf(retire), route, canary);
    }
}
