package dev.openeci.backend.local;

import dev.openeci.backend.PodBackend;
import dev.openeci.config.ServerConfig;
import dev.openeci.group.ContainerGroup;
import dev.openeci.ops.MeteredRuntime;
import dev.openeci.ops.Telemetry;
import dev.openeci.reconcile.EventRecorder;
import dev.openeci.reconcile.Fingerprints;
import dev.openeci.reconcile.GroupSyncer;
import dev.openeci.reconcile.HandlerRunner;
import dev.openeci.reconcile.Prober;
import dev.openeci.reconcile.Reconciler;
import dev.openeci.reconcile.Scheduler;
import dev.openeci.reconcile.SystemScheduler;
import dev.openeci.runtime.HostFacts;
import dev.openeci.runtime.host.LocalHostFacts;
import dev.openeci.reconcile.WorkQueue;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.group.GroupStore;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local backend: groups run on one Docker-API engine (Podman or Docker) on this host, driven
 * by the kubelet-like loop of {@code dev.openeci.reconcile} (WorkQueue, GroupSyncer, PodPlanner,
 * Prober, Reconciler's relist and event stream). Everything host-specific lives behind it.
 */
public final class LocalBackend implements PodBackend {
  private final ContainerRuntime runtime;
  private final ScheduledExecutorService timers;
  private final ExecutorService workers;
  private final ExecutorService probes;
  private final WorkQueue queue;
  private final Reconciler reconciler;

  public LocalBackend(ServerConfig config, ContainerRuntime engine, GroupStore groups, EventRecorder events,
      InstantSource clock, String instanceId, Telemetry telemetry) {
    // Every engine call is timed and counted (/metrics); the engine itself stays unaware.
    ContainerRuntime runtime = new MeteredRuntime(engine, telemetry);
    this.runtime = runtime;
    this.timers = Executors.newSingleThreadScheduledExecutor(named("timer"));
    this.workers = Executors.newFixedThreadPool(config.workers(), named("sync"));
    this.probes = Executors.newFixedThreadPool(4, named("probe"));
    // The composition root of the loop: the real clock and timers, the real host, the engine.
    Scheduler scheduler = new SystemScheduler(clock, timers);
    HostFacts host = new LocalHostFacts(config.dataDir().resolve("pods"));
    HandlerRunner hookRunner = new HandlerRunner(runtime);
    Fingerprints fingerprints = new Fingerprints();
    this.queue = WorkQueue.wired(workers, requeue -> {
      Prober prober = new Prober(scheduler, probes, hookRunner, new Prober.Listener() {
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
      GroupSyncer syncer = new GroupSyncer(groups, runtime, scheduler, events, prober, hookRunner, host, instanceId,
          config.pod(), config.engineTimeout(), fingerprints, requeue);
      return telemetry.timedSync(syncer::sync);
    });
    telemetry.syncQueue(queue::waiting, queue::running);
    this.reconciler = new Reconciler(groups, runtime, queue, instanceId, fingerprints, scheduler, config.resyncPeriod());
  }

  private static ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** The engine groups run on (image caches pull into it). */
  public ContainerRuntime runtime() {
    return runtime;
  }

  @Override
  public String describe() {
    return "local engine " + runtime.describe();
  }

  @Override
  public void start() {
    reconciler.start();
  }

  @Override
  public void wake(String groupId) {
    reconciler.enqueue(groupId);
  }

  @Override
  public boolean idle() {
    return queue.idle();
  }

  @Override
  public Optional<String> unready() {
    try {
      runtime.list(Map.of(Labels.OWNER, "openeci-readyz")); // one cheap labelled list (matches nothing)
      return Optional.empty();
    } catch (RuntimeException e) {
      return Optional.of("the container engine does not answer: " + e.getMessage());
    }
  }

  /** Engine instances of one ECI container of {@code g}, oldest attempt first. */
  private List<RuntimeContainer> instances(ContainerGroup g, String containerName) {
    return runtime.list(Map.of(Labels.GROUP_ID, g.id(), Labels.CONTAINER_NAME, containerName)).stream()
        .filter(c -> !Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)))
        .sorted(Comparator.comparingInt(c -> Integer.parseInt(c.labels().getOrDefault(Labels.ATTEMPT, "0"))))
        .toList();
  }

  @Override
  public String logs(ContainerGroup g, String containerName, boolean previous, ContainerRuntime.LogQuery query) {
    List<RuntimeContainer> instances = instances(g, containerName);
    int index = instances.size() - (previous ? 2 : 1);
    if (index < 0) return "";
    return runtime.logs(instances.get(index).id(), query);
  }

  @Override
  public ExecTarget execTarget(ContainerGroup g, String containerName) {
    List<RuntimeContainer> instances = instances(g, containerName);
    RuntimeContainer current = instances.isEmpty() ? null : instances.get(instances.size() - 1);
    if (current == null || !current.running()) {
      throw new NotRunning("The container " + containerName + " of " + g.id() + " is not running.");
    }
    String id = current.id();
    return new ExecTarget() {
      @Override
      public ContainerRuntime.ExecResult exec(List<String> command, Duration timeout, int maxOutputBytes) {
        return runtime.exec(id, command, timeout, maxOutputBytes);
      }

      @Override
      public ContainerRuntime.ExecSession interactive(List<String> command, boolean tty, boolean stdin,
          ContainerRuntime.ExecOutput output) {
        return runtime.execInteractive(id, command, tty, stdin, output);
      }

      @Override
      public String toString() {
        return "engine container " + id.substring(0, Math.min(12, id.length()));
      }
    };
  }

  @Override
  public void close() {
    try {
      reconciler.close();
    } catch (java.io.IOException ignored) {
      // closing the event subscription; nothing to do
    }
    timers.shutdownNow();
    probes.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(30, TimeUnit.SECONDS)) workers.shutdownNow();
    } catch (InterruptedException e) {
      workers.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
