package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.error.ApiException;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupStatus;
import dev.openeci.testing.ApiHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Describe hot path's shortcuts give the answers of the plain path: the one-walk paging
 * ({@link GroupQuery#findPage}) equals {@code page(find(...))}, and the pre-rendered JSON of the
 * response equals what Jackson writes for the same record.
 */
class DescribePageTest {
  @TempDir
  Path dir;
  ApiHarness api;

  @BeforeEach
  void open() {
    api = new ApiHarness(dir);
  }

  @AfterEach
  void close() {
    api.close();
  }

  String create(String name) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ContainerGroupName", name);
    p.put("Container.1.Name", "app");
    p.put("Container.1.Image", "busybox");
    return api.call("CreateContainerGroup", p).body().get("ContainerGroupId").asText();
  }

  ActionContext ctx(Map<String, String> params) {
    ContainerGroup any = api.repo.all().get(0);
    return new ActionContext("R", any.accountId(), any.regionId(), new ParamReader(params));
  }

  @Test
  void onePassPagingEqualsFilteringThenPaging() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 7; i++) ids.add(create("g" + i));
    api.repo.modify(ids.get(3), g -> g.withState(g.state().withStatus(GroupStatus.Running), Instant.now()));
    api.call("DeleteContainerGroup", Map.of("ContainerGroupId", ids.get(5)));
    List<Map<String, String>> queries = new ArrayList<>();
    for (String limit : List.of("1", "2", "3", "20")) {
      queries.add(Map.of("Limit", limit));
      queries.add(Map.of("Limit", limit, "Status", "Pending"));
      queries.add(Map.of("Limit", limit, "Status", "Running"));
      for (String id : ids) queries.add(Map.of("Limit", limit, "NextToken", id));
    }
    queries.add(Map.of());
    queries.add(Map.of("ContainerGroupIds", "[\"" + ids.get(1) + "\",\"" + ids.get(0) + "\"]", "Limit", "1"));
    queries.add(Map.of("ContainerGroupName", "g4"));
    int compared = 0;
    for (Map<String, String> q : queries) {
      Instant now = Instant.now();
      Object slow;
      Object fast;
      try {
        slow = GroupQuery.page(ctx(q), GroupQuery.find(api.repo, ctx(q), now), 20, 20);
      } catch (ApiException e) {
        slow = e.code() + ": " + e.getMessage();
      }
      try {
        fast = GroupQuery.findPage(api.repo, ctx(q), now, 20, 20);
      } catch (ApiException e) {
        fast = e.code() + ": " + e.getMessage();
      }
      assertThat(fast).as("query %s", q).isEqualTo(slow);
      compared++;
    }
    assertThat(compared).isEqualTo(queries.size());
    // A token of a deleted group is refused, as before.
    assertThatThrownBy(() -> GroupQuery.findPage(api.repo, ctx(Map.of("NextToken", ids.get(5))), Instant.now(), 20, 20))
        .isInstanceOf(ApiException.class).hasMessageContaining("NextToken");
  }

  @Test
  void preRenderedJsonIsJacksonsJson() throws Exception {
    for (int i = 0; i < 3; i++) create("j" + i);
    DescribeContainerGroupsAction action = new DescribeContainerGroupsAction(api.repo, InstantSource.system());
    var mapper = ResponseWriter.jsonMapper();
    for (Map<String, String> q : List.of(Map.<String, String>of(), Map.of("Limit", "1"), Map.of("Status", "Failed"))) {
      DescribeContainerGroupsAction.Response r = (DescribeContainerGroupsAction.Response) action.handle(ctx(q));
      assertThat(new String(r.json(), StandardCharsets.UTF_8)).isEqualTo(mapper.writeValueAsString(r));
    }
    var views = ((DescribeContainerGroupsAction.Response) action.handle(ctx(Map.of()))).ContainerGroups();
    for (var r : List.of(new DescribeContainerGroupsAction.Response(null, null, views),
        new DescribeContainerGroupsAction.Response(null, "t\"x", views),
        new DescribeContainerGroupsAction.Response(5, null, List.of()))) {
      assertThat(new String(r.json(), StandardCharsets.UTF_8)).isEqualTo(mapper.writeValueAsString(r));
    }
  }
}
