package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import dev.openeci.metrics.MetricsSampler;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.ContainerStats;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.testing.ApiHarness;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metric actions over a sampler fed by a fake engine: model keys, units, account scoping, errors. */
class MetricActionsTest {
  @TempDir
  Path dir;
  ApiHarness api;
  String id;
  Instant now = Instant.now();
  MetricsSampler sampler;

  @BeforeEach
  void open() {
    api = new ApiHarness(dir);
    id = api.call("CreateContainerGroup", Map.of("ContainerGroupName", "metrics", "Cpu", "2", "Memory", "4",
        "Container.1.Name", "app", "Container.1.Image", "busybox", "Container.1.Cpu", "1")).body()
        .get("ContainerGroupId").asText();
    RuntimeContainer app = new RuntimeContainer("c1", "c1", Map.of(Labels.GROUP_ID, id, Labels.ROLE, Labels.ROLE_APP,
        Labels.CONTAINER_NAME, "app"), RuntimeContainer.State.RUNNING, null, null, null, null, false, null);
    long[] cpu = {0};
    ContainerRuntime engine = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ContainerRuntime.class}, (p, m, a) -> switch (m.getName()) {
          case "list" -> List.of(app);
          case "stats" -> {
            cpu[0] += 7_500_000_000L; // 7.5 s of CPU per 15 s: half a core
            yield Optional.of(new ContainerStats(now, cpu[0], 512L << 20, 0, 100, 200, 0,
                List.of(new ContainerStats.Net("eth0", 1, 2, 3, 4, 5, 6, 7, 8)),
                List.of(new ContainerStats.Disk("8:0", 10, 20, 1, 2))));
          }
          default -> throw new AssertionError(m.getName());
        });
    sampler = new MetricsSampler(engine, "i", () -> now, MetricsSampler.Options.DEFAULT);
    sampler.sampleOnce();
    now = now.plusSeconds(15);
    sampler.sampleOnce();
  }

  @AfterEach
  void close() {
    api.close();
  }

  static ActionContext ctx(String account, Map<String, String> p) {
    return new ActionContext("R", account, "cn-hangzhou", new dev.openeci.api.rpc.ParamReader(p));
  }

  @Test
  @SuppressWarnings("unchecked")
  void recordsHaveTheModelsKeysAndUnits() {
    var action = new DescribeContainerGroupMetricAction(api.repo, sampler, () -> now);
    Map<String, Object> out = (Map<String, Object>) action.handle(ctx("acct", Map.of("ContainerGroupId", id)));
    assertThat(out.get("ContainerGroupId")).isEqualTo(id);
    List<Map<String, Object>> records = (List<Map<String, Object>>) out.get("Records");
    assertThat(records).hasSize(2);
    Map<String, Object> r = records.get(1);
    assertThat(r).containsOnlyKeys("Timestamp", "CPU", "Memory", "Network", "Disk", "Filesystem", "Containers");
    Map<String, Object> cpu = (Map<String, Object>) r.get("CPU");
    assertThat(cpu).containsEntry("Limit", 2000L).containsEntry("UsageNanoCores", 500_000_000L)
        .containsEntry("Load", 25L).containsEntry("UsageCoreNanoSeconds", 15_000_000_000L);
    Map<String, Object> mem = (Map<String, Object>) r.get("Memory");
    assertThat(mem).containsEntry("UsageBytes", 512L << 20).containsEntry("WorkingSet", 512L << 20)
        .containsEntry("AvailableBytes", (4L << 30) - (512L << 20)).containsEntry("Rss", 100L)
        .containsEntry("Cache", 200L);
    Map<String, Object> container = ((List<Map<String, Object>>) r.get("Containers")).get(0);
    assertThat(container.get("Name")).isEqualTo("app");
    assertThat((Map<String, Object>) container.get("CPU")).containsEntry("Limit", 1000L).containsEntry("Load", 50L);
    assertThat((List<Map<String, Object>>) r.get("Disk")).first().satisfies(d -> assertThat(d)
        .containsOnlyKeys("Device", "ReadBytes", "WriteBytes", "ReadIO", "WriteIO"));
    assertThat(((Map<String, Object>) r.get("Network")).get("Interfaces").toString()).contains("RxDrops=4");
  }

  @Test
  void anotherAccountsGroupIsNotFound() {
    var action = new DescribeContainerGroupMetricAction(api.repo, sampler, () -> now);
    assertThatThrownBy(() -> action.handle(ctx("other", Map.of("ContainerGroupId", id))))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.code()).isEqualTo("InvalidParameter.NotFound");
          assertThat(e.httpStatus()).isEqualTo(404);
        });
    assertThatThrownBy(() -> action.handle(ctx("acct", Map.of())))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("MissingParameter"));
    assertThatThrownBy(() -> action.handle(ctx("acct", Map.of("ContainerGroupId", id, "StartTime", "x"))))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("InvalidParameter"));
  }

  @Test
  void withoutASamplerRecordsAreEmpty() {
    var action = new DescribeContainerGroupMetricAction(api.repo, null, InstantSource.system());
    assertThat(action.handle(ctx("acct", Map.of("ContainerGroupId", id))).toString()).contains("Records=[]");
  }

  @Test
  @SuppressWarnings("unchecked")
  void multiGivesTheNewestRecordOfTheCallersGroupsOnly() {
    var action = new DescribeMultiContainerGroupMetricAction(api.repo, sampler);
    Map<String, Object> out = (Map<String, Object>) action.handle(ctx("acct",
        Map.of("ContainerGroupIds", "[\"" + id + "\",\"eci-nope\"]", "MetricType", "summary")));
    List<Map<String, Object>> datas = (List<Map<String, Object>>) out.get("MonitorDatas");
    assertThat(datas).hasSize(1);
    List<Map<String, Object>> records = (List<Map<String, Object>>) datas.get(0).get("Records");
    assertThat(records).hasSize(1);
    assertThat((List<Map<String, Object>>) records.get(0).get("Disk")).first().satisfies(d -> assertThat(d)
        .containsKeys("ReadIo", "WriteIo"));
    Map<String, Object> other = (Map<String, Object>) action.handle(ctx("other",
        Map.of("ContainerGroupIds", "[\"" + id + "\"]")));
    assertThat((List<?>) other.get("MonitorDatas")).isEmpty();
    for (Map<String, String> bad : List.of(Map.<String, String>of(), Map.of("ContainerGroupIds", "nope"),
        Map.of("ContainerGroupIds", "[\"a\"]", "MetricType", "detail"))) {
      assertThatThrownBy(() -> action.handle(ctx("acct", bad))).as(bad.toString())
          .isInstanceOf(ApiException.class);
    }
  }
}
