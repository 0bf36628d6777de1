package dev.openeci.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Account-owned records kept as JSON in one SQLite table {@code (id, account_id, region_id, data)},
 * with a write-through memory copy (the database first, then memory). Image caches and data caches
 * are stored this way; each repository names its table, record type and accessors.
 */
public final class RecordTable<T> {
  private final Database db;
  private final String table;
  private final Class<T> type;
  private final String what;
  private final Function<T, String> id;
  private final Function<T, String> account;
  private final Function<T, String> region;
  private final Comparator<T> order;
  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final Map<String, T> records = new ConcurrentHashMap<>();

  /**
   * Loads every record of {@code table} into memory. {@code what} names a record in error messages
   * ("image cache"); {@code created} orders listings (oldest first, then by id).
   */
  public RecordTable(Database db, String table, Class<T> type, String what, Function<T, String> id,
      Function<T, String> account, Function<T, String> region, Function<T, Instant> created) {
    this.db = db;
    this.table = table;
    this.type = type;
    this.what = what;
    this.id = id;
    this.account = account;
    this.region = region;
    this.order = Comparator.comparing(created).thenComparing(id);
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT data FROM " + table);
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          T r = read(rs.getString(1));
          records.put(id.apply(r), r);
        }
      }
      return null;
    });
  }

  private T read(String s) {
    try {
      return json.readValue(s, type);
    } catch (JsonProcessingException e) {
      throw new StoreException("unreadable " + what + " record: " + e.getMessage(), e);
    }
  }

  private String write(T r) {
    try {
      return json.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new StoreException("cannot serialize " + what + " " + id.apply(r) + ": " + e.getMessage(), e);
    }
  }

  public Optional<T> get(String recordId) {
    return Optional.ofNullable(records.get(recordId));
  }

  /** The records of one account and region, oldest first. */
  public List<T> list(String accountId, String regionId) {
    return records.values().stream()
        .filter(r -> account.apply(r).equals(accountId) && region.apply(r).equals(regionId))
        .sorted(order).toList();
  }

  public List<T> all() {
    return List.copyOf(records.values());
  }

  public synchronized void insert(T r) {
    String data = write(r);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO " + table + " (id, account_id, region_id, data) VALUES (?,?,?,?)")) {
        ps.setString(1, id.apply(r));
        ps.setString(2, account.apply(r));
        ps.setString(3, region.apply(r));
        ps.setString(4, data);
        ps.executeUpdate();
      }
      return null;
    });
    records.put(id.apply(r), r);
  }

  /** Applies a change to a stored record; empty when it no longer exists (deleted meanwhile). */
  public synchronized Optional<T> modify(String recordId, UnaryOperator<T> change) {
    T cur = records.get(recordId);
    if (cur == null) return Optional.empty();
    T next = change.apply(cur);
    if (next.equals(cur)) return Optional.of(cur);
    String data = write(next);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE " + table + " SET data=? WHERE id=?")) {
        ps.setString(1, data);
        ps.setString(2, recordId);
        ps.executeUpdate();
      }
      return null;
    });
    records.put(recordId, next);
    return Optional.of(next);
  }

  public synchronized boolean delete(String recordId) {
    if (!records.containsKey(recordId)) return false;
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table + " WHERE id=?")) {
        ps.setString(1, recordId);
        ps.executeUpdate();
      }
      return null;
    });
    records.remove(recordId);
    return true;
  }
}
