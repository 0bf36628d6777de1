package dev.openeci.reconcile;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStore;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Graceful stops on timers (the kubelet's killContainer without blocking a worker): the decisions
 * are {@link PodPlanner#grace}'s; this class records deadlines with the group, runs preStop hooks
 * and stop signals on virtual threads, sets a timer for each deadline and SIGKILLs what still runs
 * when a sync finds the deadline passed.
 */
final class Terminator {
  private static final Logger log = LoggerFactory.getLogger(Terminator.class);

  private final GroupStore repo;
  private final EngineCalls engine;
  private final EventRecorder events;
  private final Scheduler scheduler;
  private final HandlerRunner handlers;
  private final PodPolicy policy;
  private final GroupRecords records;
  private final Consumer<String> requeue;

  Terminator(GroupStore repo, EngineCalls engine, EventRecorder events, Scheduler scheduler, HandlerRunner handlers,
      PodPolicy policy, GroupRecords records, Consumer<String> requeue) {
    this.repo = repo;
    this.engine = engine;
    this.events = events;
    this.scheduler = scheduler;
    this.handlers = handlers;
    this.policy = policy;
    this.records = records;
    this.requeue = requeue;
  }

  /** The group's grace period in seconds, within the operator's maximum (serve --max-grace-seconds). */
  long graceSeconds(ContainerGroup g) {
    return Math.max(0, Math.min(g.spec().terminationGracePeriodSeconds(), policy.maxGraceSeconds()));
  }

  /** Every running container of the group but the sandbox. */
  static List<RuntimeContainer> members(PodObservation obs) {
    List<RuntimeContainer> members = new ArrayList<>();
    for (RuntimeContainer c : obs.all()) {
      if (!Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)) && c.running()) members.add(c);
    }
    return members;
  }

  static String nameOf(RuntimeContainer c) {
    String n = c.label(Labels.CONTAINER_NAME);
    return n != null ? n : Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)) ? "sandbox" : c.name();
  }

  /**
   * Stops {@code targets} gracefully without waiting for them: the first call records each one's
   * deadline with the group (so a restarted openeci honours it), starts its preStop hook and then
   * the stop signal on a virtual thread bounded by the deadline, and returns; a timer syncs the
   * group at the deadline, when a later call SIGKILLs what still runs. True when none of the
   * targets runs any more (stopped, gone, or killed by this call), so the caller may go on.
   */
  boolean terminate(ContainerGroup g, PodObservation obs, List<RuntimeContainer> targets, Instant now,
      Function<String, String> killingMessage) {
    String gid = g.id();
    GroupRecord rec = records.of(gid);
    long grace = graceSeconds(g);
    Map<String, GroupState.Terminating> recorded = repo.get(gid).map(x -> x.state().terminating()).orElse(Map.of());
    Map<String, GroupState.Terminating> begun = new HashMap<>();
    List<RuntimeContainer> toSignal = new ArrayList<>();
    boolean done = true;
    Instant wake = null;
    for (RuntimeContainer c : targets) {
      GroupState.Terminating t = recorded.get(c.id());
      String name = nameOf(c);
      switch (PodPlanner.grace(c.running(), t, grace, now)) {
        case STOPPED -> { }
        case BEGIN -> {
          events.normal(gid, name, "Killing", killingMessage.apply(name));
          begun.put(c.id(), new GroupState.Terminating(now, PodPlanner.graceDeadline(now, grace)));
          toSignal.add(c);
          done = false;
        }
        case IN_GRACE -> {
          // After a restart of openeci nobody may have sent the signal: send it again (no preStop).
          if (rec.signalled.add(c.id())) signal(g, c, null, null, t.deadline());
          wake = earlier(wake, t.deadline());
          done = false;
        }
        case KILL -> {
          if (t == null) events.normal(gid, name, "Killing", killingMessage.apply(name));
          long nowNanos = scheduler.nanoTime();
          Long last = rec.killedAt.get(c.id());
          if (last != null && nowNanos - last < TimeUnit.SECONDS.toNanos(5)) continue;
          if (t != null) log.info("{}: {} still runs at the end of its {}s grace period; killing it", gid, name, grace);
          engine.kill(c.id());
          rec.killedAt.put(c.id(), nowNanos);
        }
      }
    }
    if (!begun.isEmpty()) {
      // Recorded before any signal goes out: a crash after this line still kills at the deadline.
      repo.modify(gid, cur -> {
        Map<String, GroupState.Terminating> m = new HashMap<>(cur.state().terminating());
        begun.forEach(m::putIfAbsent);
        return cur.withState(cur.state().withTerminating(m), now);
      });
      String podIp = obs.sandbox() == null ? null : obs.sandbox().ipAddress();
      for (RuntimeContainer c : toSignal) {
        Instant deadline = begun.get(c.id()).deadline();
        ContainerSpec spec = Labels.ROLE_APP.equals(c.label(Labels.ROLE)) ? g.spec().container(nameOf(c)) : null;
        log.info("{}: stopping {} (grace period {}s, until {})", gid, nameOf(c), grace, deadline);
        rec.signalled.add(c.id());
        signal(g, c, spec, podIp, deadline);
        wake = earlier(wake, deadline);
      }
    }
    if (wake != null) wakeForGrace(gid, wake, now);
    return done;
  }

  /**
   * Every sync first settles the recorded grace periods of the group: records of containers that no
   * longer run are dropped, containers past their deadline are killed, the others get a timer (and,
   * after a restart of openeci, their stop signal again).
   */
  void enforceGrace(ContainerGroup g, PodObservation obs) {
    Map<String, GroupState.Terminating> recorded = g.state().terminating();
    if (recorded.isEmpty()) return;
    Map<String, RuntimeContainer> byId = new HashMap<>();
    for (RuntimeContainer c : obs.all()) byId.put(c.id(), c);
    List<RuntimeContainer> running = new ArrayList<>();
    Set<String> finished = new HashSet<>();
    for (String id : recorded.keySet()) {
      RuntimeContainer c = byId.get(id);
      if (c != null && c.running()) running.add(c);
      else finished.add(id);
    }
    if (!running.isEmpty()) terminate(g, obs, running, scheduler.now(), name -> "Stopping container " + name);
    if (!finished.isEmpty()) {
      log.info("{}: grace period over for {} container(s): no longer running", g.id(), finished.size());
      GroupRecord rec = records.of(g.id());
      rec.signalled.removeAll(finished);
      rec.killedAt.keySet().removeAll(finished);
      repo.modify(g.id(), cur -> {
        Map<String, GroupState.Terminating> m = new HashMap<>(cur.state().terminating());
        m.keySet().removeAll(finished);
        return cur.withState(cur.state().withTerminating(m), scheduler.now());
      });
    }
  }

  /**
   * The preStop hook (when the container has one), then the stop signal, on a virtual thread: the
   * hook gets what is left of the grace period, the signal the engine timeout. A hook that does not
   * finish in time or a signal that fails is a Warning event; the kill at the deadline happens anyway.
   */
  private void signal(ContainerGroup g, RuntimeContainer c, ContainerSpec spec, String podIp, Instant deadline) {
    String gid = g.id();
    String name = nameOf(c);
    Thread.ofVirtual().name("stop-" + name).start(() -> {
      if (spec != null && spec.preStop() != null) {
        Duration left = Duration.between(scheduler.now(), deadline);
        if (!left.isNegative() && !left.isZero()) {
          Future<HandlerRunner.Result> hook = engine.calls.submit(() -> handlers.run(spec.preStop(), c.id(), podIp, left));
          try {
            HandlerRunner.Result r = hook.get(left.toMillis(), TimeUnit.MILLISECONDS);
            if (!r.ok()) events.warning(gid, name, "FailedPreStopHook", "PreStopHook failed: " + r.message());
          } catch (java.util.concurrent.TimeoutException e) {
            hook.cancel(true);
            events.warning(gid, name, "FailedPreStopHook", "PreStopHook did not finish within the grace period");
          } catch (Exception e) {
            events.warning(gid, name, "FailedPreStopHook", "PreStopHook failed: " + e.getMessage());
          }
        }
      }
      if (!scheduler.now().isBefore(deadline)) return; // the sync at the deadline kills it
      try {
        engine.run("stop signal to " + name, () -> engine.runtime.kill(c.id(), "TERM"));
      } catch (RuntimeFailure e) {
        events.warning(gid, name, e instanceof EngineCalls.EngineTimeout ? EngineCalls.EngineTimeout.REASON
            : "FailedKillPod", "stop signal to container " + name + " failed: " + e.getMessage()
            + "; it is killed at the end of its grace period");
      }
    });
  }

  /** One timer per group and deadline (a later sync asks again for a later one). */
  private void wakeForGrace(String gid, Instant deadline, Instant now) {
    GroupRecord rec = records.of(gid);
    if (!rec.claimGraceTimer(deadline, now)) return;
    scheduler.at(deadline, () -> {
      rec.graceTimerFired(deadline);
      requeue.accept(gid);
    });
  }

  private static Instant earlier(Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }
}
