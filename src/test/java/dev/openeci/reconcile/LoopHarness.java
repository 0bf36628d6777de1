package dev.openeci.reconcile;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.Probe;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.VolumeSpec;
import dev.openeci.runtime.FakeContainerRuntime;
import dev.openeci.runtime.FakeHostFacts;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * The local control loop without an engine: the real {@link GroupSyncer} pipeline, {@link Prober}
 * and {@link Reconciler} on a {@link FakeContainerRuntime}, {@link FakeHostFacts}, a
 * {@link ManualScheduler} and a store in a temp directory. Syncs run only when something asked for
 * one (a requeue by the loop, a timer the test lets fire with {@link #advance}), on the test's
 * thread, so a test sees exactly what the loop's own wake-ups cause.
 */
final class LoopHarness implements AutoCloseable {
  static final String OWNER = "owner-test";
  static final String IMAGE = "registry.example/app:1";

  final ManualScheduler clock = new ManualScheduler();
  final FakeContainerRuntime engine = new FakeContainerRuntime(clock::now);
  final FakeHostFacts host;
  final Database db;
  final GroupRepository repo;
  final EventRecorder events;
  final PodPolicy policy;
  static final Duration RESYNC = Duration.ofSeconds(30);
  private final java.util.ArrayDeque<Runnable> tasks = new java.util.ArrayDeque<>();
  WorkQueue queue;
  Reconciler reconciler;
  private final List<String> created = new ArrayList<>();
  Fingerprints fingerprints;
  Prober prober;
  GroupSyncer syncer;

  LoopHarness(Path dir) {
    this(dir, PodPolicy.DEFAULT);
  }

  LoopHarness(Path dir, PodPolicy policy) {
    this.policy = policy;
    this.host = new FakeHostFacts(dir.resolve("pods"));
    this.db = Database.open(dir.resolve("openeci.db"));
    this.repo = new GroupRepository(db);
    this.events = new EventRecorder(repo, clock::now);
    engine.withImage(IMAGE);
    restartProcess();
    start();
  }

  /**
   * A new openeci process on the same store and engine: nothing in memory survives (the old
   * process's queue, probes and event subscription end with it). Wired like LocalBackend, on a
   * work queue whose pool is this harness ({@link #settle} runs what was submitted).
   */
  void restartProcess() {
    if (reconciler != null) {
      try {
        reconciler.close();
      } catch (java.io.IOException e) {
        throw new AssertionError(e);
      }
    }
    if (prober != null) created.forEach(prober::forgetGroup);
    synchronized (tasks) {
      tasks.clear();
    }
    fingerprints = new Fingerprints();
    HandlerRunner handlers = new HandlerRunner(engine);
    queue = WorkQueue.wired(task -> {
      synchronized (tasks) {
        tasks.add(task);
      }
    }, requeue -> {
      prober = new Prober(clock, Runnable::run, handlers, new Prober.Listener() {
        @Override
        public void failed(String groupId, String containerName, Prober.Kind kind, String message) {
          events.warning(groupId, containerName, "Unhealthy",
              (kind == Prober.Kind.LIVENESS ? "Liveness" : "Readiness") + " probe failed: " + message);
        }

        @Override
        public void changed(String groupId) {
          requeue.accept(groupId);
        }
      });
      syncer = new GroupSyncer(repo, engine, clock, events, prober, handlers, host, OWNER, policy,
          Duration.ofSeconds(5), fingerprints, requeue);
      return syncer::sync;
    });
    reconciler = new Reconciler(repo, engine, queue, OWNER, fingerprints, clock, RESYNC);
  }

  /** Starts the process's reconciler: the event stream, adoption of stored groups, the relist timer. */
  void start() {
    reconciler.start();
  }

  void requeue(String groupId) {
    queue.enqueue(groupId);
  }

  private Runnable nextTask() {
    synchronized (tasks) {
      return tasks.poll();
    }
  }

  /** Runs the syncs asked for until none is asked for any more (bounded: a loop that spins fails). */
  void settle() {
    for (int i = 0; i < 200; i++) {
      Runnable t = nextTask();
      if (t == null) return;
      t.run();
    }
    throw new AssertionError("the loop keeps asking for syncs");
  }

  /** Lets {@code d} pass: due timers fire (and ask for syncs), then the syncs run. */
  void advance(Duration d) {
    clock.advance(d);
    settle();
  }

  /** Waits (real time, bounded) for work of a virtual thread (hooks, stop signals), settling meanwhile. */
  void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for: " + what);
      settle();
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // poll, not spin: the machine is shared
    }
    settle();
  }

  void create(String gid, GroupSpec spec) {
    Instant t = clock.now();
    repo.create(new ContainerGroup(gid, "acct", "cn-hangzhou", 1, spec, GroupState.initial(), t, t, null, 0), null,
        "h-" + gid);
    created.add(gid);
    requeue(gid);
  }

  void delete(String gid) {
    repo.modify(gid, g -> g.withDeletionRequested(clock.now()));
    requeue(gid);
  }

  ContainerGroup group(String gid) {
    return repo.get(gid).orElseThrow(() -> new AssertionError("no group " + gid));
  }

  ContainerStatus container(String gid, String name) {
    return group(gid).state().containers().stream().filter(c -> c.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no status of " + name + " in " + group(gid).state()));
  }

  RuntimeContainer current(String gid, String name) {
    return engine.current(gid, name);
  }

  List<GroupEvent> events(String gid) {
    return repo.events(gid);
  }

  List<String> reasons(String gid) {
    return events(gid).stream().map(GroupEvent::reason).toList();
  }

  boolean hasEvent(String gid, String reason, String messagePart) {
    return events(gid).stream().anyMatch(e -> e.reason().equals(reason) && e.message().contains(messagePart));
  }

  @Override
  public void close() {
    db.close();
  }

  // --- specs (withers over the wide records, no positional nulls in tests) ---------------------------

  static ContainerSpec app(String name, String... command) {
    return ContainerSpec.basic(name, IMAGE, null, List.of(command), List.of(), null, List.of(), null, null, List.of());
  }

  static GroupSpec group(RestartPolicy policy, int grace, ContainerSpec... containers) {
    return GroupSpec.basic("pod", "cn-hangzhou-a", policy, 1, 2, List.of(), List.of(), List.of(containers), grace);
  }

  /** A copy of {@code c} with some fields changed (the record's canonical constructor in one place). */
  static ContainerSpec with(ContainerSpec c, UnaryOperator<ContainerParts> change) {
    ContainerParts p = change.apply(new ContainerParts(c.image(), c.gpu(), c.security(), c.livenessProbe(),
        c.postStart(), c.preStop(), c.volumeMounts(), c.imagePullPolicy()));
    return new ContainerSpec(c.name(), p.image, p.pull, c.command(), c.args(), c.workingDir(), c.env(),
        c.cpu(), c.memory(), c.ports(), p.gpu, c.tty(), c.stdin(), c.stdinOnce(), p.mounts, p.security,
        p.liveness, c.readinessProbe(), p.postStart, p.preStop, c.terminationMessagePath(),
        c.terminationMessagePolicy(), c.environmentVarHide());
  }

  /** The fields of a container spec the loop's tests vary. */
  static final class ContainerParts {
    String image;
    Integer gpu;
    ContainerSecurity security;
    Probe liveness;
    dev.openeci.group.Action postStart;
    dev.openeci.group.Action preStop;
    List<dev.openeci.group.VolumeMount> mounts;
    dev.openeci.group.PullPolicy pull;

    ContainerParts(String image, Integer gpu, ContainerSecurity security, Probe liveness,
        dev.openeci.group.Action postStart, dev.openeci.group.Action preStop, List<dev.openeci.group.VolumeMount> mounts,
        dev.openeci.group.PullPolicy pull) {
      this.mounts = mounts;
      this.pull = pull;
      this.image = image;
      this.gpu = gpu;
      this.security = security;
      this.liveness = liveness;
      this.postStart = postStart;
      this.preStop = preStop;
    }

    ContainerParts image(String v) {
      image = v;
      return this;
    }

    ContainerParts gpu(int v) {
      gpu = v;
      return this;
    }

    ContainerParts security(ContainerSecurity v) {
      security = v;
      return this;
    }

    ContainerParts liveness(Probe v) {
      liveness = v;
      return this;
    }

    ContainerParts postStart(dev.openeci.group.Action v) {
      postStart = v;
      return this;
    }

    ContainerParts mount(String volume, String path) {
      mounts = List.of(new dev.openeci.group.VolumeMount(volume, path, null, false, null));
      return this;
    }

    ContainerParts pull(dev.openeci.group.PullPolicy v) {
      pull = v;
      return this;
    }

    ContainerParts preStop(dev.openeci.group.Action v) {
      preStop = v;
      return this;
    }
  }

  /** A copy of {@code s} with ActiveDeadlineSeconds and volumes set. */
  static GroupSpec withDeadlineAndVolumes(GroupSpec s, Integer activeDeadlineSeconds, List<VolumeSpec> volumes) {
    return new GroupSpec(s.name(), s.zoneId(), s.restartPolicy(), s.cpu(), s.memory(), s.tags(), s.initContainers(),
        s.containers(), s.terminationGracePeriodSeconds(), volumes, activeDeadlineSeconds, s.dns(), s.network(),
        s.security(), s.images(), s.placement());
  }
}
