package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.datacache.DataCachePolicy;
import dev.openeci.datacache.DataCacheRepository;
import dev.openeci.datacache.DataCacheService;
import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.opstask.OpsTaskService;
import dev.openeci.store.Database;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The data cache, ops task and virtual node actions answer every bad request with a documented 4xx
 * code (never a 500, never InvalidAction.NotFound).
 */
class DataCacheOpsActionsTest {
  @TempDir
  Path tmp;

  static Object call(ActionHandler h, String account, Map<String, String> params) {
    return h.handle(new ActionContext("req", account, "cn-hangzhou", new ParamReader(params)));
  }

  static String codeOf(Runnable r) {
    try {
      r.run();
      return "OK";
    } catch (ApiException e) {
      assertThat(e.httpStatus()).isLessThan(500);
      return e.code();
    }
  }

  static Stream<Arguments> virtualNodes() {
    return Stream.of(Arguments.of("CreateVirtualNode", Map.of(), "MissingParameter"),
        Arguments.of("CreateVirtualNode", Map.of("SecurityGroupId", "sg-1", "VSwitchId", "vsw-1"), "MissingParameter"),
        Arguments.of("CreateVirtualNode", Map.of("SecurityGroupId", "sg-1", "VSwitchId", "vsw-1", "KubeConfig", "x"),
            "UnsupportedOperation.VirtualNode"),
        Arguments.of("DeleteVirtualNode", Map.of(), "MissingParameter"),
        Arguments.of("DeleteVirtualNode", Map.of("VirtualNodeId", "vnd-1"), "UnsupportedOperation.VirtualNode"),
        Arguments.of("UpdateVirtualNode", Map.of(), "MissingParameter"),
        Arguments.of("UpdateVirtualNode", Map.of("VirtualNodeId", "vnd-1"), "UnsupportedOperation.VirtualNode"),
        Arguments.of("DescribeVirtualNodes", Map.of(), "UnsupportedOperation.VirtualNode"));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("virtualNodes")
  void virtualNodesNeedACluster(String action, Map<String, String> params, String code) {
    ActionHandler h = VirtualNodeActions.all().stream().filter(a -> a.action().equals(action)).findFirst().orElseThrow();
    assertThat(codeOf(() -> call(h, "acct", params))).isEqualTo(code);
  }

  @Test
  void opsTasksValidateTypeValueAndOwner() throws Exception {
    try (Database db = Database.open(tmp.resolve("openeci.db"))) {
      OpsTaskService ops = new OpsTaskService(db, null, (id, owner) -> {
        if (!id.equals("eci-mine") || !owner[0].equals("acct")) throw ErrorCode.CONTAINER_GROUP_NOT_FOUND.exception();
        return null;
      }, InstantSource.system());
      List<ActionHandler> hs = OpsTaskActions.all(ops);
      ActionHandler create = hs.get(0);
      ActionHandler describe = hs.get(1);
      Map<String, String> ok = Map.of("ContainerGroupId", "eci-mine");
      record Case(Map<String, String> extra, String code) {}
      List<Case> cases = List.of(new Case(Map.of(), "MissingParameter"),
          new Case(Map.of("OpsType", "coredump"), "MissingParameter"),
          new Case(Map.of("OpsType", "coredump", "OpsValue", "maybe"), "InvalidParameter"),
          new Case(Map.of("OpsType", "tcpdump", "OpsValue", "{not json"), "InvalidParameter"),
          new Case(Map.of("OpsType", "tcpdump", "OpsValue", "{\"Enable\":\"yes\"}"), "InvalidParameter"),
          new Case(Map.of("OpsType", "tcpdump", "OpsValue", "{\"Enable\":true}"), "Ops.TypeNotSupport"),
          new Case(Map.of("OpsType", "strace", "OpsValue", "x"), "Ops.TypeNotSupport"),
          // the Kubernetes backend (no local engine): a documented error, not a 500
          new Case(Map.of("OpsType", "coredump", "OpsValue", "enable"), "UnsupportedOperation"));
      for (Case c : cases) {
        Map<String, String> p = new HashMap<>(ok);
        p.putAll(c.extra());
        assertThat(codeOf(() -> call(create, "acct", p))).as(c.toString()).isEqualTo(c.code());
      }
      assertThat(codeOf(() -> call(create, "other", Map.of("ContainerGroupId", "eci-mine", "OpsType", "coredump",
          "OpsValue", "enable")))).isEqualTo("InvalidParameter.NotFound");
      assertThat(codeOf(() -> call(describe, "other", Map.of("ContainerGroupId", "eci-mine", "OpsType", "coredump"))))
          .isEqualTo("InvalidParameter.NotFound");
      assertThat(codeOf(() -> call(describe, "acct", Map.of()))).isEqualTo("MissingParameter");
      assertThat(call(describe, "acct", Map.of("ContainerGroupId", "eci-mine", "OpsType", "coredump")))
          .isEqualTo(new OpsTaskActions.DescribeResponse(List.of()));
    }
  }

  @Test
  void dataCacheActionsNeverAnswer500() throws Exception {
    try (Database db = Database.open(tmp.resolve("openeci.db"));
        DataCacheService s = new DataCacheService(new DataCacheRepository(db), DataCachePolicy.DEFAULT, tmp,
            InstantSource.system())) {
      List<ActionHandler> hs = DataCacheActions.all(s, List.of("cn-hangzhou"));
      List<Map<String, String>> inputs = new ArrayList<>(List.of(Map.of(), Map.of("DataCacheId", "edc-nope"),
          Map.of("DataCacheId", "../../etc"), Map.of("DataCacheId", "edc-x", "DestinationRegionId", "mars-1"),
          Map.of("Path", "/a", "Limit", "0"), Map.of("Limit", "21"), Map.of("NextToken", "-5"),
          Map.of("NextToken", "abc"), Map.of("Path", "/a", "DataSource.Type", "HostPath",
              "DataSource.Options.path", "/etc"),
          Map.of("Path", "/a", "DataSource.Type", "URL", "DataSource.Options.url", "http://127.0.0.1/x"),
          Map.of("Path", "/a", "DataSource.Type", "URL", "DataSource.Options", "[1,2]"),
          Map.of("Path", "/a", "DataSource.Type", "URL", "DataSource.Options.url.x", "y"),
          Map.of("DataCacheId", "edc-x", "Path", "relative"), Map.of("Path", "/a\u0001")));
      for (ActionHandler h : hs) {
        for (Map<String, String> in : inputs) {
          String code = codeOf(() -> call(h, "acct", in));
          assertThat(code).as(h.action() + " " + in).isNotEqualTo("InternalError");
        }
      }
      ActionHandler create = hs.get(0);
      assertThat(codeOf(() -> call(create, "acct", Map.of("Path", "/a", "DataSource.Type", "HostPath",
          "DataSource.Options.path", "/etc")))).isEqualTo("Forbidden.DataCacheSource");
      ActionHandler delete = hs.get(3);
      assertThat(codeOf(() -> call(delete, "acct", Map.of("DataCacheId", "edc-nope")))).isEqualTo("DataCache.NotFound");
      // the Kubernetes backend: writing actions are UnsupportedOperation, Describe is empty
      List<ActionHandler> none = DataCacheActions.all(null, List.of("cn-hangzhou"));
      assertThat(codeOf(() -> call(none.get(0), "acct", Map.of("Path", "/a", "DataSource.Type", "URL",
          "DataSource.Options.url", "https://example.com/x")))).isEqualTo("UnsupportedOperation");
      assertThat(call(none.get(1), "acct", Map.of())).isEqualTo(new DataCacheActions.DescribeResponse(List.of(), 0, ""));
    }
  }

  @Test
  void dataCacheBucketOnTheKubernetesBackendIsUnsupported() {
    ActionContext ctx = new ActionContext("req", "acct", "cn-hangzhou", new ParamReader(Map.of("DataCacheBucket",
        "default")));
    assertThat(codeOf(() -> CreateContainerGroupAction.withDataCaches(ctx, null, null, true)))
        .isEqualTo("UnsupportedOperation");
    ActionContext none = new ActionContext("req", "acct", "cn-hangzhou", new ParamReader(Map.of()));
    assertThat(CreateContainerGroupAction.withDataCaches(none, null, null, true)).isNull();
  }
}
