package dev.openeci.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Signature nonces within their replay window (table {@code nonces}, V5). */
public final class NonceRepository {
  /** One stored nonce: its digest, the AccessKey, and when it may be forgotten. */
  public record Row(String digest, String accessKeyId, Instant expiresAt) {}

  private final Database db;

  public NonceRepository(Database db) {
    this.db = db;
  }

  /** Rows that expire after {@code now}. */
  public List<Row> unexpired(Instant now) {
    return db.read(c -> {
      List<Row> out = new ArrayList<>();
      try (PreparedStatement s = c.prepareStatement(
          "SELECT digest, access_key_id, expires_at FROM nonces WHERE expires_at > ? ORDER BY expires_at")) {
        s.setLong(1, now.toEpochMilli());
        try (ResultSet r = s.executeQuery()) {
          while (r.next()) out.add(new Row(r.getString(1), r.getString(2), Instant.ofEpochMilli(r.getLong(3))));
        }
      }
      return out;
    });
  }

  /** Durable when it returns (autocommit; the database runs in WAL mode). */
  public void insert(Row row) {
    db.read(c -> {
      try (PreparedStatement s = c.prepareStatement(
          "INSERT OR REPLACE INTO nonces (digest, access_key_id, expires_at) VALUES (?, ?, ?)")) {
        s.setString(1, row.digest());
        s.setString(2, row.accessKeyId());
        s.setLong(3, row.expiresAt().toEpochMilli());
        return s.executeUpdate();
      }
    });
  }

  public int deleteExpired(Instant now) {
    return db.read(c -> {
      try (PreparedStatement s = c.prepareStatement("DELETE FROM nonces WHERE expires_at <= ?")) {
        s.setLong(1, now.toEpochMilli());
        return s.executeUpdate();
      }
    });
  }
}
