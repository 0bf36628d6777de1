package dev.openeci.api.rpc;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Nonces seen within the replay window, per AccessKeyId, optionally persisted ({@link Store}) so a
 * request captured before a restart cannot be replayed after it.
 *
 * <p>A nonce is kept until the request's own timestamp leaves the window ({@code timestamp +
 * window}, plus a second for the inclusive bound); after that the timestamp check refuses the request anyway. Memory is bounded: a nonce
 * is at most {@value #MAX_NONCE_CHARS} characters (the caller checks) and is kept as a 22-character
 * digest of key and nonce, entries leave in expiry order (a heap, O(log n)), and both the number per
 * AccessKey and the total are capped: past a cap the cache refuses instead of growing (the caller
 * answers Throttling.User / Throttling). One key filling its share does not lock out the others.
 */
public final class NonceCache {
  /** Longest nonce accepted; the SDKs send 32 hex digits or a UUID. */
  public static final int MAX_NONCE_CHARS = 128;

  /** Where nonces outlive the process. Implementations are called outside this cache's lock. */
  public interface Store {
    /** Every entry that expires after {@code now}. */
    List<Entry> load(Instant now);

    void insert(Entry entry);

    void deleteExpired(Instant now);
  }

  /** One remembered nonce: digest of AccessKeyId and nonce, the key, and when it may be forgotten. */
  public record Entry(String digest, String accessKeyId, Instant expiresAt) {}

  public enum Result { FRESH, REUSED, KEY_FULL, FULL }

  private record Expiry(long at, String digest, String accessKeyId) {}

  private final Duration window;
  private final int perKey;
  private final int capacity;
  private final Store store;
  private final Map<String, Long> seen = new HashMap<>();
  private final Map<String, int[]> perKeyCount = new HashMap<>();
  private final PriorityQueue<Expiry> expiries = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
  private int inserts;

  /** In memory only, one cap for everything. */
  public NonceCache(Duration window, int capacity) {
    this(window, capacity, capacity, null, Instant.EPOCH);
  }

  /** Loads what {@code store} still holds for the window; {@code store} may be null (memory only). */
  public NonceCache(Duration window, int perKey, int capacity, Store store, Instant now) {
    this.window = window;
    this.perKey = perKey;
    this.capacity = capacity;
    this.store = store;
    if (store != null) {
      for (Entry e : store.load(now)) {
        if (seen.size() >= capacity) break;
        add(e.digest(), e.accessKeyId(), e.expiresAt().toEpochMilli());
      }
    }
  }

  /** {@link #record(String, String, Instant, Instant)} for a request stamped now. */
  public Result record(String accessKeyId, String nonce, Instant now) {
    return record(accessKeyId, nonce, now, now);
  }

  /**
   * Records the nonce atomically (exactly one of two concurrent identical calls gets FRESH) and,
   * with a store, durably before returning FRESH.
   */
  public Result record(String accessKeyId, String nonce, Instant requestTime, Instant now) {
    String digest = digest(accessKeyId, nonce);
    // The timestamp check accepts the request until requestTime + window (inclusive, whole seconds).
    long expires = requestTime.plus(window).plusSeconds(1).toEpochMilli();
    boolean purgeStore;
    synchronized (this) {
      evict(now.toEpochMilli());
      Long prev = seen.get(digest);
      if (prev != null) return Result.REUSED;
      if (seen.size() >= capacity) return Result.FULL;
      int[] count = perKeyCount.get(accessKeyId);
      if (count != null && count[0] >= perKey) return Result.KEY_FULL;
      add(digest, accessKeyId, expires);
      purgeStore = (++inserts & 4095) == 0;
    }
    if (store != null) {
      try {
        store.insert(new Entry(digest, accessKeyId, Instant.ofEpochMilli(expires)));
        if (purgeStore) store.deleteExpired(now);
      } catch (RuntimeException e) {
        synchronized (this) {
          if (seen.remove(digest) != null) decrement(accessKeyId);
        }
        throw e;
      }
    }
    return Result.FRESH;
  }

  private void add(String digest, String accessKeyId, long expires) {
    if (seen.putIfAbsent(digest, expires) != null) return;
    perKeyCount.computeIfAbsent(accessKeyId, k -> new int[1])[0]++;
    expiries.add(new Expiry(expires, digest, accessKeyId));
  }

  private void evict(long nowMillis) {
    while (!expiries.isEmpty() && expiries.peek().at <= nowMillis) {
      Expiry e = expiries.poll();
      if (seen.remove(e.digest, e.at)) decrement(e.accessKeyId);
    }
  }

  private void decrement(String accessKeyId) {
    int[] c = perKeyCount.get(accessKeyId);
    if (c != null && --c[0] <= 0) perKeyCount.remove(accessKeyId);
  }

  synchronized void purge(Instant now) {
    evict(now.toEpochMilli());
  }

  synchronized int size() {
    return seen.size();
  }

  /** 132 bits of SHA-256 over key and nonce, base64url: fixed size whatever the nonce's length. */
  static String digest(String accessKeyId, String nonce) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update(accessKeyId.getBytes(StandardCharsets.UTF_8));
      md.update((byte) '\n');
      byte[] h = md.digest(nonce.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h).substring(0, 22);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
