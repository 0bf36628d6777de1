package dev.openeci.reconcile;

import java.time.Instant;

/**
 * The control loop's only source of time: the wall time that decisions compare with deadlines
 * and back-off, and a monotonic reading for durations (how long a pull took). Real time in
 * production ({@link SystemScheduler}), moved by hand in tests ({@code ManualScheduler}).
 */
public interface Clock {
  /** The current wall time. */
  Instant now();

  /** A monotonic reading in nanoseconds, only for measuring elapsed time. */
  long nanoTime();
}
