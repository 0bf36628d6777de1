package dev.openeci.reconcile;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.Probe;
import dev.openeci.runtime.RuntimeContainer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Liveness and readiness probes, kubelet style: one scheduled task per (container instance,
 * probe kind) on shared executors (no thread per probe), thresholds counted per task, results kept
 * in a cache that signals only changes (the group is re-enqueued). Readiness starts false,
 * liveness starts healthy. The group's sync decides what a failed liveness probe means.
 */
public final class Prober {
  private static final Logger log = LoggerFactory.getLogger(Prober.class);

  public enum Kind { LIVENESS, READINESS }

  record Key(String containerId, Kind kind) {}

  /** What one probe task has concluded so far; mutable, touched only by its own task. */
  static final class Worker {
    final String groupId;
    final String containerName;
    final Probe probe;
    final Kind kind;
    volatile boolean result;
    int successes;
    int failures;
    volatile Scheduler.Timer future;
    final AtomicBoolean running = new AtomicBoolean();

    Worker(String groupId, String containerName, Probe probe, Kind kind) {
      this.groupId = groupId;
      this.containerName = containerName;
      this.probe = probe;
      this.kind = kind;
      this.result = kind == Kind.LIVENESS;
    }

    /** Applies one outcome; true when the cached result flipped. */
    boolean record(boolean ok) {
      int successThreshold = probe.successThreshold() == null ? Probe.DEFAULT_SUCCESS : probe.successThreshold();
      int failureThreshold = probe.failureThreshold() == null ? Probe.DEFAULT_FAILURE : probe.failureThreshold();
      boolean before = result;
      if (ok) {
        successes++;
        failures = 0;
        if (successes >= successThreshold) result = true;
      } else {
        failures++;
        successes = 0;
        if (failures >= failureThreshold) result = false;
      }
      return before != result;
    }
  }

  /** Where failures are reported (the group's events) and changes signalled (the work queue). */
  public interface Listener {
    void failed(String groupId, String containerName, Kind kind, String message);

    void changed(String groupId);
  }

  private final Map<Key, Worker> workers = new ConcurrentHashMap<>();
  private final Scheduler timers;
  private final Executor pool;
  private final HandlerRunner runner;
  private final Listener listener;

  public Prober(Scheduler timers, Executor pool, HandlerRunner runner, Listener listener) {
    this.timers = timers;
    this.pool = pool;
    this.runner = runner;
    this.listener = listener;
  }

  /** Makes the probe tasks of a group match its running app containers. Called by the group's sync. */
  public void sync(String groupId, GroupSpec spec, PodObservation obs, String podIp) {
    Set<Key> desired = new HashSet<>();
    for (ContainerSpec c : spec.containers()) {
      RuntimeContainer latest = obs.latest(c.name(), false);
      if (latest == null || !latest.running()) continue;
      if (c.livenessProbe() != null) ensure(desired, groupId, c, latest.id(), c.livenessProbe(), Kind.LIVENESS, podIp);
      if (c.readinessProbe() != null) ensure(desired, groupId, c, latest.id(), c.readinessProbe(), Kind.READINESS, podIp);
    }
    workers.entrySet().removeIf(e -> {
      if (e.getValue().groupId.equals(groupId) && !desired.contains(e.getKey())) {
        cancel(e.getValue());
        return true;
      }
      return false;
    });
  }

  private void ensure(Set<Key> desired, String groupId, ContainerSpec c, String containerId, Probe probe, Kind kind,
      String podIp) {
    Key key = new Key(containerId, kind);
    desired.add(key);
    workers.computeIfAbsent(key, k -> {
      Worker w = new Worker(groupId, c.name(), probe, kind);
      long delay = probe.initialDelaySeconds() == null ? 0 : probe.initialDelaySeconds();
      long period = probe.periodSeconds() == null ? Probe.DEFAULT_PERIOD : probe.periodSeconds();
      w.future = timers.every(Duration.ofSeconds(delay), Duration.ofSeconds(period),
          () -> pool.execute(() -> probeOnce(w, containerId, podIp)));
      log.info("{}: {} probe of container {} scheduled (delay {}s, period {}s)", groupId,
          kind.name().toLowerCase(), c.name(), delay, period);
      return w;
    });
  }

  private void probeOnce(Worker w, String containerId, String podIp) {
    if (!w.running.compareAndSet(false, true)) return; // the previous run is still going
    try {
      int timeout = w.probe.timeoutSeconds() == null ? Probe.DEFAULT_TIMEOUT : w.probe.timeoutSeconds();
      HandlerRunner.Result r = runner.run(w.probe.action(), containerId, podIp, Duration.ofSeconds(timeout));
      if (!r.ok()) listener.failed(w.groupId, w.containerName, w.kind, r.message());
      if (w.record(r.ok())) {
        log.info("{}: {} of container {} is now {}", w.groupId, w.kind.name().toLowerCase(), w.containerName,
            w.result ? "succeeding" : "failing");
        listener.changed(w.groupId);
      }
    } catch (RuntimeException e) {
      log.warn("{}: probe of {} failed to run: {}", w.groupId, w.containerName, e.toString());
    } finally {
      w.running.set(false);
    }
  }

  /** Readiness of a container instance: false until its readiness probe has succeeded. */
  public boolean ready(String containerId) {
    Worker w = workers.get(new Key(containerId, Kind.READINESS));
    return w != null && w.result;
  }

  /** True when the instance's liveness probe has failed FailureThreshold times in a row. */
  public boolean livenessFailed(String containerId) {
    Worker w = workers.get(new Key(containerId, Kind.LIVENESS));
    return w != null && !w.result;
  }

  /** Stops the probes of one container instance (it is being killed). */
  public void forget(String containerId) {
    for (Kind k : Kind.values()) {
      Worker w = workers.remove(new Key(containerId, k));
      if (w != null) cancel(w);
    }
  }

  /** Stops every probe of a group (deleted or finished). */
  public void forgetGroup(String groupId) {
    workers.entrySet().removeIf(e -> {
      if (e.getValue().groupId.equals(groupId)) {
        cancel(e.getValue());
        return true;
      }
      return false;
    });
  }

  int size() {
    return workers.size();
  }

  private static void cancel(Worker w) {
    Scheduler.Timer f = w.future;
    if (f != null) f.cancel();
  }
}
