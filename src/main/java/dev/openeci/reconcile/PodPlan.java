package dev.openeci.reconcile;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.runtime.RuntimeContainer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The decision of one sync, separated from doing it (kubelet's computePodActions): the group's
 * lifecycle {@link Phase}, the actions in the order they run, the back-off that applies once they
 * ran, and {@code wakeAt}, when another sync is due (back-off expiry, ActiveDeadlineSeconds), null
 * for none. The executor ({@link PodExecutor}) carries the actions out and reports an
 * {@link ActionResult} for each; nothing else travels between the steps.
 */
public record PodPlan(Phase phase, List<Action> actions, Map<String, Backoff> backoff, Instant wakeAt) {

  public PodPlan(List<Action> actions, Map<String, Backoff> backoff, Instant wakeAt) {
    this(Phase.RUNNING, actions, backoff, wakeAt);
  }

  public PodPlan {
    actions = List.copyOf(actions);
    backoff = Map.copyOf(backoff);
  }

  /** Where the group is in its life; decides which of the sync's later steps apply. */
  public enum Phase {
    /** Starting or running: actions, then the status is computed and written. */
    RUNNING,
    /** A final status (Succeeded, Failed): what still runs is stopped; probes are stopped. */
    FINISHED,
    /** RestartContainerGroup was asked: members stop with their grace period, then are removed. */
    RESTARTING,
    /** DeleteContainerGroup was asked: members stop with their grace period, then everything goes. */
    DELETING
  }

  /** Why a container is being stopped; says what the Killing event reads. */
  public enum StopReason {
    LIVENESS, POST_START_HOOK, UPDATE, REMOVED_FROM_SPEC, DEADLINE, DELETE, RESTART, RESET;

    /** The message of the Normal Killing event for container {@code name}. */
    String killingMessage(String name, String detail) {
      return switch (this) {
        case LIVENESS -> "Container " + name + " failed liveness probe, will be restarted";
        case POST_START_HOOK -> "FailedPostStartHook: stopping container " + name;
        case UPDATE -> "Container " + name + " definition changed, will be restarted";
        case REMOVED_FROM_SPEC -> "Stopping container " + name + " (removed from the spec)";
        case RESET, RESTART -> detail == null ? "Stopping container " + name : "Stopping container " + name + ": " + detail;
        case DEADLINE, DELETE -> "Stopping container " + name;
      };
    }
  }

  /** A container the planner decided not to create, with what its status and event say. */
  public record Refusal(String eventReason, String waitingReason, String message) {}

  public sealed interface Action {}

  /** Create and start the sandbox (image ensured by the executor). */
  public record CreateSandbox() implements Action {}

  /**
   * The sandbox died or must be recreated (an update changed volumes, DNS or network): stop the
   * members gracefully, remove every container of the group; the next sync starts over.
   */
  public record ResetPod(String reason) implements Action {}

  /**
   * Init containers changed: stop the members gracefully and remove every container but the
   * sandbox; init containers then run again, then the app containers (the group keeps its IP).
   */
  public record RestartPod(String reason) implements Action {}

  /**
   * A container's spec changed: stop the running instance ({@code old}, null when none runs) with
   * its preStop hook and grace period; once it has stopped (a later sync), run the new spec as the
   * next attempt.
   */
  public record Replace(RuntimeContainer old, ContainerSpec spec, int attempt) implements Action {}

  /** A container that is no longer in the spec: stop it gracefully and remove it. */
  public record StopAndRemove(RuntimeContainer container) implements Action {}

  /** Start an existing, created-but-not-started container. */
  public record Start(RuntimeContainer container) implements Action {}

  /**
   * Pull as the policy says, then create and start a container instance; or, when the planner
   * refused it ({@code refusal} non-null: a privileged container, a capability or a GPU this server
   * does not give), report the refusal instead of creating it.
   */
  public record Run(ContainerSpec spec, boolean init, int attempt, Refusal refusal) implements Action {
    public Run(ContainerSpec spec, boolean init, int attempt) {
      this(spec, init, attempt, null);
    }
  }

  /** Remove an old instance no longer needed (only the previous one is kept, for logs). */
  public record Remove(RuntimeContainer container) implements Action {}

  /** The group reached a final status: stop what still runs (the sandbox). */
  public record StopSandbox() implements Action {}

  /**
   * The group reached a final status while members still run (ActiveDeadlineSeconds): stop them
   * with their preStop hooks and grace period; the sandbox follows once they are gone.
   */
  public record TerminateMembers() implements Action {}

  /**
   * Stop one running container gracefully (preStop, signal, kill at the end of the grace period)
   * for {@code reason}: a failed liveness probe or postStart hook. The restart policy does the rest.
   */
  public record StopContainer(RuntimeContainer container, StopReason reason) implements Action {}

  /** A postStart hook failed (noted off the worker): a Warning event, then the container is stopped. */
  public record PostStartFailed(RuntimeContainer container, String failure) implements Action {}

  /**
   * ActiveDeadlineSeconds passed: a Warning DeadlineExceeded, the group is Failed; the FINISHED
   * phase of the next sync then stops the members with their grace period.
   */
  public record FailDeadline(long deadlineSeconds) implements Action {}

  /** RestartContainerGroup: stop the members gracefully, remove all but the sandbox, record the generation. */
  public record RestartGroup(long generation) implements Action {}

  /** DeleteContainerGroup: stop the members gracefully, remove every container, volumes, the record. */
  public record DeleteGroup() implements Action {}

  /**
   * True when this sync computes and writes the group's status after acting. Plans that hand the
   * group over to a later sync do not: deletion and restart (the store changes under them), the
   * ActiveDeadlineSeconds failure (written by its action) and liveness kills (the next sync
   * observes the stopped container).
   */
  public boolean writesStatus() {
    if (phase == Phase.DELETING || phase == Phase.RESTARTING) return false;
    for (Action a : actions) {
      if (a instanceof FailDeadline || a instanceof StopContainer s && s.reason() == StopReason.LIVENESS) return false;
    }
    return true;
  }

  @Override
  public String toString() {
    return "PodPlan[" + phase + "]" + actions + (wakeAt == null ? "" : " wakeAt=" + wakeAt);
  }
}
