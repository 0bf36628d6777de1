package dev.openeci.reconcile;

import dev.openeci.reconcile.PodPlan.Action;
import dev.openeci.runtime.RuntimeFailure;

/**
 * What carrying out one {@link PodPlan.Action} came to, returned by {@link PodExecutor} in action
 * order. {@link PodPlanner#settle} folds them into back-off and waiting reasons; the syncer reads
 * whether anything changed (another pass observes it) and whether the pass failed (retry later).
 */
public sealed interface ActionResult {
  Action action();

  /** True when the action changed something a new observation should see. */
  default boolean progressed() {
    return true;
  }

  /** Done; the engine changed. */
  record Done(Action action) implements ActionResult {}

  /** Only waits (a grace period runs on a timer): nothing new to observe. */
  record Waiting(Action action) implements ActionResult {
    @Override
    public boolean progressed() {
      return false;
    }
  }

  /** The sandbox was created and started ({@code id}). */
  record SandboxStarted(Action action, String id) implements ActionResult {}

  /** The sandbox could not be created or started; {@code fatal} when no retry can fix it (the group fails). */
  record SandboxFailed(Action action, String fatal) implements ActionResult {}

  /** The container of back-off key {@code key} was created and started ({@code id}). */
  record Started(Action action, String key, String id) implements ActionResult {}

  /**
   * The image could not be made present: waiting reason ErrImagePull ({@code errImagePull}) or
   * ErrImageNeverPull, with the message; the attempt decides whether the back-off starts here.
   */
  record PullFailed(Action action, String key, int attempt, String waitingReason, String message, boolean errImagePull)
      implements ActionResult {}

  /**
   * The container was not created (a policy refusal, RunAsNonRoot, a volume that cannot be
   * mounted); {@code fatal} when no retry can fix it on this host (the group fails).
   */
  record Refused(Action action, String key, int attempt, String waitingReason, String message, String fatal)
      implements ActionResult {}

  /** An engine call failed; the actions after it did not run (a Warning event, retried on the back-off). */
  record Failed(Action action, RuntimeFailure failure) implements ActionResult {
    @Override
    public boolean progressed() {
      return false;
    }
  }

  /**
   * A group-level step (delete, restart, a liveness kill) could not finish: retried on the
   * back-off ({@code what} names it in the log), without the Failed event of {@link Failed}.
   */
  record Retry(Action action, String what, RuntimeFailure failure) implements ActionResult {
    @Override
    public boolean progressed() {
      return false;
    }
  }

  /** The action handed the group over (deleted, restarted, failed by its deadline): the sync ends here. */
  record HandedOver(Action action) implements ActionResult {
    @Override
    public boolean progressed() {
      return false;
    }
  }
}
