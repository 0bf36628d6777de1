package dev.openeci.imagecache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.openeci.store.Database;
import dev.openeci.store.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/** Image caches in SQLite with a write-through memory copy (the database first, then memory). */
public final class ImageCacheRepository {
  private final Database db;
  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final Map<String, ImageCache> caches = new ConcurrentHashMap<>();

  public ImageCacheRepository(Database db) {
    this.db = db;
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT data FROM image_caches");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ImageCache ic = read(rs.getString(1));
          caches.put(ic.id(), ic);
        }
      }
      return null;
    });
  }

  private ImageCache read(String s) {
    try {
      return json.readValue(s, ImageCache.class);
    } catch (JsonProcessingException e) {
      throw new StoreException("unreadable image cache record: " + e.getMessage(), e);
    }
  }

  private String write(ImageCache ic) {
    try {
      return json.writeValueAsString(ic);
    } catch (JsonProcessingException e) {
      throw new StoreException("cannot serialize image cache " + ic.id() + ": " + e.getMessage(), e);
    }
  }

  public Optional<ImageCache> get(String id) {
    return Optional.ofNullable(caches.get(id));
  }

  /** The caches of one account and region, oldest first. */
  public List<ImageCache> list(String accountId, String regionId) {
    return caches.values().stream().filter(c -> c.accountId().equals(accountId) && c.regionId().equals(regionId))
        .sorted(Comparator.comparing(ImageCache::creationTime).thenComparing(ImageCache::id)).toList();
  }

  public List<ImageCache> all() {
    return List.copyOf(caches.values());
  }

  public synchronized void insert(ImageCache ic) {
    String data = write(ic);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO image_caches (id, account_id, region_id, data) VALUES (?,?,?,?)")) {
        ps.setString(1, ic.id());
        ps.setString(2, ic.accountId());
        ps.setString(3, ic.regionId());
        ps.setString(4, data);
        ps.executeUpdate();
      }
      return null;
    });
    caches.put(ic.id(), ic);
  }

  /** Applies a change to a stored cache; empty when it no longer exists (deleted meanwhile). */
  public synchronized Optional<ImageCache> modify(String id, UnaryOperator<ImageCache> change) {
    ImageCache cur = caches.get(id);
    if (cur == null) return Optional.empty();
    ImageCache next = change.apply(cur);
    if (next.equals(cur)) return Optional.of(cur);
    String data = write(next);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE image_caches SET data=? WHERE id=?")) {
        ps.setString(1, data);
        ps.setString(2, id);
        ps.executeUpdate();
      }
      return null;
    });
    caches.put(id, next);
    return Optional.of(next);
  }

  public synchronized boolean delete(String id) {
    if (!caches.containsKey(id)) return false;
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM image_caches WHERE id=?")) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
      return null;
    });
    caches.remove(id);
    return true;
  }
}
