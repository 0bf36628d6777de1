package dev.openeci.api.rpc;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Nonces seen within the replay window, per AccessKeyId. Memory-bounded: entries expire with the
 * window (purged every 4,096 inserts) and the cache refuses new nonces past a hard cap rather
 * than growing (the caller answers Throttling).
 */
public final class NonceCache {
  private final Duration window;
  private final int capacity;
  private final Map<String, Instant> seen = new ConcurrentHashMap<>();
  private final AtomicInteger inserts = new AtomicInteger();

  public NonceCache(Duration window, int capacity) {
    this.window = window;
    this.capacity = capacity;
  }

  public enum Result { FRESH, REUSED, FULL }

  /** Records the nonce atomically: exactly one of two concurrent identical calls gets FRESH. */
  public Result record(String accessKeyId, String nonce, Instant now) {
    if ((inserts.incrementAndGet() & 4095) == 0) purge(now);
    if (seen.size() >= capacity) {
      purge(now);
      if (seen.size() >= capacity) return Result.FULL;
    }
    Instant prev = seen.putIfAbsent(accessKeyId + '\n' + nonce, now);
    if (prev == null) return Result.FRESH;
    if (prev.plus(window).isBefore(now)) {
      // Expired entry not yet purged: reuse is allowed again (the timestamp check rejects stale requests).
      return seen.replace(accessKeyId + '\n' + nonce, prev, now) ? Result.FRESH : Result.REUSED;
    }
    return Result.REUSED;
  }

  void purge(Instant now) {
    Instant cutoff = now.minus(window);
    for (Iterator<Instant> it = seen.values().iterator(); it.hasNext(); ) {
      if (it.next().isBefore(cutoff)) it.remove();
    }
  }

  int size() {
    return seen.size();
  }
}
