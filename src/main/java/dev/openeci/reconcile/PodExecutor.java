package dev.openeci.reconcile;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupStore;
import dev.openeci.group.PodOptions;
import dev.openeci.group.PullPolicy;
import dev.openeci.group.SpecHashes;
import dev.openeci.reconcile.PodPlan.Action;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.HostFacts;
import dev.openeci.runtime.ImageAccess;
import dev.openeci.runtime.ImageRefs;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.PullProgress;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out a {@link PodPlan} through the runtime, in order, and reports an {@link ActionResult}
 * per action; decides nothing the planner did not. The first engine failure ends the pass (its
 * result is {@link ActionResult.Failed}); the actions after it are left for the retry.
 */
final class PodExecutor {
  private static final Logger log = LoggerFactory.getLogger(PodExecutor.class);

  private final GroupStore repo;
  private final EngineCalls engine;
  private final ContainerRuntime runtime;
  private final EventRecorder events;
  private final Scheduler scheduler;
  private final Prober prober;
  private final HandlerRunner handlers;
  private final HostFacts host;
  private final PodPolicy policy;
  private final PodVolumes volumes;
  private final ImageAccess imageAccess;
  private final NetworkLocks networks;
  private final Terminator terminator;
  private final Teardown teardown;
  private final GroupRecords records;
  private final String owner;
  private final Consumer<String> requeue;

  PodExecutor(GroupStore repo, EngineCalls engine, EventRecorder events, Scheduler scheduler, Prober prober,
      HandlerRunner handlers, HostFacts host, PodPolicy policy, PodVolumes volumes, ImageAccess imageAccess,
      NetworkLocks networks, Terminator terminator, Teardown teardown, GroupRecords records, String owner,
      Consumer<String> requeue) {
    this.repo = repo;
    this.engine = engine;
    this.runtime = engine.runtime;
    this.events = events;
    this.scheduler = scheduler;
    this.prober = prober;
    this.handlers = handlers;
    this.host = host;
    this.policy = policy;
    this.volumes = volumes;
    this.imageAccess = imageAccess;
    this.networks = networks;
    this.terminator = terminator;
    this.teardown = teardown;
    this.records = records;
    this.owner = owner;
    this.requeue = requeue;
  }

  /** Runs the plan's actions in order; stops after the first that failed or handed the group over. */
  List<ActionResult> execute(ContainerGroup g, PodObservation obs, PodPlan plan, Instant now) {
    List<ActionResult> results = new ArrayList<>();
    for (Action a : plan.actions()) {
      ActionResult r;
      try {
        r = execute(g, obs, a, now);
      } catch (RuntimeFailure e) {
        r = new ActionResult.Failed(a, e);
      }
      results.add(r);
      if (r instanceof ActionResult.Failed || r instanceof ActionResult.Retry || r instanceof ActionResult.HandedOver) {
        break;
      }
    }
    return results;
  }

