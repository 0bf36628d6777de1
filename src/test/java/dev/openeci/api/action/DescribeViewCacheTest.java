package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.api.rpc.ResponseWriter;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupStatus;
import dev.openeci.testing.ApiHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-group view cache of DescribeContainerGroups: same bytes as a fresh view, and never stale. */
class DescribeViewCacheTest {
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

  JsonNode describe(String id) {
    return api.call("DescribeContainerGroups", Map.of("ContainerGroupIds", "[\"" + id + "\"]")).body()
        .get("ContainerGroups").get(0);
  }

  JsonNode fresh(String id) {
    ContainerGroup g = api.repo.get(id).orElseThrow();
    return ResponseWriter.jsonMapper().valueToTree(DescribeMapper.group(g, api.repo.events(id)));
  }

  @Test
  void cachedJsonIsTheFreshViewAndFollowsEveryChange() {
    DescribeContainerGroupsAction action = api.describeGroups;
    String id = create("web");
    assertThat(describe(id).toString()).isEqualTo(fresh(id).toString());
    assertThat(action.viewsRendered()).isEqualTo(1);
    assertThat(describe(id).toString()).isEqualTo(fresh(id).toString());
    assertThat(action.viewsRendered()).as("the second Describe is served from the cache").isEqualTo(1);

    api.repo.modify(id, g -> g.withState(g.state().withStatus(GroupStatus.Running), Instant.now()));
    assertThat(describe(id).get("Status").asText()).isEqualTo("Running");
    assertThat(action.viewsRendered()).as("a changed group is rendered again").isEqualTo(2);
    assertThat(describe(id).toString()).isEqualTo(fresh(id).toString());
    assertThat(action.viewsRendered()).isEqualTo(2);

    api.repo.recordEvent(id, "Normal", "Started", "Started container app", "app", Instant.now());
    assertThat(describe(id).get("Events").toString()).contains("Started container app");
    assertThat(action.viewsRendered()).as("a new event renders the group again").isEqualTo(3);
    assertThat(describe(id).toString()).isEqualTo(fresh(id).toString());
    assertThat(action.viewsRendered()).isEqualTo(3);
  }

  @Test
  void xmlStillRendersTheView() {
    String id = create("web");
    ContainerGroup g = api.repo.get(id).orElseThrow();
    DescribeContainerGroupsAction action = new DescribeContainerGroupsAction(api.repo, InstantSource.system());
    ActionContext ctx = new ActionContext("R", g.accountId(), g.regionId(), new ParamReader(Map.of()));
    action.handle(ctx); // fills the cache
    String xml = new String(new ResponseWriter().success("R", action.action(), action.handle(ctx), "XML").body(),
        StandardCharsets.UTF_8);
    assertThat(xml).contains("<ContainerGroups><ContainerGroupId>" + id + "</ContainerGroupId>")
        .contains("<ContainerGroupName>web</ContainerGroupName>");
  }

  @Test
  void deletedGroupsLeaveTheCache() {
    DescribeContainerGroupsAction action = new DescribeContainerGroupsAction(api.repo, InstantSource.system());
    String keep = create("keep");
    int deleted = DescribeContainerGroupsAction.PRUNE_EVERY - 1;
    for (int i = 0; i < deleted; i++) {
      String id = create("g" + i);
      action.view(api.repo.get(id).orElseThrow());
      api.repo.delete(id);
    }
    assertThat(action.cachedViews()).as("views of deleted groups stay until the next prune").isEqualTo(deleted);
    action.view(api.repo.get(keep).orElseThrow()); // the PRUNE_EVERY-th entry: the cache prunes
    assertThat(action.cachedViews()).as("only the live group's view is left").isEqualTo(1);
  }
}
