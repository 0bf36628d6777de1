package dev.openeci.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * AccessKey pairs (id, secret, owning account). The database file is mode 0600 and the secret is
 * stored encrypted ({@link SecretBox}).
 *
 * <p>Every signed request looks its key up, so keys found are kept in memory for
 * {@link #CACHE_NANOS} (writes through this repository update the memory at once). Unknown ids
 * always ask the database: {@code openeci accesskey create} adds keys from another process while
 * the server runs, and they must work at once.
 */
public final class AccessKeyRepository {
  public record AccessKey(String accessKeyId, String secret, String accountId) {
    @Override
    public String toString() {
      return "AccessKey[" + accessKeyId + ", account=" + accountId + ", secret=***]";
    }
  }

  /** How long a key found stays in memory before the database is asked again. */
  public static final long CACHE_NANOS = 60_000_000_000L;

  private record Cached(AccessKey key, long loadedAt) {}

  private final Database db;
  private final LongSupplier nanoTime;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  public AccessKeyRepository(Database db) {
    this(db, System::nanoTime);
  }

  AccessKeyRepository(Database db, LongSupplier nanoTime) {
    this.db = db;
    this.nanoTime = nanoTime;
  }

  public Optional<AccessKey> find(String accessKeyId) {
    long now = nanoTime.getAsLong();
    Cached c = cache.get(accessKeyId);
    if (c != null && now - c.loadedAt() < CACHE_NANOS) return Optional.of(c.key());
    Optional<AccessKey> found = load(accessKeyId);
    if (found.isPresent()) cache.put(accessKeyId, new Cached(found.get(), now));
    else cache.remove(accessKeyId);
    return found;
  }

  private Optional<AccessKey> load(String accessKeyId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT access_key_id, secret, account_id FROM access_keys WHERE access_key_id=?")) {
        ps.setString(1, accessKeyId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new AccessKey(rs.getString(1),
              db.secrets().open(rs.getString(2), context(rs.getString(1))), rs.getString(3))) : Optional.empty();
        }
      }
    });
  }

  /** Secrets are stored sealed with the server's key ({@link SecretBox}), bound to their key id. */
  static String context(String accessKeyId) {
    return SecretBox.context("access_keys", "secret", accessKeyId);
  }

  /** Inserts or replaces a key. */
  public void put(AccessKey key, Instant now) {
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO access_keys (access_key_id, secret, account_id,"
          + " created_at) VALUES (?,?,?,?) ON CONFLICT(access_key_id) DO UPDATE SET secret=excluded.secret,"
          + " account_id=excluded.account_id")) {
        ps.setString(1, key.accessKeyId());
        ps.setString(2, db.secrets().seal(key.secret(), context(key.accessKeyId())));
        ps.setString(3, key.accountId());
        ps.setString(4, now.toString());
        ps.executeUpdate();
      }
      return null;
    });
    cache.put(key.accessKeyId(), new Cached(key, nanoTime.getAsLong()));
  }
}
