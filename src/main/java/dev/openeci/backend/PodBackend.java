package dev.openeci.backend;

import dev.openeci.group.ContainerGroup;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Where container groups run: the seam between what is shared (API, store, validation,
 * ClientToken, accounts, regions) and what runs the pods. Two implementations:
 * {@code local} (the kubelet-like loop over one Docker-API engine) and {@code kubernetes}
 * (a Pod per group on a cluster; its scheduler and kubelets do the placing and running).
 *
 * <p>The contract is level-triggered: the store is the desired state; {@link #wake} says "look at
 * this group again"; the backend converges the group towards its stored spec (create, update,
 * restart generation, deletion) and writes what it observes back into the store (status,
 * container states, events) through the {@code GroupStore} it was built with. Describe
 * reads the store only, never the backend.
 */
public interface PodBackend extends AutoCloseable {

  /** Human-readable identity for the start-up log, e.g. "local: podman 4.3.1 at unix:///..." */
  String describe();

  /**
   * Adopts what already runs (relist), starts watching and enqueues every stored group. Called
   * once, before the API serves.
   */
  void start() throws Exception;

  /** The stored group changed (created, updated, restart or deletion requested): converge it. */
  void wake(String groupId);

  /**
   * Refuses, with a documented ApiException, what this backend cannot run although the API's rules
   * accept it; called before a create or update is stored (DryRun too). Default: nothing more.
   */
  default void validate(dev.openeci.group.GroupSpec spec) {}

  /** True when no sync is queued or running (tests and benchmarks). */
  boolean idle();

  /** Why pods cannot be run now (engine or apiserver does not answer), empty when they can: /readyz. */
  java.util.Optional<String> unready();

  /**
   * Log text of a container of {@code g}: its current instance, or the one before it when
   * {@code previous} (ECI LastTime). Empty when that instance never ran.
   *
   * @throws RuntimeFailure when the logs cannot be read now
   */
  String logs(ContainerGroup g, String containerName, boolean previous, ContainerRuntime.LogQuery query);

  /**
   * Where a command can run in the container's current instance.
   *
   * @throws NotRunning when that container has no running instance
   */
  ExecTarget execTarget(ContainerGroup g, String containerName);

  /** A running container instance that commands can be run in. */
  interface ExecTarget {
    /** Runs a command to its end (or {@code timeout}), collecting at most {@code maxOutputBytes}. */
    ContainerRuntime.ExecResult exec(List<String> command, Duration timeout, int maxOutputBytes);

    /** Starts an interactive command; output arrives on another thread. */
    ContainerRuntime.ExecSession interactive(List<String> command, boolean tty, boolean stdin,
        ContainerRuntime.ExecOutput output);
  }

  /** The container has no running instance (ECI IncorrectStatus). */
  final class NotRunning extends RuntimeFailure {
    public NotRunning(String message) {
      super(message);
    }
  }

  /** Builds a backend from what every backend shares; the composition root calls it once. */
  interface Factory extends Function<Context, PodBackend> {}

  /**
   * What a backend is built with: the server's configuration, the store it converges from and
   * writes observations into, the event recorder, the clock, and this server's instance id (every
   * object a backend makes carries it, so servers sharing an engine or cluster never touch each
   * other's objects), and the server's metrics (engine or apiserver calls, sync passes).
   */
  record Context(dev.openeci.config.ServerConfig config, dev.openeci.group.GroupStore groups,
      dev.openeci.reconcile.EventRecorder events, java.time.InstantSource clock, String instanceId,
      dev.openeci.ops.Telemetry telemetry) {
    /** With metrics of their own (tests that build one backend alone). */
    public Context(dev.openeci.config.ServerConfig config, dev.openeci.group.GroupStore groups,
        dev.openeci.reconcile.EventRecorder events, java.time.InstantSource clock, String instanceId) {
      this(config, groups, events, clock, instanceId, new dev.openeci.ops.Telemetry());
    }
  }

  /** Stops watching and working; what runs keeps running (a restart adopts it). */
  @Override
  void close();
}
