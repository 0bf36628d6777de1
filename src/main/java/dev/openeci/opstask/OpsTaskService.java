package dev.openeci.opstask;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.ContainerGroup;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.store.Database;
import dev.openeci.store.StoreException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateInstanceOpsTask / DescribeInstanceOpsRecords (docs/ops-tasks.md). {@code coredump}
 * ({@code enable} / {@code disable}) sets the core dump limit of every process running in the
 * group's containers now ({@link CoreLimits}); {@code tcpdump} is validated and refused
 * (Ops.TypeNotSupport): this server has no packet capture tool of its own. Records are kept in the
 * store (at most {@value #MAX_RECORDS} per group and type), visible only to the group's account.
 */
public final class OpsTaskService {
  private static final Logger log = LoggerFactory.getLogger(OpsTaskService.class);
  public static final String COREDUMP = "coredump";
  public static final String TCPDUMP = "tcpdump";
  static final int MAX_RECORDS = 20;

  private final Database db;
  private final ContainerRuntime runtime;
  private final BiFunction<String, String[], ContainerGroup> groups;
  private final InstantSource clock;
  private final ObjectMapper json = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** One ops record (the DescribeInstanceOpsRecords model). */
  public record Record(String groupId, String opsType, String opsStatus, String resultType, String resultContent,
      Instant createTime, Instant expireTime) {}

  /**
   * @param groups the caller's group: (groupId, {accountId, regionId}) -> group, or the ECI
   *     not-found error for an unknown group or another account's
   * @param runtime the local engine (null: the Kubernetes backend, where ops tasks are unsupported)
   */
  public OpsTaskService(Database db, ContainerRuntime runtime, BiFunction<String, String[], ContainerGroup> groups,
      InstantSource clock) {
    this.db = db;
    this.runtime = runtime;
    this.groups = groups;
    this.clock = clock;
    // Created here rather than by a numbered migration (merges with other branches' migrations).
    db.inTransaction(c -> {
      try (var st = c.createStatement()) {
        st.executeUpdate("CREATE TABLE IF NOT EXISTS ops_records (seq INTEGER PRIMARY KEY AUTOINCREMENT,"
            + " group_id TEXT NOT NULL, account_id TEXT NOT NULL, ops_type TEXT NOT NULL, data TEXT NOT NULL)");
        st.executeUpdate("CREATE INDEX IF NOT EXISTS ops_records_group ON ops_records (group_id, ops_type)");
      }
      return null;
    });
  }

  /** Validates the type and value, performs the task; returns ECI's Result text. */
  public String create(String accountId, String regionId, String groupId, String opsType, String opsValue) {
    if (opsType == null || opsType.isEmpty()) throw ErrorCode.missing("OpsType");
    if (opsValue == null || opsValue.isEmpty()) throw ErrorCode.missing("OpsValue");
    String type = opsType.toLowerCase(Locale.ROOT);
    switch (type) {
      case COREDUMP -> {
        String v = opsValue.toLowerCase(Locale.ROOT);
        if (!v.equals("enable") && !v.equals("disable")) {
          throw ErrorCode.invalid("OpsValue", "coredump takes enable or disable");
        }
        ContainerGroup g = groups.apply(groupId, new String[] {accountId, regionId});
        return coredump(g, v.equals("enable"));
      }
      case TCPDUMP -> {
        checkTcpdump(opsValue);
        groups.apply(groupId, new String[] {accountId, regionId});
        throw ErrorCode.OPS_TYPE_UNSUPPORTED.withMessage("OpsType tcpdump is not performed by this server: it has no"
            + " packet capture tool of its own. Capture from inside a container (e.g. an image with tcpdump and the"
            + " NET_RAW capability) instead (docs/ops-tasks.md).");
      }
      default -> throw ErrorCode.OPS_TYPE_UNSUPPORTED.withMessage("OpsType \"" + printable(opsType)
          + "\" is not supported; valid values: coredump, tcpdump.");
    }
  }

  /** ECI's tcpdump OpsValue: a JSON object with a boolean Enable (required) and filter fields. */
  static void checkTcpdump(String value) {
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(value);
    } catch (JsonProcessingException e) {
      n = null;
    }
    if (n == null || !n.isObject()) {
      throw ErrorCode.invalid("OpsValue", "tcpdump takes a JSON object, e.g. {\"Enable\":true}");
    }
    if (!n.has("Enable") || !n.get("Enable").isBoolean()) {
      throw ErrorCode.invalid("OpsValue", "tcpdump needs \"Enable\": true or false");
    }
  }

  private String coredump(ContainerGroup g, boolean enable) {
    if (runtime == null) {
      throw ErrorCode.UNSUPPORTED_OPERATION.withMessage("Ops tasks act on processes of the local engine; on the"
          + " Kubernetes backend the cluster's nodes hold them (docs/kubernetes.md).");
    }
    int processes = 0;
    int containers = 0;
    for (RuntimeContainer c : runtime.list(Map.of(Labels.GROUP_ID, g.id()))) {
      if (!c.running() || Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE))) continue;
      Long pid = runtime.pid(c.id()).orElse(null);
      if (pid == null) continue;
      containers++;
      for (int p : CoreLimits.tree(pid.intValue())) {
        if (CoreLimits.set(p, enable)) processes++;
      }
    }
    if (containers == 0) {
      throw ErrorCode.INCORRECT_STATUS.withMessage("The container group " + g.id() + " has no running container;"
          + " core dump settings apply to running processes.");
    }
    String pattern = CoreLimits.corePattern();
    String where = pattern.isEmpty() ? "as the host's kernel.core_pattern says"
        : pattern.startsWith("|") ? "to the host's core handler (kernel.core_pattern " + pattern + ")"
        : pattern.startsWith("/") ? "on the host at " + pattern + " (kernel.core_pattern)"
        : "in the crashing process's working directory inside its container, named " + pattern;
    String content = "core dumps " + (enable ? "enabled" : "disabled") + " for " + processes + " process(es) in "
        + containers + " container(s)" + (enable ? "; core files are written " + where : "")
        + "; containers started later use the engine's default limit";
    insert(g, new Record(g.id(), COREDUMP, "Ready", "LocalPath", content, clock.instant(), null));
    log.info("{}: coredump {} for {} process(es) in {} container(s)", g.id(), enable ? "enabled" : "disabled",
        processes, containers);
    return "Coredump settings has been configured successfully.";
  }

  private synchronized void insert(ContainerGroup g, Record r) {
    String data;
    try {
      data = json.writeValueAsString(r);
    } catch (JsonProcessingException e) {
      throw new StoreException("cannot serialize an ops record: " + e.getMessage(), e);
    }
    db.inTransaction(c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO ops_records (group_id, account_id, ops_type, data) VALUES (?,?,?,?)")) {
        ps.setString(1, g.id());
        ps.setString(2, g.accountId());
        ps.setString(3, r.opsType());
        ps.setString(4, data);
        ps.executeUpdate();
      }
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM ops_records WHERE group_id=? AND ops_type=? AND seq"
          + " NOT IN (SELECT seq FROM ops_records WHERE group_id=? AND ops_type=? ORDER BY seq DESC LIMIT ?)")) {
        ps.setString(1, g.id());
        ps.setString(2, r.opsType());
        ps.setString(3, g.id());
        ps.setString(4, r.opsType());
        ps.setInt(5, MAX_RECORDS);
        ps.executeUpdate();
      }
      return null;
    });
  }

  /** The group's records of {@code opsType} (any type when null), newest first. */
  public List<Record> records(String accountId, String regionId, String groupId, String opsType) {
    groups.apply(groupId, new String[] {accountId, regionId}); // the caller's group, or its NotFound
    String type = opsType == null || opsType.isEmpty() ? null : opsType.toLowerCase(Locale.ROOT);
    if (type != null && !type.equals(COREDUMP) && !type.equals(TCPDUMP)) {
      throw ErrorCode.OPS_TYPE_UNSUPPORTED.withMessage("OpsType \"" + printable(opsType)
          + "\" is not supported; valid values: coredump, tcpdump.");
    }
    return db.read(c -> {
      List<Record> out = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT data FROM ops_records WHERE group_id=? AND account_id=?"
          + (type == null ? "" : " AND ops_type=?") + " ORDER BY seq DESC")) {
        ps.setString(1, groupId);
        ps.setString(2, accountId);
        if (type != null) ps.setString(3, type);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            try {
              out.add(json.readValue(rs.getString(1), Record.class));
            } catch (JsonProcessingException e) {
              throw new StoreException("unreadable ops record: " + e.getMessage(), e);
            }
          }
        }
      }
      return out;
    });
  }

  private static String printable(String s) {
    String t = s.length() > 40 ? s.substring(0, 40) + "..." : s;
    return t.replaceAll("\\p{Cntrl}", "?");
  }
}
