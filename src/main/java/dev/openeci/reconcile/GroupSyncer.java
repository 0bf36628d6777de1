package dev.openeci.reconcile;

import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.group.GroupState.Waiting;
import dev.openeci.group.PodOptions;
import dev.openeci.group.PullPolicy;
import dev.openeci.group.SpecHashes;
import dev.openeci.reconcile.PodPlan.Action;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.ImageRefs;
import dev.openeci.runtime.PullProgress;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import dev.openeci.group.GroupStore;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One sync of one group: observe the engine, plan ({@link PodPlanner}), act through the runtime,
 * write status and events. Runs only inside the group's {@link WorkQueue} slot, so it is the only
 * writer of that group's observed state. After acting it asks for another sync to observe the
 * result; failures retry with a per-group back-off instead of spinning.
 */
public final class GroupSyncer {
  private static final Logger log = LoggerFactory.getLogger(GroupSyncer.class);
  private static final long GiB = 1L << 30;
  /** Passes one sync runs back to back while they keep acting, before it yields its worker. */
  static final int INLINE_PASSES = 4;

  private final GroupStore repo;
  private final ContainerRuntime runtime;
  private final InstantSource clock;
  private final EventRecorder events;
  private final ScheduledExecutorService timers;
  private final Prober prober;
  private final HandlerRunner handlers;
  private final String owner;
  private Consumer<String> requeue = id -> {};
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  /** Groups that hit a failure no retry can fix during the current pass (the reason), to be failed. */
  private final Map<String, String> unrecoverable = new ConcurrentHashMap<>();
  private final Map<String, String> fingerprints = new ConcurrentHashMap<>();
  /** Containers (planner keys) whose image pull failed in the group's current sync. */
  private final Map<String, java.util.Set<String>> pullFailures = new ConcurrentHashMap<>();
  private final dev.openeci.config.PodPolicy policy;
  private final PodVolumes volumes;
  private final dev.openeci.runtime.ImageAccess imageAccess;
  private final Bandwidth bandwidth = new Bandwidth();
  /** How long one engine call on the stop/restart/delete path may take before it is given up. */
  private final Duration engineTimeout;
  /** Engine calls with a deadline run here, so a call the engine never answers holds no worker. */
  private final java.util.concurrent.ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
  /** Containers this process sent the stop signal to (after a restart, a recorded grace re-sends it). */
  private final java.util.Set<String> signalled = ConcurrentHashMap.newKeySet();
  /** Per group, the earliest grace deadline a timer is already set for. */
  private final Map<String, Instant> graceTimers = new ConcurrentHashMap<>();
  /** When this process last sent SIGKILL to a container at the end of its grace (once per sync is enough). */
  private final Map<String, Long> killedAt = new ConcurrentHashMap<>();
  /** Containers whose postStart hook failed (the reason), for the group's next sync to stop them. */
  private final Map<String, String> postStartFailures = new ConcurrentHashMap<>();

  /**
   * @param owner this data directory's instance id, put on every engine object (openeci.owner)
   * @param policy the operator's pod policy (docs/pod-config.md)
   * @param podsDir where per-group volume directories live ({@code <data-dir>/pods})
   */
  public GroupSyncer(GroupStore repo, ContainerRuntime runtime, InstantSource clock, EventRecorder events,
      ScheduledExecutorService timers, Prober prober, HandlerRunner handlers, String owner,
      dev.openeci.config.PodPolicy policy, java.nio.file.Path podsDir) {
    this(repo, runtime, clock, events, timers, prober, handlers, owner, policy, podsDir,
        dev.openeci.config.ServerConfig.DEFAULT_ENGINE_TIMEOUT);
  }

  /**
   * @param engineTimeout how long one engine call on the stop/restart/delete path may take; a call
   *     that takes longer is abandoned (a Warning event EngineTimeout) and retried on the back-off
   */
  public GroupSyncer(GroupStore repo, ContainerRuntime runtime, InstantSource clock, EventRecorder events,
      ScheduledExecutorService timers, Prober prober, HandlerRunner handlers, String owner,
      dev.openeci.config.PodPolicy policy, java.nio.file.Path podsDir, Duration engineTimeout) {
    this.engineTimeout = engineTimeout;
    this.owner = owner;
    this.policy = policy;
    this.volumes = new PodVolumes(runtime, podsDir, owner);
    this.imageAccess = new dev.openeci.runtime.ImageAccess(podsDir.resolveSibling("image-access"));
    this.repo = repo;
    this.runtime = runtime;
    this.clock = clock;
    this.events = events;
    this.timers = timers;
    this.prober = prober;
    this.handlers = handlers;
  }

  /** The owner label value of this openeci instance's engine objects. */
  public String owner() {
    return owner;
  }

  /** Where to ask for another sync of a group (the work queue). */
  public void requeueWith(Consumer<String> requeue) {
    this.requeue = requeue;
  }

  /** The fingerprint (container ids and states) seen by the last sync of a group. */
  public String lastFingerprint(String groupId) {
    return fingerprints.get(groupId);
  }

  public static String fingerprint(List<RuntimeContainer> containers) {
    List<String> parts = new ArrayList<>();
    for (RuntimeContainer c : containers) parts.add(c.id() + ":" + c.state());
    parts.sort(null);
    return String.join(",", parts);
  }

  /**
   * Syncs a group. A pass that acted is followed at once by another pass in the same worker slot
   * (up to {@link #INLINE_PASSES}), which observes the result: a new group goes sandbox ->
   * containers -> Running without queueing behind every other group's pass, so groups of a large
   * batch become Running one after another instead of all at the end.
   */
  public void sync(String groupId) {
    for (int pass = 0; pass < INLINE_PASSES; pass++) {
      if (!syncOnce(groupId)) return;
    }
    requeue.accept(groupId);
  }

