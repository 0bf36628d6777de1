package dev.openeci.imagecache;

import dev.openeci.store.Database;
import dev.openeci.store.RecordTable;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** Image caches in SQLite with a write-through memory copy ({@link RecordTable}, table image_caches). */
public final class ImageCacheRepository {
  private final RecordTable<ImageCache> table;

  public ImageCacheRepository(Database db) {
    this.table = new RecordTable<>(db, "image_caches", ImageCache.class, "image cache", ImageCache::id, ImageCache::accountId,
        ImageCache::regionId, ImageCache::creationTime);
  }

  public Optional<ImageCache> get(String id) {
    return table.get(id);
  }

  /** The caches of one account and region, oldest first. */
  public List<ImageCache> list(String accountId, String regionId) {
    return table.list(accountId, regionId);
  }

  public List<ImageCache> all() {
    return table.all();
  }

  public void insert(ImageCache cache) {
    table.insert(cache);
  }

  /** Applies a change to a stored cache; empty when it no longer exists (deleted meanwhile). */
  public Optional<ImageCache> modify(String id, UnaryOperator<ImageCache> change) {
    return table.modify(id, change);
  }

  public boolean delete(String id) {
    return table.delete(id);
  }
}
