package dev.openeci.reconcile;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real {@link Scheduler}: wall time from the server's {@link InstantSource} (which tests of the
 * whole server may offset), timers on one shared {@link ScheduledExecutorService}. A timer set for
 * an instant fires a little after it (50 ms), so the sync it triggers sees the instant as passed.
 */
public final class SystemScheduler implements Scheduler {
  static final long AT_MARGIN_MILLIS = 50;

  private final InstantSource wall;
  private final ScheduledExecutorService timers;

  public SystemScheduler(InstantSource wall, ScheduledExecutorService timers) {
    this.wall = wall;
    this.timers = timers;
  }

  @Override
  public Instant now() {
    return wall.instant();
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public Timer after(Duration delay, Runnable task) {
    ScheduledFuture<?> f = timers.schedule(task, Math.max(0, delay.toMillis()), TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public Timer every(Duration initialDelay, Duration period, Runnable task) {
    ScheduledFuture<?> f = timers.scheduleAtFixedRate(task, Math.max(0, initialDelay.toMillis()),
        Math.max(1, period.toMillis()), TimeUnit.MILLISECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public Timer at(Instant when, Runnable task) {
    long ms = Math.max(0, Duration.between(now(), when).toMillis()) + AT_MARGIN_MILLIS;
    return after(Duration.ofMillis(ms), task);
  }
}