  /** One observe -> plan -> act pass; true when it acted and wants another pass to observe the result. */
  private boolean syncOnce(String groupId) {
    pullFailures.remove(groupId);
    Optional<ContainerGroup> found = repo.get(groupId);
    List<RuntimeContainer> observed;
    try {
      observed = observe(groupId);
    } catch (RuntimeFailure e) {
      retryLater(groupId, "observe", e);
      return false;
    }
    fingerprints.put(groupId, fingerprint(observed));
    if (found.isEmpty()) {
      prober.forgetGroup(groupId);
      removeOrphans(groupId, observed);
      return false;
    }
    ContainerGroup g = found.get();
    PodObservation obs = PodObservation.of(observed);
    try {
      enforceGrace(g, obs);
    } catch (RuntimeFailure e) {
      retryLater(groupId, "kill at the end of a grace period", e);
      return false;
    }
    if (g.deletionRequested() != null) {
      prober.forgetGroup(groupId);
      teardown(g, obs);
      return false;
    }
    if (g.restartGeneration() > g.state().restartsApplied()) {
      prober.forgetGroup(groupId);
      restart(g, obs);
      return false;
    }
    Instant now = clock.instant();
    if (g.state().status().terminal()) {
      prober.forgetGroup(groupId);
    } else {
      if (deadlineExceeded(g, obs, now)) return false;
      String podIp = obs.sandbox() == null ? null : obs.sandbox().ipAddress();
      prober.sync(groupId, g.spec(), obs, podIp);
      try {
        postStartFailed(g, obs);
      } catch (RuntimeFailure e) {
        retryLater(groupId, "stop after a failed postStart hook", e);
        return false;
      }
      if (killUnhealthy(g, obs)) return false;
      java.util.Set<String> ready = new java.util.HashSet<>();
      for (RuntimeContainer c : obs.all()) {
        if (prober.ready(c.id())) ready.add(c.id());
      }
      obs = obs.withReady(ready);
    }
    PodPlan plan = PodPlanner.plan(g.spec(), obs, g.state(), now);
    GroupState computed = PodPlanner.status(g.spec(), obs, g.state().withBackoff(plan.backoff(), g.state().waiting()),
        now);
    Map<String, Backoff> backoff = new HashMap<>(plan.backoff());
    Map<String, Waiting> waiting = new HashMap<>(computed.waiting());
    boolean ok = true;
    boolean progressed = false;
    if (!plan.actions().isEmpty()) log.debug("{}: {}", groupId, plan);
    for (Action a : plan.actions()) {
      try {
        progressed |= execute(g, obs, a, backoff, waiting, now);
      } catch (RuntimeFailure e) {
        ok = false;
        events.warning(groupId, objectOf(a), e instanceof EngineTimeout ? EngineTimeout.REASON : "Failed",
            e.getMessage());
        break;
      }
    }
    GroupState computedNext = withInternetIp(g.spec(), computed.withBackoff(backoff, waiting));
    // A pull that failed in this sync shows as ErrImagePull until a later sync finds the group in
    // its back-off (ImagePullBackOff), as the kubelet reports it.
    java.util.Set<String> failedPulls = pullFailures.remove(groupId);
    List<String> freshPullFailures = failedPulls == null ? List.of() : List.copyOf(failedPulls);
    boolean onlyPullFailures = !freshPullFailures.isEmpty() && ok && plan.actions().stream()
        .allMatch(a -> a instanceof PodPlan.Run r && freshPullFailures.contains(PodPlanner.key(r.spec().name(), r.init())));
    GroupState pulled = freshPullFailures.isEmpty() ? computedNext
        : withWaiting(computedNext, waiting, freshPullFailures);
    // A failure no retry can fix on this host (a volume type the kernel cannot mount) fails the group.
    String fatal = unrecoverable.remove(groupId);
    GroupState next = fatal == null || pulled.status().terminal() ? pulled : pulled.failed(now);
    if (fatal != null && next != pulled) log.info("{}: failed: {}", groupId, fatal);
    recordBackOff(g, g.state(), next);
    var previousStatus = g.state().status();
    // A state computed from an older spec is not written: the update that replaced it woke the
    // worker, whose next sync computes the state of the new spec.
    // The grace-period records are written only where a stop begins or ends: kept as stored.
    long specVersion = g.specVersion();
    ContainerGroup stored = repo.modify(groupId, cur -> {
      GroupState n = next.withTerminating(cur.state().terminating());
      return cur.deletionRequested() != null || cur.specVersion() != specVersion || cur.state().equals(n) ? cur
          : cur.withState(n, now);
    }).orElse(null);
    if (previousStatus != next.status() && stored != null && stored.state().status() == next.status()) {
      log.info("{}: status {} -> {}", groupId, previousStatus, next.status());
      if (previousStatus == GroupStatus.Updating) {
        events.normal(groupId, "", "Updated", "Container group updated to spec version " + g.specVersion());
        log.info("{}: update to spec version {} applied", groupId, g.specVersion());
      }
    }
    boolean again = false;
    if (!ok) {
      retryLater(groupId, "act", null);
    } else {
      failures.remove(groupId);
      again = progressed && !onlyPullFailures;
      // ErrImagePull turns into ImagePullBackOff after a few seconds: sync again then.
      if (!freshPullFailures.isEmpty()) wakeAt(groupId, now.plusSeconds(PodPlanner.ERR_IMAGE_PULL_SECONDS), now);
    }
    Instant wake = earliestWake(plan.wakeAt(), backoff, now);
    if (wake != null) wakeAt(groupId, wake, now);
    return again;
  }

