package dev.openeci.commit;

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

/** Commit tasks in SQLite ({@code commit_tasks}) with a write-through memory copy (the database first). */
public final class CommitTaskRepository {
  private final Database db;
  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
  private final Map<String, CommitTask> tasks = new ConcurrentHashMap<>();

  public CommitTaskRepository(Database db) {
    this.db = db;
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT data FROM commit_tasks");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          CommitTask t = read(rs.getString(1));
          tasks.put(t.id(), t);
        }
      }
      return null;
    });
  }

  private CommitTask read(String s) {
    try {
      return json.readValue(s, CommitTask.class);
    } catch (JsonProcessingException e) {
      throw new StoreException("unreadable commit task record: " + e.getMessage(), e);
    }
  }

  private String write(CommitTask t) {
    try {
      return json.writeValueAsString(t);
    } catch (JsonProcessingException e) {
      throw new StoreException("cannot serialize commit task " + t.id() + ": " + e.getMessage(), e);
    }
  }

  public Optional<CommitTask> get(String id) {
    return Optional.ofNullable(tasks.get(id));
  }

  /** The tasks of one account and region, oldest first (a stable order for NextToken). */
  public List<CommitTask> list(String accountId, String regionId) {
    return tasks.values().stream().filter(t -> t.accountId().equals(accountId) && t.regionId().equals(regionId))
        .sorted(Comparator.comparing(CommitTask::creationTime).thenComparing(CommitTask::id)).toList();
  }

  public List<CommitTask> all() {
    return List.copyOf(tasks.values());
  }

  public synchronized void insert(CommitTask t) {
    String data = write(t);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO commit_tasks (id, account_id, region_id, group_id, data) VALUES (?,?,?,?,?)")) {
        ps.setString(1, t.id());
        ps.setString(2, t.accountId());
        ps.setString(3, t.regionId());
        ps.setString(4, t.groupId());
        ps.setString(5, data);
        ps.executeUpdate();
      }
      return null;
    });
    tasks.put(t.id(), t);
  }

  /** Applies a change to a stored task; empty when there is none. */
  public synchronized Optional<CommitTask> modify(String id, UnaryOperator<CommitTask> change) {
    CommitTask cur = tasks.get(id);
    if (cur == null) return Optional.empty();
    CommitTask next = change.apply(cur);
    if (next.equals(cur)) return Optional.of(cur);
    String data = write(next);
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE commit_tasks SET data=? WHERE id=?")) {
        ps.setString(1, data);
        ps.setString(2, id);
        ps.executeUpdate();
      }
      return null;
    });
    tasks.put(id, next);
    return Optional.of(next);
  }
}
