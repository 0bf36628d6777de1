package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openeci.group.GroupStatus;
import dev.openeci.testing.ApiHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Describe filters and paging, hidden values, and status rules, through the real pipeline and store. */
class DescribeQueryTest {
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

  String create(String name, String... extra) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ContainerGroupName", name);
    p.put("Container.1.Name", "app");
    p.put("Container.1.Image", "busybox");
    for (int i = 0; i < extra.length; i += 2) p.put(extra[i], extra[i + 1]);
    ApiHarness.Reply r = api.call("CreateContainerGroup", p);
    assertThat(r.status()).as(r.body().toString()).isEqualTo(200);
    return r.body().get("ContainerGroupId").asText();
  }

  List<String> ids(Map<String, String> query) {
    JsonNode body = api.call("DescribeContainerGroups", query).body();
    List<String> out = new ArrayList<>();
    body.get("ContainerGroups").forEach(g -> out.add(g.get("ContainerGroupId").asText()));
    return out;
  }

  @Test
  void filtersAndPaging() {
    // Describe lists by creation time: the clock moves between the creates.
    String a = create("alpha", "Tag.1.Key", "team", "Tag.1.Value", "red", "ZoneId", "cn-hangzhou-b",
        "VSwitchId", "vsw-1", "SecurityGroupId", "sg-1", "ResourceGroupId", "rg-1");
    api.clock.advance(Duration.ofSeconds(1));
    String b = create("beta", "Tag.1.Key", "team", "Tag.1.Value", "blue");
    api.clock.advance(Duration.ofSeconds(1));
    String c = create("gamma");
    assertThat(ids(Map.of())).containsExactly(a, b, c);
    assertThat(ids(Map.of("ContainerGroupIds", "[\"" + b + "\",\"eci-nope\"]"))).containsExactly(b);
    assertThat(ids(Map.of("ContainerGroupIds", "[\"eci-nope\"]"))).isEmpty();
    assertThat(ids(Map.of("ContainerGroupName", "gamma"))).containsExactly(c);
    assertThat(ids(Map.of("Tag.1.Key", "team"))).containsExactly(a, b);
    assertThat(ids(Map.of("Tag.1.Key", "team", "Tag.1.Value", "blue"))).containsExactly(b);
    assertThat(ids(Map.of("ZoneId", "cn-hangzhou-b"))).containsExactly(a);
    assertThat(ids(Map.of("VSwitchId", "vsw-1"))).containsExactly(a);
    assertThat(ids(Map.of("SecurityGroupId", "sg-1"))).containsExactly(a);
    assertThat(ids(Map.of("ResourceGroupId", "rg-1"))).containsExactly(a);
    assertThat(ids(Map.of("Status", "Pending"))).containsExactly(a, b, c);
    assertThat(ids(Map.of("Status", "Running"))).isEmpty();

    JsonNode page1 = api.call("DescribeContainerGroups", Map.of("Limit", "2")).body();
    assertThat(page1.get("TotalCount").asInt()).isEqualTo(3);
    assertThat(page1.get("ContainerGroups")).hasSize(2);
    String token = page1.get("NextToken").asText();
    assertThat(token).isNotEmpty();
    JsonNode page2 = api.call("DescribeContainerGroups", Map.of("Limit", "2", "NextToken", token)).body();
    assertThat(page2.get("ContainerGroups")).hasSize(1);
    assertThat(page2.get("ContainerGroups").get(0).get("ContainerGroupId").asText()).isEqualTo(c);
    assertThat(page2.get("NextToken").asText()).isEmpty();

    List<String> many = new ArrayList<>();
    for (int i = 0; i < 21; i++) many.add("\"eci-" + i + "\"");
    assertThat(api.call("DescribeContainerGroups", Map.of("ContainerGroupIds", "[" + String.join(",", many) + "]"))
        .code()).isEqualTo("InvalidParameter");
    assertThat(api.call("DescribeContainerGroups", Map.of("Limit", "21")).code()).isEqualTo("InvalidParameter");
    assertThat(api.call("DescribeContainerGroups", Map.of("NextToken", "bogus")).code()).isEqualTo("InvalidParameter");
  }

  @Test
  void hiddenEnvironmentValuesAndRegistryPasswordsNeverComeBack() {
    String id = create("secretive", "Container.1.EnvironmentVarHide", "true",
        "Container.1.EnvironmentVar.1.Key", "TOKEN", "Container.1.EnvironmentVar.1.Value", "hunter2",
        "ImageRegistryCredential.1.Server", "reg.local", "ImageRegistryCredential.1.UserName", "u",
        "ImageRegistryCredential.1.Password", "pa55word");
    String body = api.call("DescribeContainerGroups", Map.of("ContainerGroupIds", "[\"" + id + "\"]")).body().toString();
    assertThat(body).contains("\"Key\":\"TOKEN\"").doesNotContain("hunter2").doesNotContain("pa55word");
    assertThat(api.repo.get(id).orElseThrow().spec().toString()).doesNotContain("pa55word");
  }

  @Test
  void restartOnlyFromPendingOrRunning() {
    String id = create("finished");
    assertThat(api.call("RestartContainerGroup", Map.of("ContainerGroupId", id)).status()).isEqualTo(200);
    assertThat(api.repo.get(id).orElseThrow().state().status()).isEqualTo(GroupStatus.Restarting);
    api.repo.modify(id, g -> g.withState(g.state().withStatus(GroupStatus.Succeeded), Instant.now()));
    ApiHarness.Reply r = api.call("RestartContainerGroup", Map.of("ContainerGroupId", id));
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.code()).isEqualTo("IncorrectStatus");
    assertThat(api.call("RestartContainerGroup", Map.of("ContainerGroupId", "eci-missing")).code())
        .isEqualTo("InvalidParameter.NotFound");
  }

  @Test
  void statusAndEventsShapes() {
    String id = create("shapes");
    api.repo.recordEvent(id, "Normal", "Started", "Started container app", "app", Instant.now());
    api.repo.recordEvent(id, "Warning", "FailedCreatePodSandBox", "no engine", "", Instant.now());
    JsonNode st = api.call("DescribeContainerGroupStatus", Map.of("ContainerGroupIds", "[\"" + id + "\"]")).body();
    JsonNode d = st.get("Data").get(0);
    assertThat(d.get("uuid").asText()).isEqualTo(id);
    assertThat(d.get("PodStatus").get("Phase").asText()).isEqualTo("Pending");
    assertThat(d.get("PodStatus").get("Conditions").get(0).has("lastTransitionTime")).isTrue();
    JsonNode k8s = api.call("DescribeContainerGroupEvents", Map.of("ContainerGroupIds", "[\"" + id + "\"]",
        "EventSource", "K8sAgent")).body().get("Data").get(0).get("Events");
    assertThat(k8s).hasSize(1);
    assertThat(k8s.get(0).get("Reason").asText()).isEqualTo("Started");
    assertThat(k8s.get(0).get("involvedObject").get("Uid").asText()).isEqualTo(id);
    JsonNode eci = api.call("DescribeContainerGroupEvents", Map.of("ContainerGroupIds", "[\"" + id + "\"]",
        "EventSource", "EciService")).body().get("Data").get(0).get("Events");
    assertThat(eci).hasSize(1);
    assertThat(api.call("DescribeContainerGroupEvents", Map.of("EventSource", "Kernel")).code())
        .isEqualTo("InvalidParameter");
    JsonNode regions = api.call("DescribeRegions", Map.of()).body().get("Regions");
    assertThat(regions.get(0).get("RegionId").asText()).isEqualTo("cn-hangzhou");
  }
}