  /**
   * The kubelet's events when a container enters a back-off period, once per period (the event
   * store aggregates repeats into Count/LastTimestamp): a crash loop gives a {@code BackOff}
   * warning; a pull back-off gives {@code BackOff} "Back-off pulling image" and
   * {@code Failed} "Error: ImagePullBackOff".
   */
  private void recordBackOff(ContainerGroup g, GroupState before, GroupState after) {
    Map<String, ContainerStatus> old = new HashMap<>();
    for (ContainerStatus c : before.initContainers()) old.put(PodPlanner.key(c.name(), true), c);
    for (ContainerStatus c : before.containers()) old.put(PodPlanner.key(c.name(), false), c);
    for (int i = 0; i < after.initContainers().size() + after.containers().size(); i++) {
      boolean init = i < after.initContainers().size();
      ContainerStatus c = init ? after.initContainers().get(i) : after.containers().get(i - after.initContainers().size());
      String reason = c.current() == null ? null : c.current().reason();
      if (!"CrashLoopBackOff".equals(reason) && !"ImagePullBackOff".equals(reason)) continue;
      ContainerStatus was = old.get(PodPlanner.key(c.name(), init));
      if (was != null && was.current() != null && reason.equals(was.current().reason())
          && was.restartCount() == c.restartCount()) {
        continue; // still in the same back-off period
      }
      if (reason.equals("CrashLoopBackOff")) {
        events.warning(g.id(), c.name(), "BackOff",
            "Back-off restarting failed container " + c.name() + " in pod " + g.spec().name());
      } else {
        ContainerSpec spec = g.spec().container(c.name());
        events.normal(g.id(), c.name(), "BackOff",
            "Back-off pulling image \"" + (spec != null ? spec.image() : c.name()) + "\"");
        events.warning(g.id(), c.name(), "Failed", "Error: ImagePullBackOff");
      }
    }
  }

  private static GroupState withWaiting(GroupState st, Map<String, Waiting> waiting, List<String> keys) {
    java.util.function.BiFunction<List<ContainerStatus>, Boolean, List<ContainerStatus>> patch =
        (list, init) -> list.stream().map(cs -> {
          Waiting w = waiting.get(PodPlanner.key(cs.name(), init));
          if (w == null || !keys.contains(PodPlanner.key(cs.name(), init))) return cs;
          return new ContainerStatus(cs.name(), cs.ready(), cs.restartCount(),
              dev.openeci.group.ContainerState.waiting(w.reason(), w.message()), cs.previous());
        }).toList();
    return st.withContainers(patch.apply(st.initContainers(), true), patch.apply(st.containers(), false));
  }

  /** A group with AutoCreateEip/EipInstanceId is reachable on the publish address: its InternetIp. */
  private GroupState withInternetIp(GroupSpec spec, GroupState s) {
    String ip = PodConfigs.publishes(spec) && s.intranetIp() != null ? policy.publishAddress() : s.internetIp();
    return java.util.Objects.equals(ip, s.internetIp()) ? s : s.withInternetIp(ip);
  }

  private static Instant earliestWake(Instant planned, Map<String, Backoff> backoff, Instant now) {
    Instant wake = planned;
    for (Backoff b : backoff.values()) {
      if (b.notBefore().isAfter(now) && (wake == null || b.notBefore().isBefore(wake))) wake = b.notBefore();
    }
    return wake;
  }

  private void wakeAt(String groupId, Instant at, Instant now) {
    long ms = Math.max(0, Duration.between(now, at).toMillis()) + 50;
    timers.schedule(() -> requeue.accept(groupId), ms, TimeUnit.MILLISECONDS);
  }

  private void retryLater(String groupId, String what, RuntimeFailure e) {
    int n = failures.merge(groupId, 1, Integer::sum);
    long delayMs = Math.min(60_000L, 500L << Math.min(n, 7));
    if (e instanceof EngineTimeout) events.warning(groupId, "", EngineTimeout.REASON, e.getMessage() + "; retrying");
    if (e != null) log.warn("{}: {} failed ({}); retrying in {} ms", groupId, what, e.getMessage(), delayMs);
    timers.schedule(() -> requeue.accept(groupId), delayMs, TimeUnit.MILLISECONDS);
  }

  private List<RuntimeContainer> observe(String groupId) {
    return within("list the group's containers", () -> {
      List<RuntimeContainer> listed = runtime.list(Map.of(Labels.OWNER, owner, Labels.GROUP_ID, groupId));
      List<RuntimeContainer> out = new ArrayList<>(listed.size());
      for (RuntimeContainer c : listed) runtime.inspect(c.id()).ifPresent(out::add);
      return out;
    });
  }

  private static String objectOf(Action a) {
    return switch (a) {
      case PodPlan.Run r -> r.spec().name();
      case PodPlan.Start s -> s.container().label(Labels.CONTAINER_NAME);
      case PodPlan.Remove r -> r.container().label(Labels.CONTAINER_NAME);
      default -> "";
    };
  }