  private ActionResult execute(ContainerGroup g, PodObservation obs, Action action, Instant now) {
    String gid = g.id();
    switch (action) {
      case PodPlan.CreateSandbox c -> {
        return createSandbox(g, c, now);
      }
      case PodPlan.ResetPod r -> {
        if (!terminator.terminate(g, obs, Terminator.members(obs), now,
            name -> PodPlan.StopReason.RESET.killingMessage(name, r.reason()))) {
          return new ActionResult.Waiting(action);
        }
        events.normal(gid, "", "SandboxChanged", "Pod sandbox changed, it will be killed and re-created.");
        log.info("{}: resetting pod: {}", gid, r.reason());
        for (RuntimeContainer c : obs.all()) teardown.remove(gid, c.id());
      }
      case PodPlan.RestartPod r -> {
        if (!terminator.terminate(g, obs, Terminator.members(obs), now,
            name -> PodPlan.StopReason.RESTART.killingMessage(name, r.reason()))) {
          return new ActionResult.Waiting(action);
        }
        events.normal(gid, "", "Restarting", "Restarting container group: " + r.reason());
        log.info("{}: restarting the group's containers: {}", gid, r.reason());
        for (RuntimeContainer c : obs.all()) {
          if (!Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE))) teardown.remove(gid, c.id());
        }
      }
      case PodPlan.Replace r -> {
        if (r.old() != null) {
          prober.forget(r.old().id());
          terminator.terminate(g, obs, List.of(r.old()), now,
              name -> PodPlan.StopReason.UPDATE.killingMessage(name, null));
          // The new instance runs once a later sync sees the old one stopped.
          return new ActionResult.Waiting(action);
        }
        return run(g, obs, new PodPlan.Run(r.spec(), false, r.attempt()), action);
      }
      case PodPlan.StopAndRemove r -> {
        if (r.container().running()) {
          prober.forget(r.container().id());
          if (!terminator.terminate(g, obs, List.of(r.container()), now,
              name -> PodPlan.StopReason.REMOVED_FROM_SPEC.killingMessage(name, null))) {
            return new ActionResult.Waiting(action);
          }
        }
        teardown.remove(gid, r.container().id());
        volumes.releaseSubPaths(g.id(), r.container().label(Labels.CONTAINER_NAME),
            Labels.ROLE_INIT.equals(r.container().label(Labels.ROLE)));
      }
      case PodPlan.Start s -> runtime.start(s.container().id());
      case PodPlan.Run r -> {
        return run(g, obs, r, r);
      }
      case PodPlan.Remove r -> teardown.remove(gid, r.container().id());
      case PodPlan.TerminateMembers t -> {
        boolean done = terminator.terminate(g, obs, Terminator.members(obs), now,
            name -> PodPlan.StopReason.DEADLINE.killingMessage(name, null));
        return done ? new ActionResult.Done(action) : new ActionResult.Waiting(action);
      }
      case PodPlan.StopSandbox s -> {
        if (obs.sandbox() != null) {
          log.info("{}: group finished ({}); releasing its sandbox", gid, g.state().status());
          engine.kill(obs.sandbox().id());
        }
      }
      case PodPlan.StopContainer s -> {
        prober.forget(s.container().id());
        try {
          terminator.terminate(g, obs, List.of(s.container()), scheduler.now(),
              name -> s.reason().killingMessage(name, null));
        } catch (RuntimeFailure e) {
          return new ActionResult.Retry(action, "kill unhealthy container", e);
        }
        return new ActionResult.Waiting(action);
      }
      case PodPlan.PostStartFailed p -> {
        RuntimeContainer c = p.container();
        records.of(gid).postStartFailures.remove(c.id());
        String name = Terminator.nameOf(c);
        events.warning(gid, name, "FailedPostStartHook", "PostStartHook failed: " + p.failure());
        if (c.running()) {
          try {
            terminator.terminate(g, obs, List.of(c), scheduler.now(),
                n -> PodPlan.StopReason.POST_START_HOOK.killingMessage(n, null));
          } catch (RuntimeFailure e) {
            return new ActionResult.Retry(action, "stop after a failed postStart hook", e);
          }
        }
        return new ActionResult.Waiting(action);
      }
      case PodPlan.FailDeadline d -> {
        // Failed at once; the planner's final-status branch then stops the members with their grace
        // period (on a timer, like every stop) and releases the sandbox once they are gone.
        events.warning(gid, "", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
        prober.forgetGroup(gid);
        Instant t = scheduler.now();
        repo.modify(gid, cur -> cur.withState(cur.state().failed(t), t));
        log.info("{}: active deadline of {}s exceeded; group Failed (DeadlineExceeded)", gid, d.deadlineSeconds());
        requeue.accept(gid);
        return new ActionResult.HandedOver(action);
      }
      case PodPlan.RestartGroup r -> {
        return teardown.restart(g, obs, r);
      }
      case PodPlan.DeleteGroup d -> {
        return teardown.delete(g, obs, d);
      }
    }
    return new ActionResult.Done(action);
  }

  // --- the sandbox -----------------------------------------------------------------------------------

  private ActionResult createSandbox(ContainerGroup g, PodPlan.CreateSandbox action, Instant now) {
    try {
      ContainerRuntime.SandboxImage image = runtime.ensureSandboxImage();
      Map<String, String> labels = labels(g, Labels.ROLE_SANDBOX, null, 0);
      HostFacts.ResolvConf hostDns = host.resolvConf();
      String networkName = AccountNetworks.name(owner, g.accountId(), g.regionId());
      String id;
      // Held (shared) until the sandbox runs on the network: the release of the account's last
      // group takes it exclusively, so it never removes a network a sandbox is being started on.
      Lock inUse = networks.of(networkName).readLock();
      inUse.lock();
      try {
        String network = runtime.ensureNetwork(networkName, AccountNetworks.labels(owner));
        CreateContainer spec = CreateContainer.builder()
            .name(sandboxName(g.id())).image(image.image()).labels(labels)
            .entrypoint(image.command()).cmd(List.of())
            .mounts(volumes.sandboxMounts(g.id(), g.spec()))
            .network(PodConfigs.sandbox(g.spec(), hostDns.nameservers(), hostDns.search(), policy.publishAddress())
                .onNetwork(network))
            .build();
        try {
          id = runtime.create(spec);
        } catch (ContainerRuntime.NameConflict e) {
          // A previous attempt created it but did not see it yet; the next observation will.
          return new ActionResult.Done(action);
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
      shapeBandwidth(g, id);
      return new ActionResult.SandboxStarted(action, id);
    } catch (RuntimeFailure e) {
      if (PortsInUse.is(e.getMessage())) {
        // Another process (openeci refuses a second group at create) holds a published port: no
        // retry can fix that, so the group fails with one clear event instead of raw engine errors.
        String msg = PortsInUse.message(PodConfigs.ports(g.spec(), policy.publishAddress()), policy.publishAddress());
        events.warning(g.id(), "", "HostPortInUse", msg);
        return new ActionResult.SandboxFailed(action, msg);
      }
      events.warning(g.id(), "", "FailedCreatePodSandBox", "Failed to create pod sandbox: " + e.getMessage());
      return new ActionResult.SandboxFailed(action, null);
    }
  }

  /** IngressBandwidth / EgressBandwidth on the host; a Warning BandwidthNotApplied when the host cannot. */
  private void shapeBandwidth(ContainerGroup g, String sandboxId) {
    Long in = g.spec().network().ingressBandwidth();
    Long out = g.spec().network().egressBandwidth();
    if ((in == null || in <= 0) && (out == null || out <= 0)) return;
    Optional<Long> pid = runtime.pid(sandboxId);
    if (pid.isEmpty()) {
      events.warning(g.id(), "", "BandwidthNotApplied", "the engine does not tell the sandbox's process id");
      return;
    }
    HostFacts.Shaping r = host.shapeTraffic(pid.get(), in, out);
    if (!r.applied().isEmpty()) {
      events.normal(g.id(), "", "BandwidthApplied", "Traffic shaped: " + String.join("; ", r.applied()));
    }
    if (!r.problems().isEmpty()) {
      events.warning(g.id(), "", "BandwidthNotApplied", String.join("; ", r.problems()));
    }
  }

  // --- containers ------------------------------------------------------------------------------------

  /** A refusal: the Warning event now; the waiting reason and back-off follow from the result. */
  private ActionResult refuse(String gid, ContainerSpec c, String key, int attempt, Action action, String eventReason,
      String waitingReason, String message, String fatal) {
    events.warning(gid, c.name(), eventReason, message);
    return new ActionResult.Refused(action, key, attempt, waitingReason, message, fatal);
  }

  private ActionResult run(ContainerGroup g, PodObservation obs, PodPlan.Run r, Action action) {
    ContainerSpec c = r.spec();
    String key = PodPlanner.key(c.name(), r.init());
    ActionResult pulled = ensureImage(g, c, key, r.attempt(), action);
    if (pulled != null) return pulled;
    // The image's user matters only to RunAsNonRoot and to a RunAsGroup without RunAsUser.
    boolean needsImageUser = Boolean.TRUE.equals(c.security().runAsNonRoot())
        || c.security().runAsUser() == null && c.security().runAsGroup() != null;
    String imageUser = needsImageUser ? runtime.imageUser(c.image()).orElse("") : "";
    Optional<String> nonRoot = PodConfigs.runAsNonRootViolation(c.security(), imageUser, g.spec().name(), c.name());
    if (nonRoot.isPresent()) {
      return refuse(g.id(), c, key, r.attempt(), action, "Failed", "CreateContainerConfigError",
          "Error: " + nonRoot.get(), null);
    }
    if (r.refusal() != null) {
      return refuse(g.id(), c, key, r.attempt(), action, r.refusal().eventReason(), r.refusal().waitingReason(),
          r.refusal().message(), null);
    }
    Map<String, PodConfigs.Volume> vols;
    Map<Integer, String> subPaths;
    try {
      vols = volumes.prepare(g, policy);
      subPaths = volumes.subPaths(g.id(), c, r.init(), g.spec(), vols);
    } catch (RuntimeFailure e) {
      return refuse(g.id(), c, key, r.attempt(), action, "FailedMount", "ContainerCreating",
          "MountVolume.SetUp failed: " + e.getMessage(), null);
    }
    String sandboxIp = obs.sandbox() == null ? "" : nullToEmpty(obs.sandbox().ipAddress());
    List<String> env = new ArrayList<>();
    for (EnvVar e : c.env()) {
      String value = EnvVar.POD_IP.equals(e.fieldPath()) ? sandboxIp : nullToEmpty(e.value());
      env.add(e.key() + "=" + value);
    }
    List<String> entrypoint = c.command().isEmpty() ? null : c.command();
    List<String> cmd = !c.args().isEmpty() ? c.args() : entrypoint != null ? List.of() : null;
    int gpus = c.gpu() == null ? 0 : c.gpu();
    CreateContainer spec = CreateContainer.builder()
        .name(containerName(g.id(), c.name(), r.init(), r.attempt())).image(c.image())
        .labels(labels(g, r.init() ? Labels.ROLE_INIT : Labels.ROLE_APP, c.name(), r.attempt()))
        .entrypoint(entrypoint).cmd(cmd).env(env).workingDir(c.workingDir())
        .user(PodConfigs.user(c.security(), imageUser))
        .tty(c.tty()).openStdin(c.stdin()).stdinOnce(c.stdinOnce())
        .nanoCpus(PodConfigs.nanoCpus(c, g.spec())).memoryBytes(PodConfigs.memoryBytes(c, g.spec()))
        .mounts(PodConfigs.mounts(c, vols, subPaths))
        .readOnlyRootfs(Boolean.TRUE.equals(c.security().readOnlyRootFilesystem()))
        .capAdd(c.security().capabilityAdd()).privileged(Boolean.TRUE.equals(c.security().privileged()))
        .network(CreateContainer.Network.joinSandbox(obs.sandbox().id(), PodConfigs.hostname(g.spec()),
            PodConfigs.sharePid(g.spec())))
        .gpus(gpus)
        .build();
    String id;
    try {
      id = runtime.create(spec);
    } catch (ContainerRuntime.NameConflict e) {
      return new ActionResult.Done(action);
    }
    events.normal(g.id(), c.name(), "Created", "Created container " + c.name());
    try {
      runtime.start(id);
    } catch (RuntimeFailure e) {
      String failure = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
      if (!failure.contains("mount")) throw e;
      // E.g. an NFS volume on a kernel without NFS: the engine mounts volumes at start. A file
      // system the kernel does not know can never be mounted here: the group fails. Anything else
      // (a server that does not answer yet) is retried under the back-off.
      runtime.remove(id);
      String fatal = failure.contains("unknown filesystem type")
          ? "container " + c.name() + ": the host's kernel cannot mount this volume type" : null;
      return refuse(g.id(), c, key, r.attempt(), action, "FailedMount", "ContainerCreating",
          "MountVolume.SetUp failed: " + e.getMessage(), fatal);
    }
    events.normal(g.id(), c.name(), "Started", "Started container " + c.name());
    if (c.postStart() != null) {
      postStart(g.id(), c, id, sandboxIp.isEmpty() ? null : sandboxIp, terminator.graceSeconds(g));
    }
    return new ActionResult.Started(action, key, id);
  }

  /**
   * The postStart hook runs on a virtual thread, bounded by the grace period, never in a worker (a
   * hook that sleeps would pin one). A failure is noted in the group's record and wakes the group;
   * its next sync plans {@link PodPlan.PostStartFailed}.
   */
  private void postStart(String gid, ContainerSpec c, String containerId, String podIp, long grace) {
    Duration limit = Duration.ofSeconds(Math.max(1, grace));
    GroupRecord rec = records.of(gid);
    Thread.ofVirtual().name("poststart-" + c.name()).start(() -> {
      String failure;
      Future<HandlerRunner.Result> hook = engine.calls.submit(() -> handlers.run(c.postStart(), containerId, podIp,
          limit));
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
      rec.postStartFailures.put(containerId, failure);
      requeue.accept(gid);
    });
  }

  /** Pulls per the container's policy; null when the image is there, else the failure (events already recorded). */
  private ActionResult ensureImage(ContainerGroup g, ContainerSpec c, String key, int attempt, Action action) {
    String gid = g.id();
    PullPolicy pullPolicy = c.imagePullPolicy() == null ? PullPolicy.IfNotPresent : c.imagePullPolicy();
    // One image inspect answers both "present" and its id (an engine that does not tell ids is
    // asked whether it has the image).
    Optional<String> imageId = runtime.imageId(c.image());
    boolean present = imageId.isPresent() || runtime.hasImage(c.image());
    // An image another account pulled with credentials is not this account's until its own pull
    // succeeds: it is pulled (IfNotPresent) or treated as absent (Never). docs/security.md
    if (present && !imageId.map(id -> imageAccess.mayUse(g.accountId(), id)).orElse(true)) {
      log.info("{}: image {} was pulled with another account's credentials; pulling it for this account", gid,
          c.image());
      present = false;
    }
    if (pullPolicy == PullPolicy.Never || (pullPolicy == PullPolicy.IfNotPresent && present)) {
      if (present) return null;
      String msg = "Container image \"" + c.image() + "\" is not present with pull policy of Never";
      events.warning(gid, c.name(), "ErrImageNeverPull", msg);
      return new ActionResult.PullFailed(action, key, attempt, "ErrImageNeverPull", msg, false);
    }
    if (ImageRefs.localOnly(c.image())) {
      // No registry serves localhost/...: a pull would only report "https://localhost/v2/ connection refused".
      if (present) return null; // even with PullPolicy Always: there is nothing to pull from
      String msg = "Failed to pull image \"" + c.image() + "\": " + ImageRefs.notInLocalStore(c.image());
      events.warning(gid, c.name(), "Failed", msg);
      return new ActionResult.PullFailed(action, key, attempt, "ErrImagePull", msg, true);
    }
    events.normal(gid, c.name(), "Pulling", "Pulling image \"" + c.image() + "\"");
    long t0 = scheduler.nanoTime();
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
      return new ActionResult.PullFailed(action, key, attempt, "ErrImagePull", msg, true);
    }
    long ms = (scheduler.nanoTime() - t0) / 1_000_000;
    events.normal(gid, c.name(), "Pulled", "Successfully pulled image \"" + c.image() + "\" in " + ms + "ms");
    return null;
  }

  // --- names and labels ------------------------------------------------------------------------------

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
