package dev.openeci.datacache;

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

/** Data caches in SQLite with a write-through memory copy (the database first, then memory). */
public final class DataCacheRepository {
  private final Database db;
  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final Map<String, DataCache> caches = new ConcurrentHashMap<>();

  public DataCacheRepository(Database db) {
    this.db = db;
    // The table is created here rather than by a numbered migration, so this branch's schema merges
    // with other branches' migrations without renumbering (IF NOT EXISTS: idempotent).
    db.inTransaction(c -> {
      try (var st = c.createStatement()) {
        st.executeUpdate("CREATE TABLE IF NOT EXISTS data_caches (id TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
            + " region_id TEXT NOT NULL, data TEXT NOT NULL)");
        st.executeUpdate("CREATE INDEX IF NOT EXISTS data_caches_owner ON data_caches (account_id, region_id)");
      }
      return null;
    });
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT data FROM data_caches");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          DataCache ic = read(rs.getString(1));
          caches.put(ic.id(), ic);
        }
      }
      return null;
    });
  }

  private DataCache read(String s) {
    try {
      return json.readValue(s, DataCache.class);
    } catch (JsonProcessingException e) {
      throw new StoreException("unreadable data cache record: " + e.getMessage(), e);
    }
  }

  private String write(DataCache ic) {
    try {
      return json.writeValueAsString(ic);
    } catch (JsonProcessingException e) {
      throw new StoreException("cannot serialize data cache " + ic.id() + ": " + e.getMessage(), e);
    }
  }

  public Optional<DataCache> get(String id) {
    return Optional.ofNullable(caches.get(id));
  }

  /** The caches of one account and region, oldest first. */
  public List<DataCache> list(String accountId, String regionId) {
    return caches.values().stream().filter(c -> c.accountId().equals(accountId) && c.regionId().equals(regionId))
        .sorted(Comparator.comparing(DataCache::creationTime).thenComparing(DataCache::id)).toList();
  }

  public List<DataCache> all() {
    return List.copyOf(caches.values());
  }

  public synchronized void insert(DataCache ic) {
    String data = write(ic);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO data_caches (id, account_id, region_id, data) VALUES (?,?,?,?)")) {
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
  public synchronized Optional<DataCache> modify(String id, UnaryOperator<DataCache> change) {
    DataCache cur = caches.get(id);
    if (cur == null) return Optional.empty();
    DataCache next = change.apply(cur);
    if (next.equals(cur)) return Optional.of(cur);
    String data = write(next);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE data_caches SET data=? WHERE id=?")) {
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
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM data_caches WHERE id=?")) {
        ps.setString(1, id);
        ps.executeUpdate();
      }
      return null;
    });
    caches.remove(id);
    return true;
  }
}
