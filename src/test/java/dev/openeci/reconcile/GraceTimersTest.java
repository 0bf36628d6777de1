package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.RestartPolicy;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeEvent;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import dev.openeci.testing.ManualClock;
import java.io.Closeable;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 finding 6 and issue 15 item 2 on a fake engine that behaves like the real one does for
 * the attack: the app container ignores SIGTERM, so an engine {@code stop} with a grace period
 * blocks for the whole period, and a "stuck" engine never answers stop, kill or remove. A sync must
 * return at once in both cases (the worker is free for other tenants), the deadline must be
 * stored (a restarted server kills at the original deadline), and a stuck call must show as a
 * Warning event and be retried.
 */
class GraceTimersTest {
  static final String OWNER = "owner-test";
  static final String GID = "eci-gracetimers0000001";

  @TempDir
  Path dir;
  Database db;
  GroupRepository repo;
  final ManualClock clock = new ManualClock();
  ScheduledExecutorService timers;
  ExecutorService probes;
  FakeEngine engine;

  @BeforeEach
  void open() {
    db = Database.open(dir.resolve("openeci.db"));
    repo = new GroupRepository(db);
    timers = Executors.newSingleThreadScheduledExecutor();
    probes = Executors.newFixedThreadPool(1);
    engine = new FakeEngine();
  }

  @AfterEach
  void close() {
    engine.unstick();
    timers.shutdownNow();
    probes.shutdownNow();
    db.close();
  }

  GroupSyncer syncer(Duration engineTimeout) {
    HandlerRunner handlers = new HandlerRunner(engine);
    Scheduler scheduler = new SystemScheduler(clock, timers);
    Prober prober = new Prober(scheduler, probes, handlers, new Prober.Listener() {
      @Override
      public void failed(String groupId, String containerName, Prober.Kind kind, String message) { }

      @Override
      public void changed(String groupId) { }
    });
    return new GroupSyncer(repo, engine, scheduler, new EventRecorder(repo, clock), prober, handlers,
        new dev.openeci.runtime.FakeHostFacts(dir.resolve("pods")), OWNER, PodPolicy.DEFAULT, engineTimeout,
        new Fingerprints(), id -> { });
  }

  /** A running group (sandbox + an app ignoring SIGTERM) with {@code grace}, whose deletion was accepted. */
  void deletedGroup(int grace) {
    ContainerSpec app = ContainerSpec.basic("app", "busybox", null, List.of("sh", "-c"),
        List.of("trap '' TERM; while true; do sleep 1; done"), null, List.of(), null, null, List.of());
    GroupSpec spec = GroupSpec.basic("stubborn", "z", RestartPolicy.Always, 1, 2, List.of(), List.of(), List.of(app),
        grace);
    Instant t = clock.instant();
    repo.create(new ContainerGroup(GID, "acct", "cn-hangzhou", 1, spec, GroupState.initial(), t, t, null, 0), null,
        "h");
    repo.modify(GID, g -> g.withDeletionRequested(t));
    engine.run("sbx", Labels.ROLE_SANDBOX, null);
    engine.run("app-0", Labels.ROLE_APP, "app");
  }

  @Test
  void aDeleteWithAHugeGraceReturnsAtOnceAndKillsAtTheStoredDeadline() {
    deletedGroup(600);
    GroupSyncer s = syncer(Duration.ofSeconds(5));
    Instant start = clock.instant();
    // Before the fix: the worker sat in the engine's stop for the whole 600 s grace period.
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> s.sync(GID));
    engine.awaitSignal("app-0", "TERM");
    assertThat(repo.get(GID)).isPresent();
    assertThat(repo.get(GID).get().state().terminating()).containsOnlyKeys("app-0")
        .extractingByKey("app-0").satisfies(t -> assertThat(t.deadline())
            .isBetween(start.plusSeconds(600), start.plusSeconds(602)));
    assertThat(engine.signals).doesNotContain("app-0 KILL");

