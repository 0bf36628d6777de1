package dev.openeci.imagecache;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * An image cache: a set of images openeci pulled into the engine ahead of time, so container
 * groups that match it start without pulling. Status Preparing -> Creating -> Ready | Failed.
 * Registry passwords used for the pull are never part of it.
 */
public record ImageCache(String id, String accountId, String regionId, String name, List<String> images,
    String status, int progress, Instant creationTime, Instant expireTime, Instant lastMatchedTime,
    List<Event> events, List<Tag> tags) {

  public static final String PREPARING = "Preparing";
  public static final String CREATING = "Creating";
  public static final String READY = "Ready";
  public static final String FAILED = "Failed";

  public ImageCache {
    images = List.copyOf(images);
    events = events == null ? List.of() : List.copyOf(events);
    tags = tags == null ? List.of() : List.copyOf(tags);
  }

  /** One event of the cache (ECI's image cache Events: Type, Name, Message, Count, timestamps). */
  public record Event(String type, String name, String message, int count, Instant firstTimestamp,
      Instant lastTimestamp) {}

  public record Tag(String key, String value) {}

  public boolean ready() {
    return READY.equals(status);
  }

  /** True when every image of {@code wanted} is in this cache (exact references). */
  public boolean covers(List<String> wanted) {
    return images.containsAll(wanted);
  }

  public ImageCache withStatus(String status, int progress) {
    return new ImageCache(id, accountId, regionId, name, images, status, progress, creationTime, expireTime,
        lastMatchedTime, events, tags);
  }

  /** UpdateImageCache: another name, image list, expiry or tags (events and times kept). */
  public ImageCache withDefinition(String name, List<String> images, Instant expireTime, List<Tag> tags) {
    return new ImageCache(id, accountId, regionId, name, images, status, progress, creationTime, expireTime,
        lastMatchedTime, events, tags);
  }

  /** Other tags (TagResources / UntagResources). */
  public ImageCache withTags(List<Tag> newTags) {
    return new ImageCache(id, accountId, regionId, name, images, status, progress, creationTime, expireTime,
        lastMatchedTime, events, newTags);
  }

  public ImageCache withMatched(Instant at) {
    return new ImageCache(id, accountId, regionId, name, images, status, progress, creationTime, expireTime, at,
        events, tags);
  }

  public ImageCache withEvent(String type, String reason, String message, Instant at) {
    List<Event> next = new ArrayList<>(events);
    for (int i = next.size() - 1; i >= 0; i--) {
      Event e = next.get(i);
      if (e.type().equals(type) && e.name().equals(reason) && e.message().equals(message)) {
        next.set(i, new Event(type, reason, message, e.count() + 1, e.firstTimestamp(), at));
        return new ImageCache(id, accountId, regionId, name, images, status, progress, creationTime, expireTime,
            lastMatchedTime, next, tags);
      }
    }
    next.add(new Event(type, reason, message, 1, at, at));
    return new ImageCache(id, accountId, regionId, name, images, status, progress, creationTime, expireTime,
        lastMatchedTime, next, tags);
  }
}
