package dev.openeci.api.rpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Per-account token buckets: each account may send {@code burst} requests at once and
 * {@code perSecond} on average; past that its requests are refused (Throttling.User) while
 * other accounts are unaffected. Only authenticated requests reach it, so the map holds at most
 * one small bucket per account with a key.
 */
public final class RateLimiter {
  private final double perSecond;
  private final int burst;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  public RateLimiter(double perSecond, int burst) {
    this(perSecond, burst, System::nanoTime);
  }

  RateLimiter(double perSecond, int burst, LongSupplier nanos) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.nanos = nanos;
  }

  /** Unlimited. */
  public static RateLimiter unlimited() {
    return new RateLimiter(0, 1);
  }

  /** Takes one token from the account's bucket; false when it is empty. */
  public boolean tryAcquire(String accountId) {
    if (perSecond <= 0) return true;
    return buckets.computeIfAbsent(accountId, k -> new Bucket(burst, nanos.getAsLong())).take(nanos.getAsLong());
  }

  private final class Bucket {
    private double tokens;
    private long last;

    Bucket(double tokens, long now) {
      this.tokens = tokens;
      this.last = now;
    }

    synchronized boolean take(long now) {
      if (now > last) {
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
        last = now;
      }
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    }
  }
}
