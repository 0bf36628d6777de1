package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.testing.TestEngine;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics, available resources and prices through the official Tea client against a real server on
 * the real engine (docs/metrics.md): a group burning a CPU shows it in DescribeContainerGroupMetric
 * while an idle one does not, DescribeMultiContainerGroupMetric gives both newest records, what
 * DescribeAvailableResource offers shrinks after a create, and DescribeContainerGroupPrice follows
 * the operator's price book. Local backend only (the Kubernetes backend has no sampler).
 */
class MetricsIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;

  @BeforeAll
  static void start() throws Exception {
    Path book = dataDir.resolve("price-book.json");
    Files.writeString(book, "{\"currency\":\"EUR\",\"vcpuPerSecond\":0.001,\"memoryGiBPerSecond\":0.0001,"
        + "\"spotDiscount\":0.5}");
    server = new ServerProcess(dataDir.resolve("srv"), TestEngine.endpoint())
        .withArgs("--metrics-period-seconds", "2", "--price-book", book.toString());
    Files.createDirectories(server.dataDir);
    server.start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  static Map<String, Object> call(String action, Map<String, Object> q) throws Exception {
    Map<String, Object> query = new LinkedHashMap<>(q);
    query.put("RegionId", "cn-hangzhou");
    return EciClients.call(client, action, query);
  }

  static String create(String name, String script) throws Exception {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("ContainerGroupName", name);
    q.put("Cpu", 1.0);
    q.put("Memory", 2.0);
    q.put("Container.1.Name", "main");
    q.put("Container.1.Image", TestEngine.busyboxImage());
    q.put("Container.1.ImagePullPolicy", "IfNotPresent");
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Arg.1", "-c");
    q.put("Container.1.Arg.2", script);
    return (String) call("CreateContainerGroup", q).get("ContainerGroupId");
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> specifications() throws Exception {
    Map<String, Object> body = call("DescribeAvailableResource",
        Map.of("DestinationResource", Map.of("Category", "Specification")));
    List<Map<String, Object>> zones = (List<Map<String, Object>>) ((Map<String, Object>) body.get("AvailableZones"))
        .get("AvailableZone");
    assertThat(zones).hasSize(1);
    assertThat(zones.get(0)).containsEntry("RegionId", "cn-hangzhou");
    Map<String, Object> res = ((List<Map<String, Object>>) ((Map<String, Object>) zones.get(0)
        .get("AvailableResources")).get("AvailableResource")).get(0);
    assertThat(res).containsEntry("Type", "Specification");
    Map<String, String> out = new LinkedHashMap<>();
    for (Map<String, Object> s : (List<Map<String, Object>>) ((Map<String, Object>) res.get("SupportedResources"))
        .get("SupportedResource")) {
      out.put((String) s.get("Value"), (String) s.get("StatusCategory"));
    }
    return out;
  }

  static <T> T await(Supplier<T> probe, String what) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
    while (System.nanoTime() < deadline) {
      T v = probe.get();
      if (v != null) return v;
      Thread.sleep(250);
    }
    throw new AssertionError("timed out waiting for " + what + "\nserver log:\n" + server.logText());
  }

  @SuppressWarnings("unchecked")
  static String status(String id) {
    try {
      Map<String, Object> body = call("DescribeContainerGroups", Map.of("ContainerGroupIds", "[\"" + id + "\"]"));
      return (String) ((List<Map<String, Object>>) body.get("ContainerGroups")).get(0).get("Status");
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> records(String id) {
    try {
      return (List<Map<String, Object>>) call("DescribeContainerGroupMetric", Map.of("ContainerGroupId", id))
          .get("Records");
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  @SuppressWarnings("unchecked")
  static long nanoCores(Map<String, Object> record) {
    return ((Number) ((Map<String, Object>) record.get("CPU")).get("UsageNanoCores")).longValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void burningCpuShowsInMetricsCapacityShrinksAndPricesFollowTheBook() throws Exception {
    // what fits now, and what no longer fits once two groups of 1 vCPU / 2 GiB are stored (on this 2-vCPU
    // host: 2vCPU-4GiB; on a larger one, its largest specifications)
    Map<String, String> before = specifications();
    assertThat(before).containsEntry("1vCPU-2GiB", "WithStock");

    String busy = create("metrics-busy", "trap 'exit 0' TERM; while :; do :; done");
    String idle = create("metrics-idle", "trap 'exit 0' TERM; sleep 3600 & wait");
    Map<String, String> after = specifications();
    assertThat(after.keySet()).isEqualTo(before.keySet());
    assertThat(before.keySet()).anyMatch(spec -> before.get(spec).equals("WithStock")
        && after.get(spec).equals("WithoutStock"));
    assertThat(after.values().stream().filter("WithStock"::equals).count())
        .isLessThan(before.values().stream().filter("WithStock"::equals).count());

    await(() -> "Running".equals(status(busy)) && "Running".equals(status(idle)) ? true : null, "both Running");

    // the busy loop burns what the (shared, possibly overloaded) host gives it, up to its 1 vCPU; the idle
    // group's shell sleeps: its rate stays near zero and well below the busy one's
    Map<String, Object> hot = await(() -> records(busy).stream().filter(r -> nanoCores(r) > 20_000_000L)
        .reduce((a, b) -> b).orElse(null), "the busy group's UsageNanoCores above 0.02 cores");
    Map<String, Object> cpu = (Map<String, Object>) hot.get("CPU");
    assertThat(((Number) cpu.get("Limit")).longValue()).isEqualTo(1000);
    assertThat(((Number) cpu.get("UsageCoreNanoSeconds")).longValue()).isPositive();
    assertThat((String) hot.get("Timestamp")).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    assertThat(((Number) ((Map<String, Object>) hot.get("Memory")).get("UsageBytes")).longValue()).isPositive();
    List<Map<String, Object>> containers = (List<Map<String, Object>>) hot.get("Containers");
    assertThat(containers).extracting(c -> c.get("Name")).containsExactly("main");
    List<Map<String, Object>> idleRecords = await(() -> {
      List<Map<String, Object>> r = records(idle);
      return r.size() >= 2 ? r : null;
    }, "two records of the idle group");
    long idleRate = nanoCores(idleRecords.get(idleRecords.size() - 1));
    assertThat(idleRate).isLessThan(10_000_000L).isLessThan(nanoCores(hot) / 2);
    // the counter moves: a later record of the busy group has more CPU time
    long used = ((Number) cpu.get("UsageCoreNanoSeconds")).longValue();
    await(() -> records(busy).stream().anyMatch(r -> ((Number) ((Map<String, Object>) r.get("CPU"))
        .get("UsageCoreNanoSeconds")).longValue() > used) ? true : null, "the busy group's CPU time growing");

    Map<String, Object> multi = call("DescribeMultiContainerGroupMetric",
        Map.of("ContainerGroupIds", "[\"" + busy + "\",\"" + idle + "\",\"eci-notmine0000000000\"]",
            "MetricType", "summary"));
    List<Map<String, Object>> datas = (List<Map<String, Object>>) multi.get("MonitorDatas");
    assertThat(datas).extracting(d -> d.get("ContainerGroupId")).containsExactly(busy, idle);
    assertThat(datas).allSatisfy(d -> assertThat((List<?>) d.get("Records")).hasSize(1));

    // the price book given with --price-book: 2 vCPU x 0.001 + 4 GiB x 0.0001 per second, spot 50 % off
    Map<String, Object> price = (Map<String, Object>) ((Map<String, Object>) call("DescribeContainerGroupPrice",
        Map.of("Cpu", 2.0, "Memory", 4.0, "SpotStrategy", "SpotAsPriceGo")).get("PriceInfo")).get("Price");
    assertThat(price.get("Currency")).isEqualTo("EUR");
    assertThat(new BigDecimal(price.get("OriginalPrice").toString())).isEqualByComparingTo("0.0024");
    assertThat(new BigDecimal(price.get("TradePrice").toString())).isEqualByComparingTo("0.0012");

    for (String id : List.of(busy, idle)) call("DeleteContainerGroup", Map.of("ContainerGroupId", id));
  }
}
