package dev.openeci.reconcile;

import dev.openeci.group.GroupState.Backoff;
import java.time.Duration;
import java.time.Instant;

/**
 * The kubelet's container restart back-off as pure functions: the first restart is immediate,
 * then 10 s doubling to a 300 s cap; a container that ran stably for 10 minutes since the last
 * restart starts over at 10 s.
 */
public final class RestartBackoff {
  public static final long INITIAL_SECONDS = 10;
  public static final long MAX_SECONDS = 300;
  public static final Duration RESET_AFTER = Duration.ofMinutes(10);

  private RestartBackoff() {}

  /** True when a restart may happen at {@code now}. */
  public static boolean allowed(Backoff current, Instant now) {
    return current == null || !now.isBefore(current.notBefore()) || expired(current, now);
  }

  /** The back-off that applies after restarting at {@code now}. */
  public static Backoff next(Backoff current, Instant now) {
    if (current == null || expired(current, now)) return new Backoff(INITIAL_SECONDS, now);
    return new Backoff(Math.min(current.delaySeconds() * 2, MAX_SECONDS), now);
  }

  private static boolean expired(Backoff current, Instant now) {
    return Duration.between(current.since(), now).compareTo(RESET_AFTER) > 0;
  }

  /** Kubelet's wording, e.g. {@code 40s} or {@code 5m0s}. */
  public static String format(long seconds) {
    return seconds < 60 ? seconds + "s" : (seconds / 60) + "m" + (seconds % 60) + "s";
  }
}
