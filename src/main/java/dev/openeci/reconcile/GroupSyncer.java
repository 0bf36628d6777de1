package dev.openeci.reconcile;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupStore;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.HostFacts;
import dev.openeci.runtime.ImageAccess;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync of one group, as a pipeline (kubelet syncPod):
 * <ol>
 *   <li>observe the engine ({@link PodObserver}) with the prober's verdicts;</li>
 *   <li>settle the recorded grace periods ({@link Terminator#enforceGrace});</li>
 *   <li>plan ({@link PodPlanner#plan(PodPlanner.Input)}, pure: every decision is here);</li>
 *   <li>let the probes follow the plan's phase;</li>
 *   <li>execute the plan ({@link PodExecutor}), one {@link ActionResult} per action;</li>
 *   <li>record the status ({@link StatusWriter}) unless the plan handed the group over;</li>
 *   <li>ask for the next sync: at once when the pass acted, on a timer when a back-off, a deadline or
 *       a retry is due ({@link Scheduler}).</li>
 * </ol>
 * Runs only inside the group's {@link WorkQueue} slot, so it is the only writer of that group's
 * observed state. What this process remembers between syncs is in the group's {@link GroupRecord}.
 */
public final class GroupSyncer {
  private static final Logger log = LoggerFactory.getLogger(GroupSyncer.class);
  /** Passes one sync runs back to back while they keep acting, before it yields its worker. */
  static final int INLINE_PASSES = 4;

  private final GroupStore repo;
  private final Scheduler scheduler;
  private final EventRecorder events;
  private final Prober prober;
  private final HostFacts host;
  private final String owner;
  private final PodPolicy policy;
  private final Consumer<String> requeue;
  private final GroupRecords records;
  private final Fingerprints fingerprints;
  private final PodObserver observer;
  private final Terminator terminator;
  private final Teardown teardown;
  private final PodExecutor executor;
  private final StatusWriter status;

  /**
   * @param scheduler time and timers (back-off, deadlines, grace periods, retries)
   * @param host the engine host's facts (resolv.conf, GPU, traffic shaping, volume directories)
   * @param owner this data directory's instance id, put on every engine object (openeci.owner)
   * @param policy the operator's pod policy (docs/pod-config.md)
   * @param engineTimeout how long one engine call on the stop/restart/delete path may take; a call
   *     that takes longer is abandoned (a Warning event EngineTimeout) and retried on the back-off
   * @param fingerprints where each sync leaves what it saw (the relist compares with it)
   * @param requeue asks for another sync of a group (the work queue)
   */
  public GroupSyncer(GroupStore repo, ContainerRuntime runtime, Scheduler scheduler, EventRecorder events,
      Prober prober, HandlerRunner handlers, HostFacts host, String owner, PodPolicy policy, Duration engineTimeout,
      Fingerprints fingerprints, Consumer<String> requeue) {
    this.fingerprints = fingerprints;
    this.records = new GroupRecords(fingerprints);
    this.repo = repo;
    this.scheduler = scheduler;
    this.events = events;
    this.prober = prober;
    this.host = host;
    this.owner = owner;
    this.policy = policy;
    this.requeue = requeue;
    EngineCalls engine = new EngineCalls(runtime, engineTimeout);
    PodVolumes volumes = new PodVolumes(runtime, host.volumeRoot(), owner);
    ImageAccess imageAccess = new ImageAccess(host.volumeRoot().resolveSibling("image-access"));
    NetworkLocks networks = new NetworkLocks();
    this.observer = new PodObserver(engine, prober, owner);
    this.terminator = new Terminator(repo, engine, events, scheduler, handlers, policy, records, requeue);
    this.teardown = new Teardown(repo, engine, events, scheduler, terminator, volumes, networks, records, owner,
        requeue);
    this.executor = new PodExecutor(repo, engine, events, scheduler, prober, handlers, host, policy, volumes,
        imageAccess, networks, terminator, teardown, records, owner, requeue);
    this.status = new StatusWriter(repo, events, policy);
  }

  /** The owner label value of this openeci instance's engine objects. */
  public String owner() {
    return owner;
  }

  /**
   * Syncs a group. A pass that acted is followed at once by another pass in the same worker slot
   * (up to {@link #INLINE_PASSES}), which observes the result: a new group goes sandbox ->
   * containers -> Running without queueing behind every other group's pass, so groups of a large
   * batch become Running one after another instead of all at the end.
   */
  public void sync(String groupId) {
    List<RuntimeContainer> known = null;
    for (int pass = 0; pass < INLINE_PASSES; pass++) {
      Pass p = syncOnce(groupId, known);
      if (!p.again()) return;
      known = p.known();
    }
    requeue.accept(groupId);
  }

  /**
   * What a pass came to: whether another pass should follow at once, and, when the pass knows
   * exactly what the engine holds for the group now, that (the next pass then skips the list).
   */
  private record Pass(boolean again, List<RuntimeContainer> known) {
    static final Pass DONE = new Pass(false, null);
  }

  /**
   * One observe -> plan -> execute -> record pass. {@code known}: the group's containers as the
   * previous pass left them, when it knows them exactly (null: list them).
   */
  private Pass syncOnce(String groupId, List<RuntimeContainer> known) {
    // 1. Observe.
    Optional<ContainerGroup> found = repo.get(groupId);
    List<RuntimeContainer> observed;
    try {
      observed = known != null ? known : observer.list(groupId);
    } catch (RuntimeFailure e) {
      retryLater(groupId, "observe", e);
      return Pass.DONE;
    }
    if (found.isEmpty()) {
      // Garbage collection: a group that no longer exists.
      prober.forgetGroup(groupId);
      fingerprints.record(groupId, observed);
      ActionResult gc = teardown.collectOrphans(groupId, observed);
      if (gc instanceof ActionResult.Retry r) retryLater(groupId, r.what(), r.failure());
      return Pass.DONE;
    }
    GroupRecord rec = records.of(groupId);
    fingerprints.record(groupId, observed);
    ContainerGroup g = found.get();
    PodObservation obs = observer.observe(observed);

    // 2. Settle the recorded grace periods (kill what outlived its deadline, drop what stopped).
    try {
      terminator.enforceGrace(g, obs);
    } catch (RuntimeFailure e) {
      retryLater(groupId, "kill at the end of a grace period", e);
      return Pass.DONE;
    }

    // 3. Plan.
    Instant now = scheduler.now();
    PodPlan plan = PodPlanner.plan(PodPlanner.Input.of(g.spec(), obs, g.state(), now)
        .withDeleting(g.deletionRequested() != null)
        .withRestartGeneration(g.restartGeneration())
        .withActiveDeadline(g.creationTime(), g.spec().activeDeadlineSeconds())
        .withPostStartFailures(rec.postStartFailures)
        .withPolicy(policy, needsGpu(g) && host.gpuPresent()));
    if (!plan.actions().isEmpty()) log.debug("{}: {}", groupId, plan);

    // 4. Probes follow the phase: they run only while the group runs.
    if (plan.phase() == PodPlan.Phase.RUNNING) {
      prober.sync(groupId, g.spec(), obs, obs.sandbox() == null ? null : obs.sandbox().ipAddress());
    } else {
      prober.forgetGroup(groupId);
    }

    // 5. Execute.
    List<ActionResult> results = executor.execute(g, obs, plan, now);
    ActionResult last = results.isEmpty() ? null : results.getLast();
    if (last instanceof ActionResult.Retry r) {
      retryLater(groupId, r.what(), r.failure());
      return Pass.DONE;
    }
    if (!plan.writesStatus()) return Pass.DONE;

    // 6. Record the status.
    StatusWriter.Written written = status.write(g, obs, plan, results, now);

    // 7. The next sync.
    boolean again = false;
    if (last instanceof ActionResult.Failed f) {
      RuntimeFailure e = f.failure();
      events.warning(groupId, objectOf(f.action()), e instanceof EngineCalls.EngineTimeout
          ? EngineCalls.EngineTimeout.REASON : "Failed", e.getMessage());
      retryLater(groupId, "act", null);
    } else {
      rec.failures.set(0);
      boolean progressed = results.stream().anyMatch(ActionResult::progressed);
      again = progressed && !written.onlyPullFailures();
      // ErrImagePull turns into ImagePullBackOff after a few seconds: sync again then.
      if (!written.settled().freshPullFailures().isEmpty()) {
        wakeAt(groupId, now.plusSeconds(PodPlanner.ERR_IMAGE_PULL_SECONDS));
      }
    }
    Instant wake = PodPlanner.nextWake(plan.wakeAt(), written.settled().backoff(), now);
    if (wake != null) wakeAt(groupId, wake);
    return new Pass(again, again ? observer.afterStarts(observed, results) : null);
  }

  private static boolean needsGpu(ContainerGroup g) {
    for (ContainerSpec c : g.spec().containers()) {
      if (c.gpu() != null && c.gpu() > 0) return true;
    }
    for (ContainerSpec c : g.spec().initContainers()) {
      if (c.gpu() != null && c.gpu() > 0) return true;
    }
    return false;
  }

  private void wakeAt(String groupId, Instant at) {
    scheduler.at(at, () -> requeue.accept(groupId));
  }

  private void retryLater(String groupId, String what, RuntimeFailure e) {
    int n = records.of(groupId).failures.incrementAndGet();
    long delayMs = Math.min(60_000L, 500L << Math.min(n, 7));
    if (e instanceof EngineCalls.EngineTimeout) {
      events.warning(groupId, "", EngineCalls.EngineTimeout.REASON, e.getMessage() + "; retrying");
    }
    if (e != null) log.warn("{}: {} failed ({}); retrying in {} ms", groupId, what, e.getMessage(), delayMs);
    scheduler.after(Duration.ofMillis(delayMs), () -> requeue.accept(groupId));
  }

  private static String objectOf(PodPlan.Action a) {
    return switch (a) {
      case PodPlan.Run r -> r.spec().name();
      case PodPlan.Start s -> s.container().label(Labels.CONTAINER_NAME);
      case PodPlan.Remove r -> r.container().label(Labels.CONTAINER_NAME);
      default -> "";
    };
  }
}
