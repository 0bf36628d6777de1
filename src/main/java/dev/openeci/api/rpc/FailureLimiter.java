package dev.openeci.api.rpc;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed authentications per source address: each address may fail {@code burst} times, then
 * {@code perSecond} times a second; past that its requests are refused before they are parsed or
 * verified (guessing keys or flooding bad signatures from one address stops costing the server).
 * Memory is bounded: at most {@code maxAddresses} buckets; past it, buckets that have refilled are
 * dropped, and if none has, all are (the limiter fails open rather than grow).
 */
public final class FailureLimiter {
  private final double perSecond;
  private final int burst;
  private final int maxAddresses;
  private final LongSupplier nanos;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  public FailureLimiter(double perSecond, int burst, int maxAddresses) {
    this(perSecond, burst, maxAddresses, System::nanoTime);
  }

  FailureLimiter(double perSecond, int burst, int maxAddresses, LongSupplier nanos) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.maxAddresses = maxAddresses;
    this.nanos = nanos;
  }

  public static FailureLimiter unlimited() {
    return new FailureLimiter(0, 1, 1);
  }

  /** True when the address has no failures left (its requests are refused). */
  public boolean blocked(String address) {
    if (perSecond <= 0 || address == null) return false;
    Bucket b = buckets.get(address);
    return b != null && b.level(nanos.getAsLong()) < 1;
  }

  /** Records one failed authentication from the address. */
  public void failed(String address) {
    if (perSecond <= 0 || address == null) return;
    if (buckets.size() >= maxAddresses && !buckets.containsKey(address)) shrink();
    buckets.computeIfAbsent(address, k -> new Bucket(nanos.getAsLong())).take(nanos.getAsLong());
  }

  private void shrink() {
    long now = nanos.getAsLong();
    for (Iterator<Bucket> it = buckets.values().iterator(); it.hasNext(); ) {
      if (it.next().level(now) >= burst) it.remove();
    }
    if (buckets.size() >= maxAddresses) buckets.clear();
  }

  int size() {
    return buckets.size();
  }

  private final class Bucket {
    private double tokens = burst;
    private long last;

    Bucket(long now) {
      last = now;
    }

    synchronized double level(long now) {
      if (now > last) {
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * perSecond);
        last = now;
      }
      return tokens;
    }

    synchronized void take(long now) {
      level(now);
      tokens = Math.max(0, tokens - 1);
    }
  }
}
