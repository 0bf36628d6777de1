package dev.openeci.reconcile;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerState;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.group.GroupState.Waiting;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.SpecHashes;
import dev.openeci.reconcile.PodPlan.Action;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pure decisions of the control loop: what to do next for a group ({@link #plan}) and what its
 * status is ({@link #status}), from the spec, the engine observation, the stored state and the
 * time. No I/O here, so every rule is unit-tested with plain values.
 */
public final class PodPlanner {
  /** Back-off key of the sandbox (creation failures). */
  public static final String SANDBOX_KEY = "sandbox:";

  private PodPlanner() {}

  /**
   * Everything one sync decides from: the group's spec and stored state, the engine observation
   * (with the prober's readiness and liveness verdicts), what happened off the worker since the
   * last sync (failed postStart hooks), the operator's policy and the host's GPU, and the time.
   *
   * @param deleting DeleteContainerGroup was accepted
   * @param restartGeneration RestartContainerGroup requests accepted (restarts pending while above
   *     {@code state.restartsApplied()})
   * @param activeDeadline creation time + ActiveDeadlineSeconds, null when none
   * @param postStartFailures container id -> why its postStart hook failed
   */
  public record Input(GroupSpec spec, PodObservation obs, GroupState state, Instant now, boolean deleting,
      long restartGeneration, Instant activeDeadline, Long activeDeadlineSeconds, Map<String, String> postStartFailures,
      dev.openeci.config.PodPolicy policy, boolean gpuPresent) {

    public Input {
      postStartFailures = Map.copyOf(postStartFailures);
    }

    /** A running group with nothing pending: no deletion, restart, deadline or hook failure; default policy, no GPU. */
    public static Input of(GroupSpec spec, PodObservation obs, GroupState state, Instant now) {
      return new Input(spec, obs, state, now, false, state.restartsApplied(), null, null, Map.of(),
          dev.openeci.config.PodPolicy.DEFAULT, false);
    }

    public Input withDeleting(boolean value) {
      return new Input(spec, obs, state, now, value, restartGeneration, activeDeadline, activeDeadlineSeconds,
          postStartFailures, policy, gpuPresent);
    }

    public Input withRestartGeneration(long value) {
      return new Input(spec, obs, state, now, deleting, value, activeDeadline, activeDeadlineSeconds,
          postStartFailures, policy, gpuPresent);
    }

    /** ActiveDeadlineSeconds counted from {@code created}; null seconds = none. */
    public Input withActiveDeadline(Instant created, Integer seconds) {
      return new Input(spec, obs, state, now, deleting, restartGeneration,
          seconds == null ? null : created.plusSeconds(seconds), seconds == null ? null : seconds.longValue(),
          postStartFailures, policy, gpuPresent);
    }

    public Input withPostStartFailures(Map<String, String> value) {
      return new Input(spec, obs, state, now, deleting, restartGeneration, activeDeadline, activeDeadlineSeconds,
          value, policy, gpuPresent);
    }

    public Input withPolicy(dev.openeci.config.PodPolicy value, boolean gpu) {
      return new Input(spec, obs, state, now, deleting, restartGeneration, activeDeadline, activeDeadlineSeconds,
          postStartFailures, value, gpu);
    }
  }

  /**
   * The whole decision of one sync (kubelet computePodActions plus its pod-level rules): deletion,
   * restart, a final status, ActiveDeadlineSeconds, failed postStart hooks, failed liveness probes,
   * then the container actions of {@link #plan(GroupSpec, PodObservation, GroupState, Instant)},
   * with the operator's policy refusals attached to the runs they concern.
   */
  public static PodPlan plan(Input in) {
    GroupState state = in.state();
    if (in.deleting()) {
      return new PodPlan(PodPlan.Phase.DELETING, List.of(new PodPlan.DeleteGroup()), state.backoff(), null);
    }
    if (in.restartGeneration() > state.restartsApplied()) {
      return new PodPlan(PodPlan.Phase.RESTARTING, List.of(new PodPlan.RestartGroup(in.restartGeneration())),
          state.backoff(), null);
    }
    if (state.status().terminal()) {
      PodPlan p = plan(in.spec(), in.obs(), state, in.now());
      return new PodPlan(PodPlan.Phase.FINISHED, p.actions(), p.backoff(), p.wakeAt());
    }
    if (in.activeDeadline() != null && !in.now().isBefore(in.activeDeadline())) {
      return new PodPlan(PodPlan.Phase.FINISHED, List.of(new PodPlan.FailDeadline(in.activeDeadlineSeconds())),
          state.backoff(), null);
    }
    List<Action> head = new ArrayList<>();
    for (RuntimeContainer c : in.obs().all()) {
      String failure = in.postStartFailures().get(c.id());
      if (failure != null) head.add(new PodPlan.PostStartFailed(c, failure));
    }
    // A container whose liveness probe failed is killed (preStop, grace); the restart policy does the rest.
    boolean unhealthy = false;
    for (ContainerSpec c : in.spec().containers()) {
      RuntimeContainer latest = in.obs().latest(c.name(), false);
      if (latest == null || !latest.running() || !in.obs().unhealthyIds().contains(latest.id())) continue;
      head.add(new PodPlan.StopContainer(latest, PodPlan.StopReason.LIVENESS));
      unhealthy = true;
    }
    if (unhealthy) return new PodPlan(PodPlan.Phase.RUNNING, head, state.backoff(), null);
    PodPlan p = plan(in.spec(), in.obs(), state, in.now());
    List<Action> actions = new ArrayList<>(head);
    for (Action a : p.actions()) {
      if (a instanceof PodPlan.Run r && r.refusal() == null) {
        PodPlan.Refusal refusal = refusal(r.spec(), in.policy(), in.gpuPresent());
        actions.add(refusal == null ? r : new PodPlan.Run(r.spec(), r.init(), r.attempt(), refusal));
      } else {
        actions.add(a);
      }
    }
    Instant wake = p.wakeAt();
    if (in.activeDeadline() != null && (wake == null || in.activeDeadline().isBefore(wake))) wake = in.activeDeadline();
    return new PodPlan(PodPlan.Phase.RUNNING, actions, p.backoff(), wake);
  }

  /**
   * The operator's policy and the host decide whether a container may be created at all: a
   * privileged container without {@code serve --allow-privileged}, capabilities beyond
   * {@code --allow-capabilities} (groups stored before the allow-list get nothing beyond it now),
   * a GPU on a host without one. Null when it may.
   */
  static PodPlan.Refusal refusal(ContainerSpec c, dev.openeci.config.PodPolicy policy, boolean gpuPresent) {
    if (Boolean.TRUE.equals(c.security().privileged()) && !policy.allowPrivileged()) {
      return new PodPlan.Refusal("Failed", "CreateContainerConfigError",
          "Error: privileged containers are not allowed by this server (serve --allow-privileged)");
    }
    List<String> refusedCaps = c.security().capabilityAdd().stream().filter(cap -> {
      String canonical = dev.openeci.config.Capabilities.canonical(cap);
      return canonical == null || !policy.capabilityAllowed(canonical);
    }).toList();
    if (!refusedCaps.isEmpty()) {
      return new PodPlan.Refusal("Failed", "CreateContainerConfigError", "Error: capabilities " + refusedCaps
          + " are not allowed by this server (serve --allow-capabilities)");
    }
    int gpus = c.gpu() == null ? 0 : c.gpu();
    if (gpus > 0 && !gpuPresent) {
      return new PodPlan.Refusal("FailedScheduling", "Unschedulable", "0/1 nodes are available: 1 Insufficient"
          + " nvidia.com/gpu (the engine host has no GPU)");
    }
    return null;
  }

  /** What the executor's results mean for the status: back-off, waiting reasons, fresh pull errors, a fatal failure. */
  public record Settled(Map<String, Backoff> backoff, Map<String, Waiting> waiting, List<String> freshPullFailures,
      String fatal) {}

  /**
   * Folds the executor's results into the back-off and waiting reasons the status shows (pure): a
   * failed pull or a refused container waits with its reason and, on its first attempt, enters the
   * back-off; a started container no longer waits; a sandbox that started clears its back-off, one
   * that failed enters it. Fresh ErrImagePull keys show as ErrImagePull in this sync's status.
   */
  public static Settled settle(Map<String, Backoff> planned, Map<String, Waiting> computedWaiting,
      List<ActionResult> results, Instant now) {
    Map<String, Backoff> backoff = new HashMap<>(planned);
    Map<String, Waiting> waiting = new HashMap<>(computedWaiting);
    List<String> fresh = new ArrayList<>();
    String fatal = null;
    for (ActionResult r : results) {
      switch (r) {
        case ActionResult.PullFailed f -> {
          waiting.put(f.key(), new Waiting(f.waitingReason(), f.message()));
          if (f.errImagePull() && !fresh.contains(f.key())) fresh.add(f.key());
          if (f.attempt() == 0) backoff.put(f.key(), RestartBackoff.next(backoff.get(f.key()), now));
        }
        case ActionResult.Refused f -> {
          waiting.put(f.key(), new Waiting(f.waitingReason(), f.message()));
          if (f.attempt() == 0) backoff.put(f.key(), RestartBackoff.next(backoff.get(f.key()), now));
          if (f.fatal() != null && fatal == null) fatal = f.fatal();
        }
        case ActionResult.Started s -> waiting.remove(s.key());
        case ActionResult.SandboxStarted s -> backoff.remove(SANDBOX_KEY);
        case ActionResult.SandboxFailed f -> {
          backoff.put(SANDBOX_KEY, RestartBackoff.next(backoff.get(SANDBOX_KEY), now));
          if (f.fatal() != null && fatal == null) fatal = f.fatal();
        }
        default -> { }
      }
    }
    return new Settled(backoff, waiting, fresh, fatal);
  }

  /** The earliest instant a sync is due: the plan's wake-up or the end of a back-off still running. */
  public static Instant nextWake(Instant planned, Map<String, Backoff> backoff, Instant now) {
    Instant wake = planned;
    for (Backoff b : backoff.values()) {
      if (b.notBefore().isAfter(now) && (wake == null || b.notBefore().isBefore(wake))) wake = b.notBefore();
    }
    return wake;
  }

  public static PodPlan plan(GroupSpec spec, PodObservation obs, GroupState state, Instant now) {
    List<Action> actions = new ArrayList<>();
    Map<String, Backoff> backoff = new HashMap<>(state.backoff());
    Instant[] wake = {null};

    if (state.status().terminal()) {
      // A group failed by its ActiveDeadlineSeconds still has running members: they get their
      // grace period first; the sandbox goes once nothing else runs.
      if (anyMemberRunning(obs)) {
        actions.add(new PodPlan.TerminateMembers());
      } else if (obs.sandbox() != null && obs.sandbox().running()) {
        actions.add(new PodPlan.StopSandbox());
      }
      return new PodPlan(actions, backoff, null);
    }
    if (obs.sandbox() == null) {
      if (!obs.all().isEmpty()) {
        actions.add(new PodPlan.ResetPod("the pod sandbox is gone"));
      } else {
        Backoff b = backoff.get(SANDBOX_KEY);
        if (RestartBackoff.allowed(b, now)) {
          actions.add(new PodPlan.CreateSandbox());
        } else {
          return new PodPlan(actions, backoff, b.notBefore());
        }
      }
      return new PodPlan(actions, backoff, null);
    }
    if (!obs.sandbox().running()) {
      if (obs.sandbox().state() == RuntimeContainer.State.CREATED) {
        actions.add(new PodPlan.Start(obs.sandbox()));
      } else {
        actions.add(new PodPlan.ResetPod("the pod sandbox exited"));
      }
      return new PodPlan(actions, backoff, null);
    }

    // An update changed what the sandbox is made of, or the init containers: start over.
    if (!sandboxCurrent(spec, obs)) {
      actions.add(new PodPlan.ResetPod("the group's volumes, DNS or network settings changed"));
      return new PodPlan(actions, backoff, null);
    }
    if (initStale(spec, obs)) {
      for (ContainerSpec c : spec.initContainers()) backoff.remove(key(c.name(), true));
      actions.add(new PodPlan.RestartPod("the init containers changed"));
      return new PodPlan(actions, backoff, null);
    }

    // Init containers: one at a time, in order, each to success.
    boolean initDone = true;
    for (ContainerSpec c : spec.initContainers()) {
      RuntimeContainer latest = obs.latest(c.name(), true);
      if (latest == null) {
        firstRun(c, true, backoff, now, actions, wake);
        initDone = false;
        break;
      }
      if (latest.state() == RuntimeContainer.State.CREATED) {
        actions.add(new PodPlan.Start(latest));
        initDone = false;
        break;
      }
      if (!latest.exited()) {
        initDone = false;
        break;
      }
      int code = exitCode(latest);
      if (code == 0) continue;
      initDone = false;
      if (spec.restartPolicy() != RestartPolicy.Never) {
        restart(c, true, latest, obs, backoff, now, actions, wake);
      }
      break;
    }
    if (!initDone) return finish(spec, obs, state, now, actions, backoff, wake[0]);

    for (ContainerSpec c : spec.containers()) {
      RuntimeContainer latest = obs.latest(c.name(), false);
      if (latest == null) {
        firstRun(c, false, backoff, now, actions, wake);
      } else if (stale(latest, c)) {
        replace(c, latest, backoff, now, actions, wake);
      } else if (latest.state() == RuntimeContainer.State.CREATED) {
        actions.add(new PodPlan.Start(latest));
      } else if (latest.exited() && spec.restartPolicy().restarts(exitCode(latest))) {
        restart(c, false, latest, obs, backoff, now, actions, wake);
      }
    }
    // Containers an update removed.
    for (Map.Entry<String, List<RuntimeContainer>> e : obs.app().entrySet()) {
      if (spec.container(e.getKey()) != null) continue;
      for (RuntimeContainer c : e.getValue()) actions.add(new PodPlan.StopAndRemove(c));
    }
    // Keep only the current and the previous instance of each container.
    for (List<RuntimeContainer> list : obs.app().values()) pruneOld(list, actions);
    for (List<RuntimeContainer> list : obs.init().values()) pruneOld(list, actions);

    return finish(spec, obs, state, now, actions, backoff, wake[0]);
  }

  /** A group that just reached a final status releases its sandbox. */
  private static PodPlan finish(GroupSpec spec, PodObservation obs, GroupState state, Instant now,
      List<Action> actions, Map<String, Backoff> backoff, Instant wake) {
    GroupStatus next = status(spec, obs, state.withBackoff(backoff, state.waiting()), now).status();
    if (next.terminal() && actions.isEmpty()) actions.add(new PodPlan.StopSandbox());
    return new PodPlan(actions, backoff, wake);
  }

  private static void restart(ContainerSpec c, boolean init, RuntimeContainer latest, PodObservation obs,
      Map<String, Backoff> backoff, Instant now, List<Action> actions, Instant[] wake) {
    String key = key(c.name(), init);
    Backoff b = backoff.get(key);
    if (RestartBackoff.allowed(b, now)) {
      backoff.put(key, RestartBackoff.next(b, now));
      actions.add(new PodPlan.Run(c, init, PodObservation.attempt(latest) + 1));
    } else {
      Instant at = b.notBefore();
      if (wake[0] == null || at.isBefore(wake[0])) wake[0] = at;
    }
  }

  /**
   * A container whose spec changed: replaced by its next attempt at once the first time, then, if
   * that keeps failing (its image cannot be pulled), under the restart back-off.
   */
  private static void replace(ContainerSpec c, RuntimeContainer latest, Map<String, Backoff> backoff, Instant now,
      List<Action> actions, Instant[] wake) {
    String key = key(c.name(), false);
    if (latest.running()) {
      // The running instance is stopped first (its grace period runs on a timer); the new one runs
      // in a later sync, once the old one has stopped. A container that ran starts over without back-off.
      backoff.remove(key);
      actions.add(new PodPlan.Replace(latest, c, PodObservation.attempt(latest) + 1));
      return;
    }
    Backoff b = backoff.get(key);
    if (!RestartBackoff.allowed(b, now)) {
      if (wake[0] == null || b.notBefore().isBefore(wake[0])) wake[0] = b.notBefore();
      return;
    }
    backoff.put(key, RestartBackoff.next(b, now));
    actions.add(new PodPlan.Replace(null, c, PodObservation.attempt(latest) + 1));
  }

  /** True when the instance was created from another spec of this container (an update changed it). */
  static boolean stale(RuntimeContainer instance, ContainerSpec spec) {
    String h = instance.label(Labels.SPEC_HASH);
    return h != null && !h.equals(SpecHashes.container(spec));
  }

  static boolean sandboxCurrent(GroupSpec spec, PodObservation obs) {
    String h = obs.sandbox() == null ? null : obs.sandbox().label(Labels.SANDBOX_HASH);
    return h == null || h.equals(SpecHashes.sandbox(spec));
  }

  /** Init containers changed since the current instances were started (added, removed or edited). */
  static boolean initStale(GroupSpec spec, PodObservation obs) {
    String want = SpecHashes.init(spec);
    for (List<RuntimeContainer> list : obs.app().values()) {
      String h = list.isEmpty() ? null : list.get(list.size() - 1).label(Labels.INIT_HASH);
      if (h != null && !h.equals(want)) return true;
    }
    for (Map.Entry<String, List<RuntimeContainer>> e : obs.init().entrySet()) {
      ContainerSpec c = null;
      for (ContainerSpec i : spec.initContainers()) {
        if (i.name().equals(e.getKey())) c = i;
      }
      if (c == null || (!e.getValue().isEmpty() && stale(e.getValue().get(e.getValue().size() - 1), c))) return true;
    }
    return false;
  }

  /** True when an init or app container (anything but the sandbox) still runs. */
  static boolean anyMemberRunning(PodObservation obs) {
    for (RuntimeContainer c : obs.all()) {
      if (!Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)) && c.running()) return true;
    }
    return false;
  }

  /** What to do about one container that is to be stopped gracefully, decided by {@link #grace}. */
  public enum Grace {
    /** It does not run (any more): nothing to do, its record can go. */
    STOPPED,
    /** Running and not being stopped yet: record the deadline, run the preStop hook, send the stop signal. */
    BEGIN,
    /** Being stopped and still inside its grace period: wait (a timer wakes the group at the deadline). */
    IN_GRACE,
    /** The deadline passed (or there is no grace at all): SIGKILL now. */
    KILL
  }

  /**
   * The grace-period decision for one container: whether it runs, the recorded termination (null
   * when none started), the group's grace period in seconds and the time. Stopping never waits in
   * a worker: BEGIN and IN_GRACE return at once, a timer brings the group back at the deadline.
   */
  public static Grace grace(boolean running, GroupState.Terminating recorded, long graceSeconds, Instant now) {
    if (!running) return Grace.STOPPED;
    if (recorded == null) return graceSeconds <= 0 ? Grace.KILL : Grace.BEGIN;
    return now.isBefore(recorded.deadline()) ? Grace.IN_GRACE : Grace.KILL;
  }

  /** The deadline of a grace period that starts at {@code now}. */
  public static Instant graceDeadline(Instant now, long graceSeconds) {
    return now.plusSeconds(Math.max(0, graceSeconds));
  }

  /** First run of a container; gated by back-off when an earlier attempt to pull its image failed. */
  private static void firstRun(ContainerSpec c, boolean init, Map<String, Backoff> backoff, Instant now,
      List<Action> actions, Instant[] wake) {
    Backoff b = backoff.get(key(c.name(), init));
    if (RestartBackoff.allowed(b, now)) {
      actions.add(new PodPlan.Run(c, init, 0));
    } else if (wake[0] == null || b.notBefore().isBefore(wake[0])) {
      wake[0] = b.notBefore();
    }
  }

  private static void pruneOld(List<RuntimeContainer> instances, List<Action> actions) {
    for (int i = 0; i < instances.size() - 2; i++) {
      if (!instances.get(i).running()) actions.add(new PodPlan.Remove(instances.get(i)));
    }
  }

  /** How long a failed pull shows as ErrImagePull before its back-off shows as ImagePullBackOff. */
  public static final long ERR_IMAGE_PULL_SECONDS = 5;

  public static String key(String name, boolean init) {
    return init ? "init:" + name : name;
  }

  private static int exitCode(RuntimeContainer c) {
    return c.exitCode() == null ? -1 : c.exitCode();
  }

  /**
   * The group's status from spec + observation. {@code state} supplies the previous status (final
   * statuses stay final), back-off, timestamps and IPs; {@code waiting} reasons come from the
   * executor (image pull failures).
   */
  public static GroupState status(GroupSpec spec, PodObservation obs, GroupState state, Instant now) {
    Map<String, Waiting> waiting = state.waiting();
    String podName = spec.name();
    // Init containers.
    List<ContainerStatus> inits = new ArrayList<>();
    boolean initDone = true;
    boolean initFailed = false;
    for (ContainerSpec c : spec.initContainers()) {
      List<RuntimeContainer> inst = obs.instances(c.name(), true);
      RuntimeContainer latest = inst.isEmpty() ? null : inst.get(inst.size() - 1);
      boolean willRestart = latest != null && latest.exited() && exitCode(latest) != 0
          && spec.restartPolicy() != RestartPolicy.Never;
      ContainerStatus s = containerStatus(c, inst, key(c.name(), true), willRestart, initDone, state, now,
          waiting, podName, obs);
      inits.add(s);
      if (latest == null || !latest.exited() || exitCode(latest) != 0) {
        if (latest != null && latest.exited() && !willRestart) initFailed = true;
        initDone = false;
      }
    }
    // App containers. "updated" (asked only while Updating, the hashes cost): every container runs
    // the current spec, or is known to fail with it.
    boolean updated = state.status() == GroupStatus.Updating && obs.sandbox() != null && obs.sandbox().running()
        && sandboxCurrent(spec, obs) && !initStale(spec, obs);
    for (String name : obs.app().keySet()) {
      if (spec.container(name) == null) updated = false;
    }
    if (!initDone) {
      boolean initFailing = initFailed;
      for (ContainerSpec c : spec.initContainers()) {
        RuntimeContainer latest = obs.latest(c.name(), true);
        if (waiting.containsKey(key(c.name(), true)) || latest != null && latest.exited() && exitCode(latest) != 0) {
          initFailing = true;
        }
      }
      updated &= initFailing;
    }
    List<ContainerStatus> apps = new ArrayList<>();
    boolean allCreated = true;
    boolean anyRunning = false;
    boolean anyRestarting = false;
    boolean allZero = true;
    for (ContainerSpec c : spec.containers()) {
      List<RuntimeContainer> inst = initDone ? obs.instances(c.name(), false) : List.of();
      RuntimeContainer latest = inst.isEmpty() ? null : inst.get(inst.size() - 1);
      boolean replaced = latest != null && stale(latest, c);
      boolean willRestart = latest != null && latest.exited()
          && (replaced || spec.restartPolicy().restarts(exitCode(latest)));
      if (latest == null || replaced && !latest.running()) {
        updated &= waiting.containsKey(key(c.name(), false));
      } else if (replaced || latest.state() == RuntimeContainer.State.CREATED) {
        updated = false;
      }
      apps.add(containerStatus(c, inst, key(c.name(), false), willRestart, initDone, state, now, waiting, podName,
          obs));
      if (latest == null || latest.state() == RuntimeContainer.State.CREATED) allCreated = false;
      if (latest != null && latest.running()) anyRunning = true;
      if (willRestart) anyRestarting = true;
      if (latest != null && latest.exited() && exitCode(latest) != 0) allZero = false;
    }

    GroupStatus status;
    if (state.status().terminal()) {
      status = state.status();
    } else if (state.status() == GroupStatus.Restarting && !(obs.sandbox() != null && obs.sandbox().running()
        && initDone && allCreated && anyRunning)) {
      status = GroupStatus.Restarting;
    } else if (state.status() == GroupStatus.Updating && !updated) {
      status = GroupStatus.Updating;
    } else if (initFailed) {
      status = GroupStatus.Failed;
    } else if (obs.sandbox() == null || !obs.sandbox().running() || !initDone || !allCreated) {
      status = GroupStatus.Pending;
    } else if (anyRunning || anyRestarting) {
      status = GroupStatus.Running;
    } else {
      status = allZero ? GroupStatus.Succeeded : GroupStatus.Failed;
    }
    Instant succeeded = state.succeededTime();
    Instant failed = state.failedTime();
    if (status == GroupStatus.Succeeded && succeeded == null) succeeded = now;
    if (status == GroupStatus.Failed && failed == null) failed = now;
    String ip = obs.sandbox() != null && obs.sandbox().ipAddress() != null && !obs.sandbox().ipAddress().isEmpty()
        ? obs.sandbox().ipAddress() : state.intranetIp();
    return new GroupState(status, ip, state.internetIp(), inits, apps, succeeded, failed, state.backoff(),
        state.waiting(), state.restartsApplied(), state.terminating());
  }

  private static ContainerStatus containerStatus(ContainerSpec c, List<RuntimeContainer> instances, String key,
      boolean willRestart, boolean initDone, GroupState state, Instant now, Map<String, Waiting> waiting,
      String podName, PodObservation obs) {
    RuntimeContainer latest = instances.isEmpty() ? null : instances.get(instances.size() - 1);
    RuntimeContainer previous = instances.size() >= 2 ? instances.get(instances.size() - 2) : null;
    int restartCount = latest == null ? 0 : PodObservation.attempt(latest);
    ContainerState current;
    ContainerState prev = previous == null ? null : terminated(previous);
    boolean ready = false;
    Waiting w = waiting.get(key);
    boolean replacing = latest != null && !latest.running() && !key.startsWith("init:") && stale(latest, c);
    if (latest == null || replacing) {
      Backoff b = state.backoff().get(key);
      if (w != null && b != null && now.isBefore(b.notBefore()) && "ErrImagePull".equals(w.reason())
          && !now.isBefore(b.since().plusSeconds(ERR_IMAGE_PULL_SECONDS))) {
        current = ContainerState.waiting("ImagePullBackOff", "Back-off pulling image \"" + c.image() + "\"");
      } else if (w != null) {
        current = ContainerState.waiting(w.reason(), w.message());
      } else {
        current = ContainerState.waiting(initDone || replacing ? "ContainerCreating" : "PodInitializing", null);
      }
    } else if (latest.running()) {
      current = ContainerState.running(latest.startedAt());
      ready = c.readinessProbe() == null || obs.readyIds().contains(latest.id());
    } else if (latest.state() == RuntimeContainer.State.CREATED) {
      current = ContainerState.waiting("ContainerCreating", null);
    } else if (willRestart) {
      Backoff b = state.backoff().get(key);
      prev = terminated(latest);
      if (w != null) {
        current = ContainerState.waiting(w.reason(), w.message());
      } else if (b != null && now.isBefore(b.notBefore())) {
        current = ContainerState.waiting("CrashLoopBackOff", "back-off " + RestartBackoff.format(b.delaySeconds())
            + " restarting failed container=" + c.name() + " pod=" + podName);
      } else {
        current = ContainerState.waiting("ContainerCreating", null);
      }
    } else {
      current = terminated(latest);
    }
    return new ContainerStatus(c.name(), ready, restartCount, current, prev);
  }

  static ContainerState terminated(RuntimeContainer c) {
    int code = exitCode(c);
    String reason = c.oomKilled() ? "OOMKilled" : code == 0 ? "Completed" : "Error";
    String message = c.error() == null || c.error().isEmpty() ? null : c.error();
    return ContainerState.terminated(reason, message, code, c.startedAt(), c.finishedAt());
  }
}
