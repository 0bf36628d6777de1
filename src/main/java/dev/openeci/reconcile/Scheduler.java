package dev.openeci.reconcile;

import java.time.Duration;
import java.time.Instant;

/**
 * Timers of the control loop (back-off and deadline wake-ups, grace-period ends, probe periods,
 * retries, the relist) behind one seam, together with the time they are measured against. The
 * real one ({@link SystemScheduler}) is made in the composition root; tests drive a manual one
 * whose {@code advance(Duration)} fires due timers deterministically.
 */
public interface Scheduler extends Clock {
  /** A scheduled task that can be called off. */
  interface Timer {
    void cancel();
  }

  /** Runs {@code task} once after {@code delay}. */
  Timer after(Duration delay, Runnable task);

  /** Runs {@code task} after {@code initialDelay}, then every {@code period} (fixed rate). */
  Timer every(Duration initialDelay, Duration period, Runnable task);

  /** Runs {@code task} once at (or just after) {@code when}. */
  default Timer at(Instant when, Runnable task) {
    Duration d = Duration.between(now(), when);
    return after(d.isNegative() ? Duration.ZERO : d, task);
  }
}
