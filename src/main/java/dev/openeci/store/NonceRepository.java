package dev.openeci.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Signature nonces within their replay window (table {@code nonces}, V5). Inserts are group
 * committed: concurrent callers' rows go into one transaction, written by whichever caller gets
 * the writer lock first, and every caller returns only once its own row is committed.
 */
public final class NonceRepository {
  /** One stored nonce: its digest, the AccessKey, and when it may be forgotten. */
  public record Row(String digest, String accessKeyId, Instant expiresAt) {}

  private final Database db;
  private final java.util.concurrent.locks.ReentrantLock writer = new java.util.concurrent.locks.ReentrantLock();
  private final Object lock = new Object();
  private List<Row> pending = new ArrayList<>();
  /** Rows added now go into the batch with this number. */
  private long batch;
  /** Every batch with a smaller number is committed. */
  private long committed;

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

  /** Durable when it returns (committed; the database runs in WAL mode). */
  public void insert(Row row) {
    long mine;
    synchronized (lock) {
      pending.add(row);
      mine = batch;
    }
    writer.lock();
    try {
      List<Row> rows;
      long number;
      synchronized (lock) {
        if (committed > mine) return; // another caller committed the batch holding this row
        rows = pending;
        pending = new ArrayList<>();
        number = batch++;
      }
      try {
        db.inTransaction(c -> {
          try (PreparedStatement s = c.prepareStatement(
              "INSERT OR REPLACE INTO nonces (digest, access_key_id, expires_at) VALUES (?, ?, ?)")) {
            for (Row r : rows) {
              s.setString(1, r.digest());
              s.setString(2, r.accessKeyId());
              s.setLong(3, r.expiresAt().toEpochMilli());
              s.addBatch();
            }
            s.executeBatch();
          }
          return null;
        });
      } catch (RuntimeException e) {
        synchronized (lock) {
          rows.addAll(pending); // the next writer retries them
          pending = rows;
        }
        throw e;
      }
      synchronized (lock) {
        committed = number + 1;
      }
    } finally {
      writer.unlock();
    }
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
