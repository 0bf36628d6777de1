package dev.openeci.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} whose time moves only when the test says so: {@link #advance} moves the clock
 * forward and runs every timer that falls due, in due order, on the calling thread, each with the
 * clock set to its due time. Timers may be set from any thread (hooks run on virtual threads).
 */
public final class ManualScheduler implements Scheduler {
  private final class Task implements Timer {
    final long seq;
    Instant due;
    final Duration period;
    final Runnable run;
    volatile boolean cancelled;

    Task(long seq, Instant due, Duration period, Runnable run) {
      this.seq = seq;
      this.due = due;
      this.period = period;
      this.run = run;
    }

    @Override
    public void cancel() {
      cancelled = true;
      synchronized (ManualScheduler.this) {
        queue.remove(this);
      }
    }
  }

  private final PriorityQueue<Task> queue = new PriorityQueue<>(
      Comparator.comparing((Task t) -> t.due).thenComparingLong(t -> t.seq));
  private Instant now;
  private final Instant start;
  private long seq;

  public ManualScheduler(Instant start) {
    this.now = start;
    this.start = start;
  }

  public ManualScheduler() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  @Override
  public synchronized Instant now() {
    return now;
  }

  @Override
  public synchronized long nanoTime() {
    return Duration.between(start, now).toNanos();
  }

  @Override
  public synchronized Timer after(Duration delay, Runnable task) {
    Task t = new Task(seq++, now.plus(delay.isNegative() ? Duration.ZERO : delay), null, task);
    queue.add(t);
    return t;
  }

  @Override
  public synchronized Timer every(Duration initialDelay, Duration period, Runnable task) {
    Task t = new Task(seq++, now.plus(initialDelay), period.isZero() ? Duration.ofMillis(1) : period, task);
    queue.add(t);
    return t;
  }

  /** Moves the clock by {@code d}, running each timer that falls due (timers they set included). */
  public void advance(Duration d) {
    Instant target;
    synchronized (this) {
      target = now.plus(d);
    }
    while (true) {
      Task t;
      synchronized (this) {
        t = queue.peek();
        if (t == null || t.due.isAfter(target)) {
          now = target;
          return;
        }
        queue.poll();
        if (t.due.isAfter(now)) now = t.due;
        if (t.period != null && !t.cancelled) {
          t.due = t.due.plus(t.period);
          queue.add(t);
        }
      }
      if (!t.cancelled) t.run.run();
    }
  }

  /** Runs the timers due now (delay zero) without moving the clock. */
  public void runDue() {
    advance(Duration.ZERO);
  }

  /** When the earliest pending timer falls due, null when none is pending. */
  public synchronized Instant nextDue() {
    Task t = queue.peek();
    return t == null ? null : t.due;
  }

  /** How many timers are pending. */
  public synchronized int pending() {
    return queue.size();
  }

  /** The due times of the pending timers, earliest first (for failure messages). */
  public synchronized List<Instant> dueTimes() {
    List<Instant> out = new ArrayList<>();
    for (Task t : queue) out.add(t.due);
    out.sort(null);
    return out;
  }
}
