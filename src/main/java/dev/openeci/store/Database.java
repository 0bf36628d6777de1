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
      "db/V3__group_requests.sql", "db/V4__image_caches.sql", "db/V5__nonces.sql"};

  private final Connection connection;
  private final ReentrantLock lock = new ReentrantLock();

  private Database(Connection connection) {
    this.connection = connection;
  }

  public static Database open(Path file) {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
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
      Database db = new Database(c);
      db.migrate();
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