    Instant deadline = repo.get(GID).get().state().terminating().get("app-0").deadline();
    clock.advance(Duration.between(clock.instant(), deadline.minusSeconds(5)));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> s.sync(GID));
    assertThat(engine.signals).doesNotContain("app-0 KILL");
    assertThat(repo.get(GID)).isPresent();

    clock.advance(Duration.ofSeconds(5));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> s.sync(GID));
    assertThat(engine.signals).contains("app-0 KILL");
    assertThat(engine.containers).isEmpty();
    assertThat(repo.get(GID)).isEmpty();
  }

  @Test
  void aRestartedServerKeepsTheOriginalDeadline() {
    deletedGroup(600);
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> syncer(Duration.ofSeconds(5)).sync(GID));
    engine.awaitSignal("app-0", "TERM");
    Instant deadline = repo.get(GID).get().state().terminating().get("app-0").deadline();

    // kill -9 of openeci: nothing in memory survives, only the store and the engine.
    GroupSyncer restarted = syncer(Duration.ofSeconds(5));
    clock.advance(Duration.ofSeconds(300));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> restarted.sync(GID));
    assertThat(engine.signals).doesNotContain("app-0 KILL");
    assertThat(repo.get(GID).get().state().terminating().get("app-0").deadline()).isEqualTo(deadline);
    // The new process does not know whether the signal went out: it sends it again.
    engine.awaitSignalCount("app-0 TERM", 2);

    clock.advance(Duration.between(clock.instant(), deadline));
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> restarted.sync(GID));
    assertThat(engine.signals).contains("app-0 KILL");
    assertThat(repo.get(GID)).isEmpty();
  }

  @Test
  void aStuckEngineCallIsTimedOutRecordedAndRetriedWithoutHoldingTheWorker() {
    deletedGroup(0);
    engine.stick();
    GroupSyncer s = syncer(Duration.ofMillis(300));
    // Before the fix: the worker waited on the engine for as long as the engine did not answer.
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> s.sync(GID));
    List<GroupEvent> warnings = repo.events(GID).stream().filter(e -> e.type().equals("Warning")).toList();
    assertThat(warnings).extracting(GroupEvent::reason).contains("EngineTimeout");
    assertThat(warnings).filteredOn(e -> e.reason().equals("EngineTimeout")).first()
        .satisfies(e -> assertThat(e.message()).contains("did not answer").contains("retrying"));
    assertThat(repo.get(GID)).isPresent();

    // The engine answers again: the retry finishes the delete.
    engine.unstick();
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> s.sync(GID));
    assertThat(repo.get(GID)).isEmpty();
    assertThat(engine.containers).isEmpty();
  }

  /**
   * An engine with containers in memory. The app ignores SIGTERM (like {@code trap "" TERM}): an
   * engine {@code stop} blocks for the grace period, SIGKILL ends it. {@link #stick} makes stop,
   * kill and remove block until {@link #unstick}, like an engine that never answers.
   */
  static final class FakeEngine implements ContainerRuntime {
    final Map<String, RuntimeContainer> containers = new ConcurrentHashMap<>();
    final List<String> signals = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch stuck = new CountDownLatch(0);

    void run(String id, String role, String name) {
      Map<String, String> labels = new java.util.HashMap<>(Map.of(Labels.OWNER, OWNER, Labels.GROUP_ID, GID,
          Labels.ROLE, role, Labels.MANAGED, "true"));
      if (name != null) {
        labels.put(Labels.CONTAINER_NAME, name);
        labels.put(Labels.ATTEMPT, "0");
      }
      containers.put(id, new RuntimeContainer(id, id, labels, RuntimeContainer.State.RUNNING, null, Instant.EPOCH,
          null, role.equals(Labels.ROLE_SANDBOX) ? "10.88.0.9" : null, false, null));
    }

    void stick() {
      stuck = new CountDownLatch(1);
    }

    void unstick() {
      stuck.countDown();
    }

    private void maybeStuck() {
      try {
        stuck.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void awaitSignal(String id, String signal) {
      awaitSignalCount(id + " " + signal, 1);
    }

    void awaitSignalCount(String entry, int n) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (signals.stream().filter(entry::equals).count() < n) {
        if (System.nanoTime() > deadline) throw new AssertionError("no " + n + "x " + entry + " in " + signals);
        try {
          Thread.sleep(10);
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
      }
    }

    private void exited(String id, int code) {
      containers.computeIfPresent(id, (k, c) -> new RuntimeContainer(c.id(), c.name(), c.labels(),
          RuntimeContainer.State.EXITED, code, c.startedAt(), Instant.EPOCH, c.ipAddress(), false, null));
    }

    @Override
    public void stop(String containerId, Duration grace) {
      maybeStuck();
      signals.add(containerId + " TERM");
      try {
        Thread.sleep(grace.toMillis()); // SIGTERM is ignored: the engine waits out the grace period
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      signals.add(containerId + " KILL");
      exited(containerId, 137);
    }

    @Override
    public void kill(String containerId, String signal) {
      maybeStuck();
      signals.add(containerId + " " + signal);
      if (!"TERM".equals(signal) || containerId.equals("sbx")) exited(containerId, 137);
    }

    @Override
    public void remove(String containerId) {
      maybeStuck();
      containers.remove(containerId);
    }

    @Override
    public List<RuntimeContainer> list(Map<String, String> labels) {
      return containers.values().stream().filter(c -> c.labels().entrySet().containsAll(labels.entrySet())).toList();
    }

    @Override
    public Optional<RuntimeContainer> inspect(String containerId) {
      return Optional.ofNullable(containers.get(containerId));
    }

    @Override
    public String describe() {
      return "fake engine";
    }

    @Override
    public SandboxImage ensureSandboxImage() {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean hasImage(String image) {
      return true;
    }

    @Override
    public void pull(String image, Optional<RegistryAuth> auth, boolean insecureRegistry, Consumer<String> progress) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String create(CreateContainer spec) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void start(String containerId) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ExecResult exec(String containerId, List<String> command, Duration timeout, int maxOutputBytes) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ExecSession execInteractive(String containerId, List<String> command, boolean tty, boolean stdin,
        ExecOutput output) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String logs(String containerId, LogQuery query) {
      return "";
    }

    @Override
    public Closeable events(Map<String, String> labels, Consumer<RuntimeEvent> sink, Runnable onResync) {
      return () -> { };
    }

    @Override
    public void close() { }
  }
}
