package dev.openeci.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded SQLite database: one connection, serialized by a lock (SQLite has a single writer
 * anyway; reads are served from the repositories' caches). Applies versioned migrations
 * {@code db/V<n>__*.sql} from the classpath at open, each in its own transaction.
 */
public final class Database implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Database.class);
  /** Migrations in order; add a file and a line here to evolve the schema. */
  private static final String[] MIGRATIONS = {"db/V1__initial.sql", "db/V2__restart_generation.sql",
      "db/V3__group_requests.sql", "db/V4__image_caches.sql", "db/V5__nonces.sql",
      "db/V6__commit_tasks.sql"};

  /** Columns stored sealed: table, row key column, value column (contexts as the repositories bind them). */
  static final String[][] SEALED = {{"access_keys", "access_key_id", "secret"}, {"container_groups", "id", "spec"},
      {"group_requests", "group_id", "params"}};

  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();
  private SecretBox secrets;

  private Database(Connection connection) {
    this.connection = connection;
  }

  /** The database with its secret key beside it ({@code secret.key}, or {@code OPENECI_SECRET_KEY_FILE}). */
  public static Database open(Path file) {
    return open(file, SecretBox.keyFile(file.toAbsolutePath().getParent(), System.getenv()));
  }

  /** The sealer of this database's secret columns. */
  public SecretBox secrets() {
    return secrets;
  }

  /**
   * Opens (creating) the database, migrates it, and seals every secret still stored in plain text
   * (databases of earlier versions) with the key in {@code keyFile}, created on first start. A
   * missing key file with sealed rows in the database is an error: a new key could not open them.
   */
  public static Database open(Path file, Path keyFile) {
    try {
      Path dir = file.toAbsolutePath().getParent();
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
      tighten(dir, "rwx------");
      if (Files.exists(file)) tighten(file, "rw-------");
      if (!Files.exists(file)) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      Connection c = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA journal_mode=WAL");
        s.execute("PRAGMA synchronous=NORMAL");
        s.execute("PRAGMA foreign_keys=ON");
        s.execute("PRAGMA busy_timeout=5000");
      }
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA secure_delete=ON"); // replaced values (plaintext before sealing) are zeroed
      }
      Database db = new Database(c);
      db.migrate();
      if (!Files.exists(keyFile) && db.hasSealed()) {
        c.close();
        throw new StoreException("the database " + file + " holds encrypted secrets but the secret key file " + keyFile
            + " does not exist: restore it (serve --secret-key-file / " + SecretBox.KEY_FILE_ENV + ")", null);
      }
      db.secrets = SecretBox.open(keyFile);
      db.sealPlaintext();
      return db;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create database file " + file, e);
    } catch (SQLException e) {
      throw new StoreException("cannot open database " + file + ": " + e.getMessage(), e);
    }
  }

  private void migrate() throws SQLException {
    int current;
    try (Statement s = connection.createStatement()) {
      current = s.executeQuery("PRAGMA user_version").getInt(1);
    }
    for (int v = current + 1; v <= MIGRATIONS.length; v++) {
      String sql = resource(MIGRATIONS[v - 1]);
      final int version = v;
      inTransaction(c -> {
        try (Statement s = c.createStatement()) {
          for (String stmt : sql.split(";\\s*\\n")) {
            String trimmed = stripComments(stmt).trim();
            if (!trimmed.isEmpty()) s.execute(trimmed);
          }
          s.execute("PRAGMA user_version = " + version);
        }
        return null;
      });
      log.info("database schema migrated to version {}", v);
    }
  }

  /**
   * The data directory and the database are the server's alone (docs/security.md): a directory or
   * file an earlier version made with wider modes is narrowed (a warning says so).
   */
  static void tighten(Path p, String mode) {
    try {
      var want = PosixFilePermissions.fromString(mode);
      var have = Files.getPosixFilePermissions(p);
      if (!have.equals(want) && have.containsAll(want)) {
        Files.setPosixFilePermissions(p, want);
        log.warn("{} was mode {}; narrowed to {}", p, PosixFilePermissions.toString(have), mode);
      }
    } catch (UnsupportedOperationException | IOException e) {
      log.warn("cannot check the mode of {}: {}", p, e.toString());
    }
  }

  private boolean hasSealed() {
    return read(c -> {
      for (String[] t : SEALED) {
        try (var ps = c.prepareStatement("SELECT 1 FROM " + t[0] + " WHERE " + t[2] + " LIKE 'enc1:%' LIMIT 1");
            var rs = ps.executeQuery()) {
          if (rs.next()) return true;
        }
      }
      return false;
    });
  }

  /** Seals the secret columns of rows written by earlier versions, in one transaction. */
  private void sealPlaintext() {
    int n = inTransaction(c -> {
      int count = 0;
      for (String[] t : SEALED) {
        java.util.Map<String, String> plain = new java.util.LinkedHashMap<>();
        try (var ps = c.prepareStatement("SELECT " + t[1] + ", " + t[2] + " FROM " + t[0] + " WHERE " + t[2]
            + " NOT LIKE 'enc1:%'"); var rs = ps.executeQuery()) {
          while (rs.next()) plain.put(rs.getString(1), rs.getString(2));
        }
        try (var ps = c.prepareStatement("UPDATE " + t[0] + " SET " + t[2] + "=? WHERE " + t[1] + "=?")) {
          for (var e : plain.entrySet()) {
            ps.setString(1, secrets.seal(e.getValue(), SecretBox.context(t[0], t[2], e.getKey())));
            ps.setString(2, e.getKey());
            ps.executeUpdate();
            count++;
          }
        }
      }
      return count;
    });
    if (n > 0) {
      read(c -> {
        try (Statement s = c.createStatement()) {
          s.execute("PRAGMA wal_checkpoint(TRUNCATE)"); // no plaintext page left in the log either
        }
        return null;
      });
      log.info("encrypted {} secrets stored in plain text by an earlier version (key file {})", n, secrets.file());
    }
  }

  private static String stripComments(String stmt) {
    StringBuilder b = new StringBuilder();
    for (String line : stmt.split("\n")) {
      if (!line.trim().startsWith("--")) b.append(line).append('\n');
    }
    return b.toString();
  }

  private static String resource(String name) {
    try (InputStream in = Database.class.getClassLoader().getResourceAsStream(name)) {
      if (in == null) throw new IllegalStateException("missing migration " + name);
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Work that runs with the connection. */
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  /** Runs {@code work} in one transaction; rolls back on any failure. */
  public <T> T inTransaction(Work<T> work) {
    lock.lock();
    try {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      } finally {
        connection.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("database error: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /** Runs a read (or a single autocommit statement). */
  public <T> T read(Work<T> work) {
    lock.lock();
    try {
      return work.run(connection);
    } catch (SQLException e) {
      throw new StoreException("database error: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      connection.close();
    } catch (SQLException e) {
      log.warn("closing database: {}", e.getMessage());
    } finally {
      lock.unlock();
    }
  }
}