  /** Runs one planned action; false when it only waits for a grace period (nothing new to observe). */
  private boolean execute(ContainerGroup g, PodObservation obs, Action action, Map<String, Backoff> backoff,
      Map<String, Waiting> waiting, Instant now) {
    String gid = g.id();
    switch (action) {
      case PodPlan.CreateSandbox c -> createSandbox(g, backoff, now);
      case PodPlan.ResetPod r -> {
        if (!terminate(g, obs, members(obs), now, name -> "Stopping container " + name + ": " + r.reason())) {
          return false;
        }
        events.normal(gid, "", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
        log.info("{}: resetting pod: {}", gid, r.reason());
        for (RuntimeContainer c : obs.all()) remove(c.id());
      }
      case PodPlan.RestartPod r -> {
        if (!terminate(g, obs, members(obs), now, name -> "Stopping container " + name + ": " + r.reason())) {
          return false;
        }
        events.normal(gid, "", "Restarting", "Restarting container group: " + r.reason());
        log.info("{}: restarting the group's containers: {}", gid, r.reason());
        for (RuntimeContainer c : obs.all()) {
          if (!Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE))) remove(c.id());
        }
      }
      case PodPlan.Replace r -> {
        if (r.old() != null) {
          prober.forget(r.old().id());
          terminate(g, obs, List.of(r.old()), now,
              name -> "Container " + name + " definition changed, will be restarted");
          // The new instance runs once a later sync sees the old one stopped.
          return false;
        }
        run(g, obs, new PodPlan.Run(r.spec(), false, r.attempt()), backoff, waiting, now);
      }
      case PodPlan.StopAndRemove r -> {
        if (r.container().running()) {
          prober.forget(r.container().id());
          if (!terminate(g, obs, List.of(r.container()), now,
              name -> "Stopping container " + name + " (removed from the spec)")) {
            return false;
          }
        }
        remove(r.container().id());
        volumes.releaseSubPaths(g.id(), r.container().label(Labels.CONTAINER_NAME),
            Labels.ROLE_INIT.equals(r.container().label(Labels.ROLE)));
      }
      case PodPlan.Start s -> runtime.start(s.container().id());
      case PodPlan.Run r -> run(g, obs, r, backoff, waiting, now);
      case PodPlan.Remove r -> remove(r.container().id());
      case PodPlan.TerminateMembers t -> {
        return terminate(g, obs, members(obs), now, name -> "Stopping container " + name);
      }
      case PodPlan.StopSandbox s -> {
        if (obs.sandbox() != null) {
          log.info("{}: group finished ({}); releasing its sandbox", gid, g.state().status());
          kill(obs.sandbox().id());
        }
      }
    }
    return true;
  }

  private void createSandbox(ContainerGroup g, Map<String, Backoff> backoff, Instant now) {
    try {
      ContainerRuntime.SandboxImage image = runtime.ensureSandboxImage();
      Map<String, String> labels = labels(g, Labels.ROLE_SANDBOX, null, 0);
      List<String>[] hostDns = hostResolvConf();
      String networkName = AccountNetworks.name(owner, g.accountId(), g.regionId());
      String id;
      // Held (shared) until the sandbox runs on the network: the release of the account's last
      // group takes it exclusively, so it never removes a network a sandbox is being started on.
      java.util.concurrent.locks.Lock inUse = networkLock(networkName).readLock();
      inUse.lock();
      try {
        String network = runtime.ensureNetwork(networkName, AccountNetworks.labels(owner));
        CreateContainer spec = new CreateContainer(sandboxName(g.id()), image.image(), labels, image.command(),
            List.of(), List.of(), null, null, false, false, false, 0, 0, volumes.sandboxMounts(g.id(), g.spec()),
            false, List.of(), false, PodConfigs.sandbox(g.spec(), hostDns[0], hostDns[1], policy.publishAddress())
                .onNetwork(network));
        try {
          id = runtime.create(spec);
        } catch (ContainerRuntime.NameConflict e) {
          // A previous attempt created it but did not see it yet; the next observation will.
          return;
        }
        try {
          runtime.start(id);
        } catch (RuntimeFailure e) {
          // A sandbox that cannot start (e.g. its network went away) is removed, so the next
          // attempt creates it again instead of retrying a start that cannot succeed.
          try {
            runtime.remove(id);
          } catch (RuntimeFailure ignored) {
            // the next observation sees it, and the planner retries
          }
          throw e;
        }
      } finally {
        inUse.unlock();
      }
      log.info("{}: sandbox started", g.id());
      backoff.remove(PodPlanner.SANDBOX_KEY);
      shapeBandwidth(g, id);
    } catch (RuntimeFailure e) {
      backoff.put(PodPlanner.SANDBOX_KEY, RestartBackoff.next(backoff.get(PodPlanner.SANDBOX_KEY), now));
      if (PortsInUse.is(e.getMessage())) {
        // Another process (openeci refuses a second group at create) holds a published port: no
        // retry can fix that, so the group fails with one clear event instead of raw engine errors.
        String msg = PortsInUse.message(PodConfigs.ports(g.spec(), policy.publishAddress()), policy.publishAddress());
        events.warning(g.id(), "", "HostPortInUse", msg);
        unrecoverable.put(g.id(), msg);
        return;
      }
      events.warning(g.id(), "", "FailedCreatePodSandBox", "Failed to create pod sandbox: " + e.getMessage());
    }
  }

  /** IngressBandwidth / EgressBandwidth with tc; a Warning BandwidthNotApplied when the host cannot. */
  private void shapeBandwidth(ContainerGroup g, String sandboxId) {
    Long in = g.spec().network().ingressBandwidth();
    Long out = g.spec().network().egressBandwidth();
    if ((in == null || in <= 0) && (out == null || out <= 0)) return;
    Optional<Long> pid = runtime.pid(sandboxId);
    if (pid.isEmpty()) {
      events.warning(g.id(), "", "BandwidthNotApplied", "the engine does not tell the sandbox's process id");
      return;
    }
    Bandwidth.Result r = bandwidth.apply(pid.get(), in, out);
    if (!r.applied().isEmpty()) {
      events.normal(g.id(), "", "BandwidthApplied", "Traffic shaped: " + String.join("; ", r.applied()));
    }
    if (!r.problems().isEmpty()) {
      events.warning(g.id(), "", "BandwidthNotApplied", String.join("; ", r.problems()));
    }
  }

  private static volatile List<String>[] hostDns;

  /** The host's name servers and search domains (DnsPolicy Default merges DnsConfig into them). */
  @SuppressWarnings("unchecked")
  private static List<String>[] hostResolvConf() {
    List<String>[] cached = hostDns;
    if (cached != null) return cached;
    String text = "";
    try {
      text = java.nio.file.Files.readString(java.nio.file.Path.of("/etc/resolv.conf"));
    } catch (java.io.IOException | RuntimeException e) {
      log.debug("no /etc/resolv.conf: {}", e.toString());
    }
    List<List<String>> parsed = PodConfigs.parseResolvConf(text);
    cached = new List[] {parsed.get(0), parsed.get(1)};
    hostDns = cached;
    return cached;
  }

  /** The container cannot be created as asked: Waiting with {@code reason}, a Warning event, back-off. */
  private void refuse(String gid, ContainerSpec c, String key, int attempt, String eventReason, String waitingReason,
      String message, Map<String, Backoff> backoff, Map<String, Waiting> waiting, Instant now) {
    events.warning(gid, c.name(), eventReason, message);
    waiting.put(key, new Waiting(waitingReason, message));
    if (attempt == 0) backoff.put(key, RestartBackoff.next(backoff.get(key), now));
  }

  private static boolean gpuAvailable() {
    return java.nio.file.Files.exists(java.nio.file.Path.of("/dev/nvidia0"));
  }

  private void run(ContainerGroup g, PodObservation obs, PodPlan.Run r, Map<String, Backoff> backoff,
      Map<String, Waiting> waiting, Instant now) {
    ContainerSpec c = r.spec();
    String key = PodPlanner.key(c.name(), r.init());
    if (!ensureImage(g, c, key, r.attempt(), backoff, waiting, now)) return;
    // The image's user matters only to RunAsNonRoot and to a RunAsGroup without RunAsUser.
    boolean needsImageUser = Boolean.TRUE.equals(c.security().runAsNonRoot())
        || c.security().runAsUser() == null && c.security().runAsGroup() != null;
    String imageUser = needsImageUser ? runtime.imageUser(c.image()).orElse("") : "";
    Optional<String> nonRoot = PodConfigs.runAsNonRootViolation(c.security(), imageUser, g.spec().name(), c.name());
    if (nonRoot.isPresent()) {
      refuse(g.id(), c, key, r.attempt(), "Failed", "CreateContainerConfigError", "Error: " + nonRoot.get(), backoff,
          waiting, now);
      return;
    }
    boolean privileged = Boolean.TRUE.equals(c.security().privileged());
    if (privileged && !policy.allowPrivileged()) {
      refuse(g.id(), c, key, r.attempt(), "Failed", "CreateContainerConfigError",
          "Error: privileged containers are not allowed by this server (serve --allow-privileged)", backoff, waiting,
          now);
      return;
    }
    // Groups stored before the allow-list (or under a wider --allow-capabilities) get nothing beyond it now.
    List<String> refusedCaps = c.security().capabilityAdd().stream().filter(cap -> {
      String canonical = dev.openeci.config.Capabilities.canonical(cap);
      return canonical == null || !policy.capabilityAllowed(canonical);
    }).toList();
    if (!refusedCaps.isEmpty()) {
      refuse(g.id(), c, key, r.attempt(), "Failed", "CreateContainerConfigError", "Error: capabilities " + refusedCaps
          + " are not allowed by this server (serve --allow-capabilities)", backoff, waiting, now);
      return;
    }
    int gpus = c.gpu() == null ? 0 : c.gpu();
    if (gpus > 0 && !gpuAvailable()) {
      refuse(g.id(), c, key, r.attempt(), "FailedScheduling", "Unschedulable", "0/1 nodes are available: 1 Insufficient"
          + " nvidia.com/gpu (the engine host has no GPU)", backoff, waiting, now);
      return;
    }
    Map<String, PodConfigs.Volume> vols;
    Map<Integer, String> subPaths;
    try {
      vols = volumes.prepare(g, policy);
      subPaths = volumes.subPaths(g.id(), c, r.init(), g.spec(), vols);
    } catch (RuntimeFailure e) {
      refuse(g.id(), c, key, r.attempt(), "FailedMount", "ContainerCreating", "MountVolume.SetUp failed: "
          + e.getMessage(), backoff, waiting, now);
      return;
    }
    String sandboxIp = obs.sandbox() == null ? "" : nullToEmpty(obs.sandbox().ipAddress());
    List<String> env = new ArrayList<>();
    for (EnvVar e : c.env()) {
      String value = EnvVar.POD_IP.equals(e.fieldPath()) ? sandboxIp : nullToEmpty(e.value());
      env.add(e.key() + "=" + value);
    }
    List<String> entrypoint = c.command().isEmpty() ? null : c.command();
    List<String> cmd = !c.args().isEmpty() ? c.args() : entrypoint != null ? List.of() : null;
    CreateContainer spec = new CreateContainer(
        containerName(g.id(), c.name(), r.init(), r.attempt()), c.image(),
        labels(g, r.init() ? Labels.ROLE_INIT : Labels.ROLE_APP, c.name(), r.attempt()),
        entrypoint, cmd, env, c.workingDir(), PodConfigs.user(c.security(), imageUser), c.tty(), c.stdin(),
        c.stdinOnce(), PodConfigs.nanoCpus(c, g.spec()), PodConfigs.memoryBytes(c, g.spec()),
        PodConfigs.mounts(c, vols, subPaths), Boolean.TRUE.equals(c.security().readOnlyRootFilesystem()),
        c.security().capabilityAdd(), privileged,
        CreateContainer.Network.joinSandbox(obs.sandbox().id(), PodConfigs.hostname(g.spec()),
            PodConfigs.sharePid(g.spec())), gpus);
    String id;
    try {
      id = runtime.create(spec);
    } catch (ContainerRuntime.NameConflict e) {
      return;
    }
    events.normal(g.id(), c.name(), "Created", "Created container " + c.name());
    try {
      runtime.start(id);
    } catch (RuntimeFailure e) {
      String failure = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
      if (!failure.contains("mount")) throw e;
      // E.g. an NFS volume on a kernel without NFS: the engine mounts volumes at start. A file
      // system the kernel does not know can never be mounted here: the group fails. Anything else
      // (a server that does not answer yet) is retried under the back-off.
      runtime.remove(id);
      if (failure.contains("unknown filesystem type")) {
        unrecoverable.put(g.id(), "container " + c.name() + ": the host's kernel cannot mount this volume type");
      }
      refuse(g.id(), c, key, r.attempt(), "FailedMount", "ContainerCreating", "MountVolume.SetUp failed: "
          + e.getMessage(), backoff, waiting, now);
      return;
    }
    waiting.remove(key);
    events.normal(g.id(), c.name(), "Started", "Started container " + c.name());
    if (c.postStart() != null) postStart(g.id(), c, id, sandboxIp.isEmpty() ? null : sandboxIp, graceSeconds(g));
  }

  /**
   * The postStart hook runs on a virtual thread, bounded by the grace period, never in a worker (a
   * hook that sleeps would pin one). A failure is noted and wakes the group; its next sync records
   * the FailedPostStartHook event and stops the container ({@link #postStartFailed}).
   */
  private void postStart(String gid, ContainerSpec c, String containerId, String podIp, long grace) {
    Duration limit = Duration.ofSeconds(Math.max(1, grace));
    Thread.ofVirtual().name("poststart-" + c.name()).start(() -> {
      String failure;
      Future<HandlerRunner.Result> hook = calls.submit(() -> handlers.run(c.postStart(), containerId, podIp, limit));
      try {
        HandlerRunner.Result r = hook.get(limit.toMillis() + 1_000, TimeUnit.MILLISECONDS);
        failure = r.ok() ? null : r.message();
      } catch (java.util.concurrent.TimeoutException e) {
        hook.cancel(true);
        failure = "did not finish within " + limit.toSeconds() + "s";
      } catch (Exception e) {
        failure = String.valueOf(e.getMessage());
      }
      if (failure == null) return;
      postStartFailures.put(containerId, failure);
      requeue.accept(gid);
    });
  }

  /** Containers whose postStart hook failed (noted off the worker) are stopped by the group's sync. */
  private void postStartFailed(ContainerGroup g, PodObservation obs) {
    for (RuntimeContainer c : obs.all()) {
      String failure = postStartFailures.remove(c.id());
      if (failure == null) continue;
      String name = nameOf(c);
      events.warning(g.id(), name, "FailedPostStartHook", "PostStartHook failed: " + failure);
      if (c.running()) {
        terminate(g, obs, List.of(c), clock.instant(), n -> "FailedPostStartHook: stopping container " + n);
      }
    }
  }

  /**
   * ActiveDeadlineSeconds: once the group has been active that long, every container is stopped
   * (preStop hooks and grace periods honoured) and the group fails with reason DeadlineExceeded.
   * Before that, a timer wakes the group at its deadline.
   */
  private boolean deadlineExceeded(ContainerGroup g, PodObservation obs, Instant now) {
    Integer deadline = g.spec().activeDeadlineSeconds();
    if (deadline == null) return false;
    Instant at = g.creationTime().plusSeconds(deadline);
    if (now.isBefore(at)) {
      wakeAt(g.id(), at, now);
      return false;
    }
    // Failed at once; the planner's final-status branch then stops the members with their grace
    // period (on a timer, like every stop) and releases the sandbox once they are gone.
    events.warning(g.id(), "", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
    prober.forgetGroup(g.id());
    Instant t = clock.instant();
    repo.modify(g.id(), cur -> cur.withState(cur.state().failed(t), t));
    log.info("{}: active deadline of {}s exceeded; group Failed (DeadlineExceeded)", g.id(), deadline);
    requeue.accept(g.id());
    return true;
  }

  /** A container whose liveness probe failed is killed (preStop, grace); the restart policy does the rest. */
  private boolean killUnhealthy(ContainerGroup g, PodObservation obs) {
    boolean killed = false;
    for (ContainerSpec c : g.spec().containers()) {
      RuntimeContainer latest = obs.latest(c.name(), false);
      if (latest == null || !latest.running() || !prober.livenessFailed(latest.id())) continue;
      prober.forget(latest.id());
      try {
        terminate(g, obs, List.of(latest), clock.instant(),
            name -> "Container " + name + " failed liveness probe, will be restarted");
      } catch (RuntimeFailure e) {
        retryLater(g.id(), "kill unhealthy container", e);
      }
      killed = true;
    }
    return killed;
  }

  // --- stopping: grace periods on timers -------------------------------------------------------------

  /** The group's grace period in seconds, within the operator's maximum (serve --max-grace-seconds). */
  long graceSeconds(ContainerGroup g) {
    return Math.max(0, Math.min(g.spec().terminationGracePeriodSeconds(), policy.maxGraceSeconds()));
  }

  /** Every running container of the group but the sandbox. */
  private static List<RuntimeContainer> members(PodObservation obs) {
    List<RuntimeContainer> members = new ArrayList<>();
    for (RuntimeContainer c : obs.all()) {
      if (!Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)) && c.running()) members.add(c);
    }
    return members;
  }

  /**
   * Stops {@code targets} gracefully without waiting for them: the first call records each one's
   * deadline with the group (so a restarted openeci honours it), starts its preStop hook and then
   * the stop signal on a virtual thread bounded by the deadline, and returns; a timer on the shared
   * scheduler syncs the group at the deadline, when a later call SIGKILLs what still runs. The
   * decisions are {@link PodPlanner#grace}'s. True when none of the targets runs any more (stopped,
   * gone, or killed by this call), so the caller may go on (remove, restart, recreate).
   */
  private boolean terminate(ContainerGroup g, PodObservation obs, List<RuntimeContainer> targets, Instant now,
      java.util.function.Function<String, String> killingMessage) {
    String gid = g.id();
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
          if (signalled.add(c.id())) signal(g, c, null, null, t.deadline());
          wake = earlier(wake, t.deadline());
          done = false;
        }
        case KILL -> {
          if (t == null) events.normal(gid, name, "Killing", killingMessage.apply(name));
          long nowNanos = System.nanoTime();
          Long last = killedAt.get(c.id());
          if (last != null && nowNanos - last < TimeUnit.SECONDS.toNanos(5)) continue;
          if (t != null) log.info("{}: {} still runs at the end of its {}s grace period; killing it", gid, name, grace);
          kill(c.id());
          killedAt.put(c.id(), nowNanos);
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
        signalled.add(c.id());
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
  private void enforceGrace(ContainerGroup g, PodObservation obs) {
    Map<String, GroupState.Terminating> recorded = g.state().terminating();
    if (recorded.isEmpty()) return;
    Map<String, RuntimeContainer> byId = new HashMap<>();
    for (RuntimeContainer c : obs.all()) byId.put(c.id(), c);
    List<RuntimeContainer> running = new ArrayList<>();
    java.util.Set<String> finished = new java.util.HashSet<>();
    for (String id : recorded.keySet()) {
      RuntimeContainer c = byId.get(id);
      if (c != null && c.running()) running.add(c);
      else finished.add(id);
    }
    if (!running.isEmpty()) terminate(g, obs, running, clock.instant(), name -> "Stopping container " + name);
    if (!finished.isEmpty()) {
      log.info("{}: grace period over for {} container(s): no longer running", g.id(), finished.size());
      signalled.removeAll(finished);
      killedAt.keySet().removeAll(finished);
      repo.modify(g.id(), cur -> {
        Map<String, GroupState.Terminating> m = new HashMap<>(cur.state().terminating());
        m.keySet().removeAll(finished);
        return cur.withState(cur.state().withTerminating(m), clock.instant());
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
        Duration left = Duration.between(clock.instant(), deadline);
        if (!left.isNegative() && !left.isZero()) {
          Future<HandlerRunner.Result> hook = calls.submit(() -> handlers.run(spec.preStop(), c.id(), podIp, left));
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
      if (!clock.instant().isBefore(deadline)) return; // the sync at the deadline kills it
      try {
        within("stop signal to " + name, () -> {
          runtime.kill(c.id(), "TERM");
          return null;
        });
      } catch (RuntimeFailure e) {
        events.warning(gid, name, e instanceof EngineTimeout ? EngineTimeout.REASON : "FailedKillPod",
            "stop signal to container " + name + " failed: " + e.getMessage()
            + "; it is killed at the end of its grace period");
      }
    });
  }

  /** One timer per group and deadline on the shared scheduler (a later sync asks again for a later one). */
  private void wakeForGrace(String gid, Instant deadline, Instant now) {
    Instant[] set = {null};
    graceTimers.compute(gid, (k, pending) -> {
      if (pending != null && !pending.isAfter(deadline) && pending.isAfter(now)) return pending;
      set[0] = deadline;
      return deadline;
    });
    if (set[0] == null) return;
    long ms = Math.max(0, Duration.between(now, deadline).toMillis()) + 50;
    timers.schedule(() -> {
      graceTimers.remove(gid, deadline);
      requeue.accept(gid);
    }, ms, TimeUnit.MILLISECONDS);
  }

  private static Instant earlier(Instant a, Instant b) {
    return a == null || b.isBefore(a) ? b : a;
  }

  private static String nameOf(RuntimeContainer c) {
    String n = c.label(Labels.CONTAINER_NAME);
    return n != null ? n : Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)) ? "sandbox" : c.name();
  }

  // --- engine calls with a deadline ------------------------------------------------------------------

  /** An engine call that did not answer within the engine timeout (it is abandoned, not waited for). */
  static final class EngineTimeout extends RuntimeFailure {
    static final String REASON = "EngineTimeout";

    EngineTimeout(String message) {
      super(message);
    }
  }

  /**
   * Runs one engine call on a virtual thread and waits at most the engine timeout: a call the engine
   * never answers costs a parked virtual thread, never a sync worker.
   */
  <T> T within(String what, java.util.concurrent.Callable<T> call) {
    Future<T> f = calls.submit(call);
    try {
      return f.get(engineTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      f.cancel(true);
      throw new EngineTimeout("the container engine did not answer \"" + what + "\" within "
          + engineTimeout.toSeconds() + "s");
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeFailure rf) throw rf;
      throw new RuntimeFailure(what + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new RuntimeFailure(what + ": interrupted", e);
    }
  }

  private void remove(String containerId) {
    within("remove container " + containerId, () -> {
      runtime.remove(containerId);
      return null;
    });
    signalled.remove(containerId);
    killedAt.remove(containerId);
    postStartFailures.remove(containerId);
  }

  private void kill(String containerId) {
    within("kill container " + containerId, () -> {
      runtime.kill(containerId, "KILL");
      return null;
    });
  }

  /** Pulls per the container's policy. False (with waiting reason, event, back-off) when it cannot. */
  private boolean ensureImage(ContainerGroup g, ContainerSpec c, String key, int attempt, Map<String, Backoff> backoff,
      Map<String, Waiting> waiting, Instant now) {
    String gid = g.id();
    PullPolicy policy = c.imagePullPolicy() == null ? PullPolicy.IfNotPresent : c.imagePullPolicy();
    boolean present = runtime.hasImage(c.image());
    // An image another account pulled with credentials is not this account's until its own pull
    // succeeds: it is pulled (IfNotPresent) or treated as absent (Never). docs/security.md
    if (present && !runtime.imageId(c.image()).map(id -> imageAccess.mayUse(g.accountId(), id)).orElse(true)) {
      log.info("{}: image {} was pulled with another account's credentials; pulling it for this account", gid,
          c.image());
      present = false;
    }
    if (policy == PullPolicy.Never || (policy == PullPolicy.IfNotPresent && present)) {
      if (present) return true;
      String msg = "Container image \"" + c.image() + "\" is not present with pull policy of Never";
      events.warning(gid, c.name(), "ErrImageNeverPull", msg);
      waiting.put(key, new Waiting("ErrImageNeverPull", msg));
      if (attempt == 0) backoff.put(key, RestartBackoff.next(backoff.get(key), now));
      return false;
    }
    if (ImageRefs.localOnly(c.image())) {
      // No registry serves localhost/...: a pull would only report "https://localhost/v2/ connection refused".
      if (present) return true; // even with PullPolicy Always: there is nothing to pull from
      String msg = "Failed to pull image \"" + c.image() + "\": " + ImageRefs.notInLocalStore(c.image());
      events.warning(gid, c.name(), "Failed", msg);
      waiting.put(key, new Waiting("ErrImagePull", msg));
      pullFailures.computeIfAbsent(gid, k -> ConcurrentHashMap.newKeySet()).add(key);
      if (attempt == 0) backoff.put(key, RestartBackoff.next(backoff.get(key), now));
      return false;
    }
    events.normal(gid, c.name(), "Pulling", "Pulling image \"" + c.image() + "\"");
    long t0 = System.nanoTime();
    try {
      PodOptions.Images images = g.spec().images();
      Optional<RegistryAuth> auth = ImageRefs.credentialFor(c.image(), images.credentials(),
          PodOptions.Images.RegistryCredential::server)
          .map(rc -> new RegistryAuth(ImageRefs.registry(c.image()), rc.userName(), rc.password()));
      boolean insecure = ImageRefs.insecure(c.image(), images.plainHttpRegistries(), images.insecureRegistries());
      log.info("{}: pulling {} (credentials: {}, insecure registry: {})", gid, c.image(),
          auth.isPresent() ? "user " + auth.get().username() : "none", insecure);
      runtime.pull(c.image(), auth, insecure, new PullProgress(log, gid, c.image()));
      boolean withCredentials = auth.isPresent();
      runtime.imageId(c.image()).ifPresent(id -> imageAccess.recordPull(g.accountId(), id, withCredentials));
    } catch (RuntimeFailure e) {
      String msg = "Failed to pull image \"" + c.image() + "\": " + e.getMessage();
      events.warning(gid, c.name(), "Failed", msg);
      events.warning(gid, c.name(), "Failed", "Error: ErrImagePull");
      waiting.put(key, new Waiting("ErrImagePull", msg));
      pullFailures.computeIfAbsent(gid, k -> ConcurrentHashMap.newKeySet()).add(key);
      if (attempt == 0) backoff.put(key, RestartBackoff.next(backoff.get(key), now));
      return false;
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    events.normal(gid, c.name(), "Pulled", "Successfully pulled image \"" + c.image() + "\" in " + ms + "ms");
    return true;
  }

  /**
   * RestartContainerGroup: app containers get their grace period, then every container but the
   * sandbox is removed; the next syncs run init containers and app containers again (RestartCount
   * starts over, the group keeps its IP). Status stays Restarting until an app container runs.
   */
  private void restart(ContainerGroup g, PodObservation obs) {
    String gid = g.id();
    try {
      if (!terminate(g, obs, members(obs), clock.instant(), name -> "Stopping container " + name)) return;
      for (RuntimeContainer c : obs.all()) {
        if (!Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE))) remove(c.id());
      }
      Instant now = clock.instant();
      repo.modify(gid, cur -> cur.withState(cur.state().withRestartsApplied(g.restartGeneration()), now));
      events.normal(gid, "", "Restarting", "Restarting container group");
      log.info("{}: restarting: containers stopped and removed, starting again", gid);
      requeue.accept(gid);
    } catch (RuntimeFailure e) {
      retryLater(gid, "restart", e);
    } catch (Exception e) {
      retryLater(gid, "restart", new RuntimeFailure(e.toString(), e));
    }
  }

  /**
   * Deletion: app containers get their grace period (on timers, in parallel), then everything is
   * removed. A sync during the grace period only checks the deadline and returns.
   */
  private void teardown(ContainerGroup g, PodObservation obs) {
    String gid = g.id();
    try {
      if (!terminate(g, obs, members(obs), clock.instant(), name -> "Stopping container " + name)) return;
      for (RuntimeContainer c : obs.all()) remove(c.id());
      if (!within("list the group's containers", () -> runtime.list(Map.of(Labels.GROUP_ID, gid))).isEmpty()) {
        retryLater(gid, "delete", new RuntimeFailure("containers still present after removal"));
        return;
      }
      within("remove the group's volumes", () -> {
        volumes.cleanup(gid);
        return null;
      });
      repo.delete(gid);
      fingerprints.remove(gid);
      failures.remove(gid);
      graceTimers.remove(gid);
      releaseNetwork(g);
      log.info("{}: deleted ({} containers removed)", gid, obs.all().size());
    } catch (RuntimeFailure e) {
      retryLater(gid, "delete", e);
    } catch (Exception e) {
      retryLater(gid, "delete", new RuntimeFailure(e.toString(), e));
    }
  }

  /** The account's network goes with its last group in the region (the engine keeps it while in use). */
  private void releaseNetwork(ContainerGroup g) {
    String name = AccountNetworks.name(owner, g.accountId(), g.regionId());
    java.util.concurrent.locks.Lock exclusive = networkLock(name).writeLock();
    exclusive.lock();
    try {
      if (!repo.find(o -> o.accountId().equals(g.accountId()) && o.regionId().equals(g.regionId())).isEmpty()) return;
      runtime.removeNetworkIfUnused(name);
    } finally {
      exclusive.unlock();
    }
  }

  private final Map<String, java.util.concurrent.locks.ReadWriteLock> networkLocks =
      new java.util.concurrent.ConcurrentHashMap<>();

  private java.util.concurrent.locks.ReadWriteLock networkLock(String name) {
    return networkLocks.computeIfAbsent(name, n -> new java.util.concurrent.locks.ReentrantReadWriteLock());
  }

  private void removeOrphans(String groupId, List<RuntimeContainer> observed) {
    if (observed.isEmpty()) {
      fingerprints.remove(groupId);
      return;
    }
    log.info("{}: removing {} containers of a group that no longer exists", groupId, observed.size());
    PodObservation obs = PodObservation.of(observed);
    try {
      for (RuntimeContainer c : obs.all()) remove(c.id());
      within("remove the group's volumes", () -> {
        volumes.cleanup(groupId);
        return null;
      });
      fingerprints.remove(groupId);
    } catch (RuntimeFailure e) {
      retryLater(groupId, "garbage collection", e);
    }
  }

  private Map<String, String> labels(ContainerGroup g, String role, String name, int attempt) {
    Map<String, String> l = new HashMap<>();
    l.put(Labels.MANAGED, "true");
    l.put(Labels.OWNER, owner);
    l.put(Labels.GROUP_ID, g.id());
    l.put(Labels.ROLE, role);
    l.put(Labels.SPEC_VERSION, Long.toString(g.specVersion()));
    if (name != null) {
      l.put(Labels.CONTAINER_NAME, name);
      l.put(Labels.ATTEMPT, Integer.toString(attempt));
      ContainerSpec c = g.spec().container(name);
      if (c != null) l.put(Labels.SPEC_HASH, SpecHashes.container(c));
      if (Labels.ROLE_APP.equals(role)) l.put(Labels.INIT_HASH, SpecHashes.init(g.spec()));
    } else {
      l.put(Labels.SANDBOX_HASH, SpecHashes.sandbox(g.spec()));
    }
    return l;
  }

  static String sandboxName(String gid) {
    return "openeci-" + gid + "-sandbox";
  }

  static String containerName(String gid, String name, boolean init, int attempt) {
    return "openeci-" + gid + (init ? "-init-" : "-") + name + "-" + attempt;
  }

  static String hostname(GroupSpec spec) {
    String h = spec.name().length() > 63 ? spec.name().substring(0, 63) : spec.name();
    while (h.endsWith("-")) h = h.substring(0, h.length() - 1);
    return h;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
