package dev.openeci.reconcile;

import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What this process remembers about one group between its syncs, owned by the {@link GroupSyncer}
 * (one record per group, dropped with the group). Everything here is either re-derivable after a
 * restart (the stop signal is sent again, a missed postStart failure is lost like the kubelet's)
 * or only rate-limits engine calls; what must survive a restart lives in {@code GroupState}.
 */
final class GroupRecord {
  /** Failed passes in a row (the retry back-off). */
  final AtomicInteger failures = new AtomicInteger();
  /** Containers this process sent the stop signal to (after a restart, a recorded grace re-sends it). */
  final Set<String> signalled = ConcurrentHashMap.newKeySet();
  /** When (monotonic nanos) this process last sent SIGKILL to a container at the end of its grace. */
  final Map<String, Long> killedAt = new ConcurrentHashMap<>();
  /** Containers whose postStart hook failed (the reason), written by the hook's thread, read by the next sync. */
  final Map<String, String> postStartFailures = new ConcurrentHashMap<>();
  /** The earliest grace deadline a timer is already set for. */
  private Instant graceTimer;

  /** True when a timer must be set for {@code deadline} (none pending at or before it). */
  synchronized boolean claimGraceTimer(Instant deadline, Instant now) {
    if (graceTimer != null && !graceTimer.isAfter(deadline) && graceTimer.isAfter(now)) return false;
    graceTimer = deadline;
    return true;
  }

  synchronized void graceTimerFired(Instant deadline) {
    if (deadline.equals(graceTimer)) graceTimer = null;
  }

  /** A container is gone: nothing about it is kept. */
  void forgetContainer(String containerId) {
    signalled.remove(containerId);
    killedAt.remove(containerId);
    postStartFailures.remove(containerId);
  }
}
