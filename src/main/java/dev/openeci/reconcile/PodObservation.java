package dev.openeci.reconcile;

import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the engine holds for one group, sorted out: the sandbox and, per container name, its
 * instances oldest attempt first (the last one is the current instance).
 */
public record PodObservation(RuntimeContainer sandbox, List<RuntimeContainer> extraSandboxes,
    Map<String, List<RuntimeContainer>> init, Map<String, List<RuntimeContainer>> app, Set<String> readyIds,
    Set<String> unhealthyIds) {

  public PodObservation(RuntimeContainer sandbox, List<RuntimeContainer> extraSandboxes,
      Map<String, List<RuntimeContainer>> init, Map<String, List<RuntimeContainer>> app, Set<String> readyIds) {
    this(sandbox, extraSandboxes, init, app, readyIds, Set.of());
  }

  /** The same observation with the ids of instances whose readiness probe succeeds. */
  public PodObservation withReady(Set<String> ids) {
    return new PodObservation(sandbox, extraSandboxes, init, app, Set.copyOf(ids), unhealthyIds);
  }

  /** The same observation with the ids of instances whose liveness probe has failed (to be killed). */
  public PodObservation withUnhealthy(Set<String> ids) {
    return new PodObservation(sandbox, extraSandboxes, init, app, readyIds, Set.copyOf(ids));
  }

  public static PodObservation of(List<RuntimeContainer> containers) {
    RuntimeContainer sandbox = null;
    List<RuntimeContainer> extra = new ArrayList<>();
    Map<String, List<RuntimeContainer>> init = new HashMap<>();
    Map<String, List<RuntimeContainer>> app = new HashMap<>();
    for (RuntimeContainer c : containers) {
      String role = c.label(Labels.ROLE);
      if (Labels.ROLE_SANDBOX.equals(role)) {
        if (sandbox == null || (!sandbox.running() && c.running())) {
          if (sandbox != null) extra.add(sandbox);
          sandbox = c;
        } else {
          extra.add(c);
        }
      } else if (Labels.ROLE_INIT.equals(role)) {
        init.computeIfAbsent(c.label(Labels.CONTAINER_NAME), k -> new ArrayList<>()).add(c);
      } else if (Labels.ROLE_APP.equals(role)) {
        app.computeIfAbsent(c.label(Labels.CONTAINER_NAME), k -> new ArrayList<>()).add(c);
      }
    }
    Comparator<RuntimeContainer> byAttempt = Comparator.comparingInt(PodObservation::attempt);
    init.values().forEach(l -> l.sort(byAttempt));
    app.values().forEach(l -> l.sort(byAttempt));
    return new PodObservation(sandbox, List.copyOf(extra), init, app, Set.of(), Set.of());
  }

  public static int attempt(RuntimeContainer c) {
    try {
      return Integer.parseInt(c.labels().getOrDefault(Labels.ATTEMPT, "0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  public List<RuntimeContainer> instances(String name, boolean isInit) {
    return (isInit ? init : app).getOrDefault(name, List.of());
  }

  public RuntimeContainer latest(String name, boolean isInit) {
    List<RuntimeContainer> l = instances(name, isInit);
    return l.isEmpty() ? null : l.get(l.size() - 1);
  }

  /** Every container of the group, sandbox last (the teardown order). */
  public List<RuntimeContainer> all() {
    List<RuntimeContainer> out = new ArrayList<>();
    init.values().forEach(out::addAll);
    app.values().forEach(out::addAll);
    out.addAll(extraSandboxes);
    if (sandbox != null) out.add(sandbox);
    return out;
  }
}
