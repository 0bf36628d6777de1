package dev.openeci.reconcile;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.runtime.RuntimeContainer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The decision of one sync, separated from doing it (kubelet's computePodActions). Actions run in
 * list order; {@code wakeAt} asks for another sync then (back-off expiry), null for none.
 */
public record PodPlan(List<Action> actions, Map<String, Backoff> backoff, Instant wakeAt) {

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

  /** Pull as the policy says, create and start a container instance. */
  public record Run(ContainerSpec spec, boolean init, int attempt) implements Action {}

  /** Remove an old instance no longer needed (only the previous one is kept, for logs). */
  public record Remove(RuntimeContainer container) implements Action {}

  /** The group reached a final status: stop what still runs (the sandbox). */
  public record StopSandbox() implements Action {}

  /**
   * The group reached a final status while members still run (ActiveDeadlineSeconds): stop them
   * with their preStop hooks and grace period; the sandbox follows once they are gone.
   */
  public record TerminateMembers() implements Action {}

  @Override
  public String toString() {
    return "PodPlan" + actions + (wakeAt == null ? "" : " wakeAt=" + wakeAt);
  }
}
