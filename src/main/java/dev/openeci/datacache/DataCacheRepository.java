package dev.openeci.datacache;

import dev.openeci.store.Database;
import dev.openeci.store.RecordTable;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Data caches in SQLite with a write-through memory copy ({@link RecordTable}, table data_caches). */
public final class DataCacheRepository {
  private final RecordTable<DataCache> table;

  public DataCacheRepository(Database db) {
    // The table is created here rather than by a numbered migration (IF NOT EXISTS: idempotent).
    db.inTransaction(c -> {
      try (var st = c.createStatement()) {
        st.executeUpdate("CREATE TABLE IF NOT EXISTS data_caches (id TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
            + " region_id TEXT NOT NULL, data TEXT NOT NULL)");
        st.executeUpdate("CREATE INDEX IF NOT EXISTS data_caches_owner ON data_caches (account_id, region_id)");
      }
      return null;
    });
    this.table = new RecordTable<>(db, "data_caches", DataCache.class, "data cache", DataCache::id, DataCache::accountId,
        DataCache::regionId, DataCache::creationTime);
  }

  public Optional<DataCache> get(String id) {
    return table.get(id);
  }

  /** The caches of one account and region, oldest first. */
  public List<DataCache> list(String accountId, String regionId) {
    return table.list(accountId, regionId);
  }

  public List<DataCache> all() {
    return table.all();
  }

  public void insert(DataCache cache) {
    table.insert(cache);
  }

  /** Applies a change to a stored cache; empty when it no longer exists (deleted meanwhile). */
  public Optional<DataCache> modify(String id, UnaryOperator<DataCache> change) {
    return table.modify(id, change);
  }

  public boolean delete(String id) {
    return table.delete(id);
  }
}
