package dev.openeci.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Container groups, client tokens and events in SQLite, with a write-through cache: every change
 * is committed to the database first, then published to the cache, so Describe paths read memory
 * and a crash loses nothing that was acknowledged.
 */
public final class GroupRepository implements GroupStore {
  /** Events kept per group (ECI returns at most 50; keep a little slack for aggregation). */
  public static final int MAX_EVENTS_PER_GROUP = 100;

  private static final Comparator<ContainerGroup> ORDER =
      Comparator.comparing(ContainerGroup::creationTime).thenComparing(ContainerGroup::id);

  private final Database db;
  private final ObjectMapper json;
  private final Map<String, ContainerGroup> groups = new ConcurrentHashMap<>();
  /** Group ids in (creation time, id) order, the order of every listing. */
  private final java.util.concurrent.ConcurrentSkipListMap<OrderKey, String> order =
      new java.util.concurrent.ConcurrentSkipListMap<>();
  private final Map<String, List<GroupEvent>> events = new ConcurrentHashMap<>();

  public GroupRepository(Database db) {
    this.db = db;
    this.json = new ObjectMapper().registerModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    load();
  }

  private void load() {
    db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, account_id, region_id, spec_version, spec, state, creation_time, updated_time,"
              + " deletion_requested, restart_generation FROM container_groups");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ContainerGroup g = new ContainerGroup(rs.getString(1), rs.getString(2), rs.getString(3), rs.getLong(4),
              read(db.secrets().open(rs.getString(5), specContext(rs.getString(1))), GroupSpec.class),
              read(rs.getString(6), GroupState.class),
              Instant.parse(rs.getString(7)), Instant.parse(rs.getString(8)),
              rs.getString(9) == null ? null : Instant.parse(rs.getString(9)), rs.getLong(10));
          putGroup(g);
        }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT seq, group_id, type, reason, message, object, count, first_ts, last_ts FROM events ORDER BY seq");
          ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          GroupEvent e = new GroupEvent(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
              rs.getString(5), rs.getString(6), rs.getInt(7), Instant.parse(rs.getString(8)),
              Instant.parse(rs.getString(9)));
          events.computeIfAbsent(e.groupId(), k -> new ArrayList<>()).add(e);
        }
      }
      return null;
    });
    events.replaceAll((k, v) -> List.copyOf(v));
  }

  // --- reads (memory) ---------------------------------------------------------------------------

  @Override
  public Optional<ContainerGroup> get(String id) {
    return Optional.ofNullable(groups.get(id));
  }

  /**
   * Groups matching {@code filter}, oldest first (stable order for NextToken paging). Walks the
   * creation-order index, so a listing costs one filter test per group and no sort.
   */
  @Override
  public List<ContainerGroup> find(Predicate<ContainerGroup> filter) {
    List<ContainerGroup> out = new ArrayList<>();
    forEachInOrder(g -> {
      if (filter.test(g)) out.add(g);
    });
    return out;
  }

  /**
   * Walks an array of the groups' slots in creation order: no skip-list traversal and no map
   * lookup per group (a paged Describe with 10,000 groups walks them all for TotalCount). The
   * array changes only when a group is added or removed; a change of a group replaces the
   * record in its slot.
   */
  @Override
  public void forEachInOrder(java.util.function.Consumer<ContainerGroup> action) {
    for (Slot slot : ordered()) {
      ContainerGroup g = slot.group;
      if (g != null) action.accept(g);
    }
  }

  /** One group's current record; null once the group is deleted. */
  private static final class Slot {
    volatile ContainerGroup group;

    Slot(ContainerGroup group) {
      this.group = group;
    }
  }

  private record Snapshot(long version, Slot[] slots) {}

  private final Map<String, Slot> slots = new ConcurrentHashMap<>();
  /** Bumped after every addition or removal of a group (after the index changed). */
  private final java.util.concurrent.atomic.AtomicLong structure = new java.util.concurrent.atomic.AtomicLong();
  private volatile Snapshot snapshot = new Snapshot(-1, new Slot[0]);

  private Slot[] ordered() {
    long v = structure.get();
    Snapshot s = snapshot;
    if (s.version() == v) return s.slots();
    // Built after reading v: it holds at least every change up to v; a later change bumps the
    // version again, so the next listing rebuilds.
    List<Slot> out = new ArrayList<>(slots.size());
    for (String id : order.values()) {
      Slot slot = slots.get(id);
      if (slot != null) out.add(slot);
    }
    s = new Snapshot(v, out.toArray(Slot[]::new));
    snapshot = s;
    return s.slots();
  }

  private void putGroup(ContainerGroup g) {
    // Creation time never changes, so a group's place in the index is fixed when it first appears.
    Slot existing = slots.putIfAbsent(g.id(), new Slot(g));
    if (existing != null) existing.group = g;
    if (groups.put(g.id(), g) == null) {
      order.put(new OrderKey(g.creationTime(), g.id()), g.id());
      structure.incrementAndGet();
    }
  }

  private record OrderKey(Instant creationTime, String id) implements Comparable<OrderKey> {
    @Override
    public int compareTo(OrderKey o) {
      int c = creationTime.compareTo(o.creationTime);
      return c != 0 ? c : id.compareTo(o.id);
    }
  }

  /** The groups among {@code ids} matching {@code filter}, oldest first (same order as {@link #find}). */
  @Override
  public List<ContainerGroup> findAmong(java.util.Collection<String> ids, Predicate<ContainerGroup> filter) {
    List<ContainerGroup> out = new ArrayList<>(ids.size());
    for (String id : ids) {
      ContainerGroup g = groups.get(id);
      if (g != null && filter.test(g)) out.add(g);
    }
    out.sort(ORDER);
    return out;
  }

  @Override
  public List<ContainerGroup> all() {
    return List.copyOf(groups.values());
  }

  /** Events of a group, oldest first. */
  @Override
  public List<GroupEvent> events(String groupId) {
    return events.getOrDefault(groupId, List.of());
  }

  // --- writes (database, then memory) -------------------------------------------------------------

  @Override
  public Optional<TokenUse> findToken(String accountId, String regionId, String action, String token) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT resource_id, request_hash FROM client_tokens"
          + " WHERE account_id=? AND region_id=? AND action=? AND token=?")) {
        ps.setString(1, accountId);
        ps.setString(2, regionId);
        ps.setString(3, action);
        ps.setString(4, token);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(new TokenUse(rs.getString(1), rs.getString(2))) : Optional.empty();
        }
      }
    });
  }

  /** As {@link #create(ContainerGroup, String, String)}, also keeping the request's parameters (for updates). */
  @Override
  public TokenUse create(ContainerGroup g, String clientToken, String requestHash, Map<String, String> params) {
    TokenUse result = db.inTransaction(c -> {
      if (clientToken != null) {
        try (PreparedStatement ps = c.prepareStatement("SELECT resource_id, request_hash FROM client_tokens"
            + " WHERE account_id=? AND region_id=? AND action=? AND token=?")) {
          ps.setString(1, g.accountId());
          ps.setString(2, g.regionId());
          ps.setString(3, "CreateContainerGroup");
          ps.setString(4, clientToken);
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next()) return new TokenUse(rs.getString(1), rs.getString(2));
          }
        }
        insertToken(c, g.accountId(), g.regionId(), "CreateContainerGroup", clientToken, requestHash, g.id(),
            g.creationTime());
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO container_groups (id, account_id, region_id, name,"
          + " spec_version, spec, state, creation_time, updated_time, deletion_requested) VALUES (?,?,?,?,?,?,?,?,?,?)")) {
        ps.setString(1, g.id());
        ps.setString(2, g.accountId());
        ps.setString(3, g.regionId());
        ps.setString(4, g.spec().name());
        ps.setLong(5, g.specVersion());
        ps.setString(6, sealedSpec(g));
        ps.setString(7, write(g.state()));
        ps.setString(8, g.creationTime().toString());
        ps.setString(9, g.updatedTime().toString());
        ps.setString(10, null);
        ps.executeUpdate();
      }
      writeParams(c, g.id(), params);
      return new TokenUse(g.id(), requestHash);
    });
    if (result.resourceId().equals(g.id())) putGroup(g);
    return result;
  }

  /**
   * Read-modify-write of one group, serialized with every other modification, so the worker's
   * state writes and the API's deletion mark never overwrite each other. Returns the stored
   * result, or empty when the group is gone. {@code change} returning its input writes nothing.
   */
  @Override
  public synchronized Optional<ContainerGroup> modify(String id, java.util.function.UnaryOperator<ContainerGroup> change) {
    ContainerGroup current = groups.get(id);
    if (current == null) return Optional.empty();
    ContainerGroup next = change.apply(current);
    if (next != current && !next.equals(current)) update(next);
    return Optional.of(next);
  }

  /** Stores a group's new observed state (and deletion mark). */
  private void update(ContainerGroup g) {
    db.inTransaction(c -> {
      writeGroup(c, g);
      return null;
    });
    putGroup(g);
  }

  private void writeGroup(Connection c, ContainerGroup g) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("UPDATE container_groups SET spec_version=?, spec=?, state=?,"
        + " updated_time=?, deletion_requested=?, restart_generation=? WHERE id=?")) {
      ps.setLong(1, g.specVersion());
      ps.setString(2, sealedSpec(g));
      ps.setString(3, write(g.state()));
      ps.setString(4, g.updatedTime().toString());
      ps.setString(5, g.deletionRequested() == null ? null : g.deletionRequested().toString());
      ps.setLong(6, g.restartGeneration());
      ps.setString(7, g.id());
      if (ps.executeUpdate() != 1) throw new SQLException("container group " + g.id() + " is gone");
    }
  }

  /** Records a ClientToken's first use (a concurrent identical retry that got here first wins). */
  private static void insertToken(Connection c, String accountId, String regionId, String action, String token,
      String requestHash, String resourceId, Instant at) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO client_tokens"
        + " (account_id, region_id, action, token, request_hash, resource_id, created_at) VALUES (?,?,?,?,?,?,?)")) {
      ps.setString(1, accountId);
      ps.setString(2, regionId);
      ps.setString(3, action);
      ps.setString(4, token);
      ps.setString(5, requestHash);
      ps.setString(6, resourceId);
      ps.setString(7, at.toString());
      ps.executeUpdate();
    }
  }

  /**
   * TagResources / UntagResources: the spec's tags and the Tag.N entries of the stored request
   * parameters in one transaction (so UpdateContainerGroup merges into the new tags), under the
   * same lock as every other modification.
   */
  @Override
  public synchronized Optional<ContainerGroup> retag(String id,
      java.util.function.UnaryOperator<List<dev.openeci.group.Tag>> change, Instant now) {
    ContainerGroup current = groups.get(id);
    if (current == null) return Optional.empty();
    List<dev.openeci.group.Tag> tags = List.copyOf(change.apply(current.spec().tags()));
    if (tags.equals(current.spec().tags())) return Optional.of(current);
    ContainerGroup next = current.withTags(tags, now);
    Map<String, String> stored = requestParams(id);
    Map<String, String> params = new java.util.TreeMap<>(stored);
    params.keySet().removeIf(k -> k.matches("(?i)Tag\\.\\d+\\..*"));
    for (int i = 0; i < tags.size(); i++) {
      params.put("Tag." + (i + 1) + ".Key", tags.get(i).key());
      params.put("Tag." + (i + 1) + ".Value", tags.get(i).value() == null ? "" : tags.get(i).value());
    }
    db.inTransaction(c -> {
      writeGroup(c, next);
      // groups stored before parameters were kept have none: UpdateContainerGroup rebuilds them
      if (!stored.isEmpty()) writeParams(c, id, params);
      return null;
    });
    putGroup(next);
    return Optional.of(next);
  }

  /** The group's request parameters as last merged (empty for groups stored before they were kept). */
  @Override
  public Map<String, String> requestParams(String id) {
    return db.read(c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT params FROM group_requests WHERE group_id=?")) {
        ps.setString(1, id);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) return Map.<String, String>of();
          return json.readValue(db.secrets().open(rs.getString(1), paramsContext(id)),
              new com.fasterxml.jackson.core.type.TypeReference<
              java.util.TreeMap<String, String>>() {});
        } catch (java.io.IOException e) {
          throw new SQLException("unreadable parameters of " + id, e);
        }
      }
    });
  }

  /**
   * UpdateContainerGroup in one transaction: the new spec (version + 1, status Updating), the
   * merged parameters and the client token. {@code check} runs under the group lock against the
   * current record and throws to refuse (wrong status, nothing to change). Returns the new record.
   */
  @Override
  public synchronized ContainerGroup update(String id, String accountId, String regionId, GroupSpec spec,
      Map<String, String> params, String clientToken, String requestHash,
      java.util.function.Consumer<ContainerGroup> check, Instant now) {
    ContainerGroup current = groups.get(id);
    if (current == null) throw new StoreException("container group " + id + " is gone", null);
    check.accept(current);
    ContainerGroup next = new ContainerGroup(id, current.accountId(), current.regionId(), current.specVersion() + 1,
        spec, current.state().withStatus(dev.openeci.group.GroupStatus.Updating), current.creationTime(), now,
        current.deletionRequested(), current.restartGeneration());
    db.inTransaction(c -> {
      writeGroup(c, next);
      writeParams(c, id, params);
      if (clientToken != null) {
        insertToken(c, accountId, regionId, "UpdateContainerGroup", clientToken, requestHash, id, now);
      }
      return null;
    });
    putGroup(next);
    return next;
  }

  /**
   * The spec holds registry passwords and environment values, the request parameters hold them as
   * sent: both are stored sealed ({@link SecretBox}), bound to their row.
   */
  private String sealedSpec(ContainerGroup g) {
    return db.secrets().seal(write(g.spec()), specContext(g.id()));
  }

  static String specContext(String id) {
    return SecretBox.context("container_groups", "spec", id);
  }

  static String paramsContext(String id) {
    return SecretBox.context("group_requests", "params", id);
  }

  private void writeParams(java.sql.Connection c, String id, Map<String, String> params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "INSERT INTO group_requests (group_id, params) VALUES (?, ?) ON CONFLICT(group_id) DO UPDATE SET params=excluded.params")) {
      ps.setString(1, id);
      ps.setString(2, db.secrets().seal(write(new java.util.TreeMap<>(params)), paramsContext(id)));
      ps.executeUpdate();
    }
  }

  /** Removes a group, its events and its client tokens. */
  @Override
  public synchronized void delete(String id) {
    db.inTransaction(c -> {
      exec(c, "DELETE FROM group_requests WHERE group_id=?", id);
      exec(c, "DELETE FROM container_groups WHERE id=?", id);
      exec(c, "DELETE FROM events WHERE group_id=?", id);
      exec(c, "DELETE FROM client_tokens WHERE resource_id=?", id);
      return null;
    });
    ContainerGroup gone = groups.remove(id);
    if (gone != null) {
      Slot slot = slots.remove(id);
      if (slot != null) slot.group = null;
      order.remove(new OrderKey(gone.creationTime(), id)); // O(log n), not a walk of the index
      structure.incrementAndGet();
    }
    events.remove(id);
  }

  /**
   * Records an event, aggregating it into the latest one with the same object, reason and message
   * (count + 1, new last timestamp), like the kubelet's event correlator.
   */
  @Override
  public GroupEvent recordEvent(String groupId, String type, String reason, String message, String object,
      Instant now) {
    synchronized (events) {
      List<GroupEvent> list = events.getOrDefault(groupId, List.of());
      GroupEvent same = null;
      for (int i = list.size() - 1; i >= 0; i--) {
        GroupEvent e = list.get(i);
        if (e.reason().equals(reason) && e.message().equals(message) && e.object().equals(object)
            && e.type().equals(type)) {
          same = e;
          break;
        }
      }
      GroupEvent result;
      List<GroupEvent> next = new ArrayList<>(list);
      if (same != null) {
        GroupEvent old = same;
        result = new GroupEvent(old.seq(), groupId, type, reason, message, object, old.count() + 1,
            old.firstTimestamp(), now);
        db.inTransaction(c -> {
          try (PreparedStatement ps = c.prepareStatement("UPDATE events SET count=?, last_ts=? WHERE seq=?")) {
            ps.setInt(1, result.count());
            ps.setString(2, now.toString());
            ps.setLong(3, old.seq());
            ps.executeUpdate();
          }
          return null;
        });
        next.remove(old);
        next.add(result);
      } else {
        long seq = db.inTransaction(c -> {
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO events (group_id, type, reason, message, object,"
              + " count, first_ts, last_ts) VALUES (?,?,?,?,?,1,?,?)")) {
            ps.setString(1, groupId);
            ps.setString(2, type);
            ps.setString(3, reason);
            ps.setString(4, message);
            ps.setString(5, object);
            ps.setString(6, now.toString());
            ps.setString(7, now.toString());
            ps.executeUpdate();
          }
          long id;
          try (ResultSet rs = c.createStatement().executeQuery("SELECT last_insert_rowid()")) {
            id = rs.getLong(1);
          }
          if (next.size() >= MAX_EVENTS_PER_GROUP) {
            exec(c, "DELETE FROM events WHERE group_id=? AND seq<=?", groupId, next.get(0).seq());
          }
          return id;
        });
        result = new GroupEvent(seq, groupId, type, reason, message, object, 1, now, now);
        if (next.size() >= MAX_EVENTS_PER_GROUP) next.remove(0);
        next.add(result);
      }
      events.put(groupId, List.copyOf(next));
      return result;
    }
  }

  private static void exec(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
      ps.executeUpdate();
    }
  }

  private String write(Object o) {
    try {
      return json.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize " + o.getClass().getSimpleName(), e);
    }
  }

  private <T> T read(String s, Class<T> type) {
    try {
      return json.readValue(s, type);
    } catch (JsonProcessingException e) {
      throw new StoreException("corrupt " + type.getSimpleName() + " in database: " + e.getOriginalMessage(), e);
    }
  }
}
