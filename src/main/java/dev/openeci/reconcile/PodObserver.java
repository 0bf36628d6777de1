package dev.openeci.reconcile;

import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The first step of a sync: what the engine holds for one group (one labelled list, then an
 * inspect of each container for exit codes, times and IPs), sorted into a {@link PodObservation}
 * together with the prober's verdicts (ready, liveness failed) on its containers.
 */
final class PodObserver {
  private final EngineCalls engine;
  private final Prober prober;
  private final String owner;

  PodObserver(EngineCalls engine, Prober prober, String owner) {
    this.engine = engine;
    this.prober = prober;
    this.owner = owner;
  }

  /** The group's containers as the engine reports them now. */
  List<RuntimeContainer> list(String groupId) {
    return engine.within("list the group's containers", () -> {
      List<RuntimeContainer> listed = engine.runtime.list(Map.of(Labels.OWNER, owner, Labels.GROUP_ID, groupId));
      List<RuntimeContainer> out = new ArrayList<>(listed.size());
      for (RuntimeContainer c : listed) engine.runtime.inspect(c.id()).ifPresent(out::add);
      return out;
    });
  }

  /** The observation with the prober's results: readiness and failed liveness of each container instance. */
  PodObservation observe(List<RuntimeContainer> containers) {
    PodObservation obs = PodObservation.of(containers);
    Set<String> ready = new HashSet<>();
    Set<String> unhealthy = new HashSet<>();
    for (RuntimeContainer c : obs.all()) {
      if (prober.ready(c.id())) ready.add(c.id());
      if (prober.livenessFailed(c.id())) unhealthy.add(c.id());
    }
    return obs.withReady(ready).withUnhealthy(unhealthy);
  }

  /**
   * Create -> Running without a second full observation where the result is already known: a
   * pass that found the group empty and only created its sandbox knows that the engine now holds
   * exactly that sandbox, so the next pass (which runs the init or app containers at once) needs
   * one inspect of it (its IP) instead of a list plus an inspect of every container. Null
   * whenever the pass did anything else: the next pass observes in full.
   */
  List<RuntimeContainer> afterSandboxStart(List<RuntimeContainer> before, List<ActionResult> results) {
    if (!before.isEmpty() || results.size() != 1 || !(results.getFirst() instanceof ActionResult.SandboxStarted s)) {
      return null;
    }
    try {
      return engine.within("inspect the new sandbox", () -> engine.runtime.inspect(s.id()))
          .map(List::of).orElse(null);
    } catch (dev.openeci.runtime.RuntimeFailure e) {
      return null; // the next pass observes in full
    }
  }
}
