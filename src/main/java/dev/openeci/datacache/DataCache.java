package dev.openeci.datacache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A data cache (docs/data-caches.md): data fetched once from a source the server can reach (an
 * HTTP(S) URL or an operator-allowed host path) into a server-owned directory
 * {@code <data-dir>/data-caches/<id>/<generation>}, which groups of the same account mount
 * read-only through {@code DataCacheBucket} + a HostPathVolume naming the cache's {@code Path}.
 * Status Creating -> Available | Failed; Updating while a new source refills it.
 */
public record DataCache(String id, String accountId, String regionId, String bucket, String path, String name,
    int sizeGiB, Source source, String status, int progress, long bytes, int generation, Instant creationTime,
    Instant expireTime, Instant lastMatchedTime, List<Event> events, List<Tag> tags) {

  public static final String CREATING = "Creating";
  public static final String UPDATING = "Updating";
  public static final String AVAILABLE = "Available";
  public static final String FAILED = "Failed";

  /** How many events a cache keeps (the oldest go first). */
  static final int MAX_EVENTS = 50;

  public DataCache {
    events = events == null ? List.of() : List.copyOf(events);
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /** DataSource: {@code Type} (URL or HostPath) and its {@code Options} (url / path). */
  public record Source(String type, Map<String, String> options) {
    public Source {
      options = options == null ? Map.of() : Map.copyOf(options);
    }
  }

  public record Event(String type, String name, String message, int count, Instant firstTimestamp,
      Instant lastTimestamp) {}

  public record Tag(String key, String value) {}

  public boolean available() {
    return AVAILABLE.equals(status);
  }

  public boolean busy() {
    return CREATING.equals(status) || UPDATING.equals(status);
  }

  public DataCache withStatus(String status, int progress) {
    return new DataCache(id, accountId, regionId, bucket, path, name, sizeGiB, source, status, progress, bytes,
        generation, creationTime, expireTime, lastMatchedTime, events, tags);
  }

  public DataCache withFilled(int generation, long bytes) {
    return new DataCache(id, accountId, regionId, bucket, path, name, sizeGiB, source, AVAILABLE, 100, bytes,
        generation, creationTime, expireTime, lastMatchedTime, events, tags);
  }

  public DataCache withSettings(String name, int sizeGiB, Source source, Instant expireTime, List<Tag> tags) {
    return new DataCache(id, accountId, regionId, bucket, path, name, sizeGiB, source, status, progress, bytes,
        generation, creationTime, expireTime, lastMatchedTime, events, tags);
  }

  public DataCache withMatched(Instant at) {
    return new DataCache(id, accountId, regionId, bucket, path, name, sizeGiB, source, status, progress, bytes,
        generation, creationTime, expireTime, at, events, tags);
  }

  public DataCache withEvent(String type, String reason, String message, Instant at) {
    List<Event> next = new ArrayList<>(events);
    boolean merged = false;
    for (int i = next.size() - 1; i >= 0; i--) {
      Event e = next.get(i);
      if (e.type().equals(type) && e.name().equals(reason) && e.message().equals(message)) {
        next.set(i, new Event(type, reason, message, e.count() + 1, e.firstTimestamp(), at));
        merged = true;
        break;
      }
    }
    if (!merged) next.add(new Event(type, reason, message, 1, at, at));
    while (next.size() > MAX_EVENTS) next.remove(0);
    return new DataCache(id, accountId, regionId, bucket, path, name, sizeGiB, source, status, progress, bytes,
        generation, creationTime, expireTime, lastMatchedTime, next, tags);
  }
}
