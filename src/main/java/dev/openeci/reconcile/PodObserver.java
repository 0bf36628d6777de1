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
   * Create -> Running without a second full observation where the result is already known. A pass
   * whose every action created and started a container (the sandbox, or init/app containers)
   * knows what the engine holds for the group now: what it observed at its start plus those new
   * containers. The next pass then needs one inspect per new container (the sandbox's IP, a
   * member's state) instead of a list plus an inspect of every container. Null whenever the pass
   * did anything else (removed, stopped, refused, failed): the next pass observes in full. A
   * container that changed meanwhile is caught by the engine's events and the relist, which
   * compare with the fingerprint this observation leaves.
   */
  List<RuntimeContainer> afterStarts(List<RuntimeContainer> before, List<ActionResult> results) {
    if (results.isEmpty()) return null;
    List<String> started = new ArrayList<>(results.size());
    for (ActionResult r : results) {
      switch (r) {
        case ActionResult.SandboxStarted s -> started.add(s.id());
        case ActionResult.Started s -> started.add(s.id());
        default -> {
          return null;
        }
      }
    }
    // A sandbox is only created into an empty group (anything left over is removed first).
    if (results.getFirst() instanceof ActionResult.SandboxStarted && !before.isEmpty()) return null;
    Set<String> ids = new HashSet<>(started);
    List<RuntimeContainer> out = new ArrayList<>(before.size() + started.size());
    for (RuntimeContainer c : before) {
      if (ids.contains(c.id())) return null;
      out.add(c);
    }
    try {
      for (String id : started) {
        RuntimeContainer c = engine.within("inspect the new container", () -> engine.runtime.inspect(id)).orElse(null);
        if (c == null) return null; // gone already: the next pass observes in full
        out.add(c);
      }
    } catch (dev.openeci.runtime.RuntimeFailure e) {
      return null; // the next pass observes in full
    }
    return out;
  }
}
