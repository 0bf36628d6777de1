package dev.openeci.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.Optional;

/** AccessKey pairs (id, secret, owning account). The database file is mode 0600. */
public final class AccessKeyRepository {
  public record AccessKey(String accessKeyId, String secret, String accountId) {
    @Override
    public String toString() {
      return "AccessKey[" + accessKeyId + ", account=" + accountId + ", secret=***]";
    }
  }

  private final Database db;

  public AccessKeyRepository(Database db) {
    this.db = db;
  }

  public Optional<AccessKey> find(String accessKeyId) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT access_key_id, secret, account_id FROM access_keys WHERE access_key_id=?")) {
        ps.setString(1, accessKeyId);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new AccessKey(rs.getString(1), rs.getString(2), rs.getString(3)))
              : Optional.empty();
        }
      }
    });
  }

  /** Inserts or replaces a key. */
  public void put(AccessKey key, Instant now) {
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO access_keys (access_key_id, secret, account_id,"
          + " created_at) VALUES (?,?,?,?) ON CONFLICT(access_key_id) DO UPDATE SET secret=excluded.secret,"
          + " account_id=excluded.account_id")) {
        ps.setString(1, key.accessKeyId());
        ps.setString(2, key.secret());
        ps.setString(3, key.accountId());
        ps.setString(4, now.toString());
        ps.executeUpdate();
      }
      return null;
    });
  }
}
