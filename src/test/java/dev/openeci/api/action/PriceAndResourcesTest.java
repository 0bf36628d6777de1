package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ApiException;
import dev.openeci.group.GroupStatus;
import dev.openeci.metrics.PriceBook;
import dev.openeci.runtime.ContainerStats;
import dev.openeci.testing.ApiHarness;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** DescribeContainerGroupPrice's maths and validation, DescribeAvailableResource's capacity maths and filters. */
class PriceAndResourcesTest {
  static final long GIB = 1024L * 1024 * 1024;

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

  static ParamReader params(String... kv) {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put(kv[i], kv[i + 1]);
    return new ParamReader(m);
  }

  static ActionContext ctx(String account, String... kv) {
    return new ActionContext("R", account, "cn-hangzhou", params(kv));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> price(Map<String, Object> info) {
    return (Map<String, Object>) info.get("Price");
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> details(Map<String, Object> info) {
    return (List<Map<String, Object>>) ((Map<String, Object>) price(info).get("DetailInfos")).get("DetailInfo");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      // ECI's own example: 2 vCPU 4 GiB = 0.000098 (CPU) + 0.00002452 (memory) per second
      "Cpu=2,Memory=4                                   | 0.00012252 | 0          | CPU:0.00009800,Memory:0.00002452",
      // rounded up to the next specification (1.5 vCPU 3 GiB -> 2 vCPU 4 GiB), as CreateContainerGroup does
      "Cpu=1.5,Memory=3                                 | 0.00012252 | 0          | CPU:0.00009800,Memory:0.00002452",
      // an instance type: Cpu/Memory ignored (ecs.c6.large = 2 vCPU 4 GiB)
      "InstanceType=ecs.c6.large,Cpu=64,Memory=512      | 0.00012252 | 0          | CPU:0.00009800,Memory:0.00002452",
      // a GPU type of the price book: 4 vCPU, 15 GiB, one T4
      "InstanceType=ecs.gn6i-c4g1.xlarge                | 0.00056795 | 0          | CPU:0.00019600,Memory:0.00009195,GPU:0.00028000",
      // spot: 80 % off
      "Cpu=2,Memory=4,SpotStrategy=SpotAsPriceGo        | 0.00012252 | 0.00009802 | CPU:0.00009800,Memory:0.00002452",
      // 50 GiB of ephemeral storage: 30 free, 20 charged
      "Cpu=2,Memory=4,EphemeralStorage=50               | 0.00012329 | 0          | CPU:0.00009800,Memory:0.00002452,EphemeralStorage:0.00000077"})
  void pricesFollowTheBook(String request, String original, String discount, String parts) {
    String[] kv = request.replace('=', ',').split(",");
    Map<String, Object> info = DescribeContainerGroupPriceAction.quote(params(kv), PriceBook.DEFAULT, "cn-hangzhou-a");
    assertThat((BigDecimal) price(info).get("OriginalPrice")).isEqualByComparingTo(original);
    assertThat((BigDecimal) price(info).get("DiscountPrice")).isEqualByComparingTo(discount);
    assertThat(((BigDecimal) price(info).get("TradePrice")))
        .isEqualByComparingTo(new BigDecimal(original).subtract(new BigDecimal(discount)));
    assertThat(price(info).get("Currency")).isEqualTo("CNY");
    assertThat(details(info)).extracting(d -> d.get("Resource") + ":" + ((BigDecimal) d.get("OriginalPrice"))
        .toPlainString()).containsExactly(parts.split(","));
  }

  @Test
  @SuppressWarnings("unchecked")
  void spotShowsItsRuleAndHourlySpotPrices() {
    Map<String, Object> info = DescribeContainerGroupPriceAction.quote(params("Cpu", "2", "Memory", "4",
        "SpotStrategy", "SpotWithPriceLimit", "SpotPriceLimit", "0.5"), PriceBook.DEFAULT, "cn-hangzhou-a");
    List<Map<String, Object>> rules = (List<Map<String, Object>>) ((Map<String, Object>) info.get("Rules")).get("Rule");
    assertThat(rules).extracting(r -> r.get("RuleId")).containsExactly(DescribeContainerGroupPriceAction.RULE_SPOT);
    List<Map<String, Object>> spot = (List<Map<String, Object>>) ((Map<String, Object>) info.get("SpotPrices"))
        .get("SpotPrice");
    assertThat(spot).hasSize(1);
    assertThat(spot.get(0)).containsEntry("InstanceType", "2vCPU-4GiB").containsEntry("ZoneId", "cn-hangzhou-a");
    assertThat((BigDecimal) spot.get(0).get("OriginPrice")).isEqualByComparingTo("0.441072");
    assertThat((BigDecimal) spot.get(0).get("SpotPrice")).isEqualByComparingTo("0.088200");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "Memory=4                                     | MissingParameter",
      "Cpu=2                                        | MissingParameter",
      "Cpu=0,Memory=4                               | InvalidParameter.CPU.Memory",
      "Cpu=2000,Memory=4                            | InvalidParameter.CPU.Memory",
      "Cpu=two,Memory=4                             | InvalidParameter",
      "InstanceType=ecs.nope.large                  | InvalidParameter",
      "Cpu=2,Memory=4,SpotStrategy=Cheap            | InvalidParameter",
      "Cpu=2,Memory=4,SpotStrategy=SpotWithPriceLimit | MissingParameter",
      "Cpu=2,Memory=4,SpotPriceLimit=-1             | InvalidParameter",
      "Cpu=2,Memory=4,SpotDuration=3                | InvalidParameter",
      "Cpu=2,Memory=4,EphemeralStorage=-5           | InvalidParameter"})
  void badPriceRequestsGetTheirEciCode(String request, String code) {
    String[] kv = request.replace('=', ',').split(",");
    assertThatThrownBy(() -> DescribeContainerGroupPriceAction.quote(params(kv), PriceBook.DEFAULT, "z"))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.code()).isEqualTo(code);
          assertThat(e.httpStatus()).isLessThan(500);
        });
  }

  @Test
  void thePriceBookFileReplacesDefaultsAndRefusesMistakes() throws Exception {
    PriceBook b = PriceBook.parse("{\"currency\":\"EUR\",\"vcpuPerSecond\":0.00001,\"spotDiscount\":0.5,"
        + "\"instanceTypes\":{\"team.big\":{\"cpu\":8,\"memory\":16,\"pricePerSecond\":0.001}}}");
    assertThat(b.currency()).isEqualTo("EUR");
    assertThat(b.memoryGiBPerSecond()).isEqualByComparingTo(PriceBook.DEFAULT.memoryGiBPerSecond());
    Map<String, Object> info = DescribeContainerGroupPriceAction.quote(params("InstanceType", "team.big",
        "SpotStrategy", "SpotAsPriceGo"), b, "z");
    assertThat((BigDecimal) price(info).get("TradePrice")).isEqualByComparingTo("0.0005");
    assertThat(details(info)).extracting(d -> d.get("Resource")).containsExactly("InstanceType");
    for (String bad : List.of("[]", "{\"vcpu\":1}", "{\"vcpuPerSecond\":-1}", "{\"vcpuPerSecond\":\"x\"}",
        "{\"spotDiscount\":2}", "{\"instanceTypes\":{\"g\":{\"cpu\":4,\"memory\":8,\"gpuType\":\"H100\",\"gpuCount\":1}}}",
        "{\"instanceTypes\":{\"g\":{\"cpus\":4}}}")) {
      assertThatThrownBy(() -> PriceBook.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theShippedPriceBookIsTheDefault() throws Exception {
    assertThat(PriceBook.load(Path.of("etc/price-book.json"))).isEqualTo(PriceBook.DEFAULT);
  }

  // --- DescribeAvailableResource -------------------------------------------------------------------

  String create(double cpu, double memory) {
    return api.call("CreateContainerGroup", Map.of("ContainerGroupName", "g" + System.nanoTime(), "Cpu",
        Double.toString(cpu), "Memory", Double.toString(memory), "Container.1.Name", "app", "Container.1.Image",
        "busybox")).body().get("ContainerGroupId").asText();
  }

  DescribeAvailableResourceAction available(int cpus, long memGiB) {
    return new DescribeAvailableResourceAction(api.repo,
        () -> Optional.of(new ContainerStats.Capacity(cpus, memGiB * GIB)), PriceBook.DEFAULT, r -> r + "-a");
  }

  @SuppressWarnings("unchecked")
  static Map<String, String> supported(Object reply) {
    Map<String, Object> zones = (Map<String, Object>) ((Map<String, Object>) reply).get("AvailableZones");
    List<Map<String, Object>> zone = (List<Map<String, Object>>) zones.get("AvailableZone");
    Map<String, String> out = new java.util.LinkedHashMap<>();
    if (zone.isEmpty()) return out;
    List<Map<String, Object>> res = (List<Map<String, Object>>) ((Map<String, Object>) zone.get(0)
        .get("AvailableResources")).get("AvailableResource");
    for (Map<String, Object> r : res) {
      for (Map<String, Object> s : (List<Map<String, Object>>) ((Map<String, Object>) r.get("SupportedResources"))
          .get("SupportedResource")) {
        out.put((String) s.get("Value"), (String) s.get("StatusCategory"));
      }
    }
    return out;
  }

  @Test
  void whatIsLeftShrinksWithEveryUnfinishedGroupOfAnyAccount() {
    DescribeAvailableResourceAction a = available(4, 16);
    ActionContext spec = ctx("someone-else", "DestinationResource.Category", "Specification");
    assertThat(supported(a.handle(spec))).containsEntry("4vCPU-16GiB", "WithStock").containsEntry("2vCPU-4GiB",
        "WithStock").containsEntry("8vCPU-16GiB", "WithoutStock");
    String id = create(2, 8);
    assertThat(supported(a.handle(spec))).containsEntry("4vCPU-16GiB", "WithoutStock")
        .containsEntry("2vCPU-8GiB", "WithStock").containsEntry("2vCPU-16GiB", "WithoutStock");
    api.repo.modify(id, g -> g.withState(g.state().withStatus(GroupStatus.Succeeded), Instant.now()));
    assertThat(supported(a.handle(spec))).containsEntry("4vCPU-16GiB", "WithStock");
  }

  @Test
  void instanceTypesFamiliesAndFilters() {
    DescribeAvailableResourceAction a = available(4, 16);
    Map<String, String> types = supported(a.handle(ctx("acct", "DestinationResource.Category", "InstanceType",
        "DestinationResource.Cores", "4")));
    assertThat(types).containsEntry("ecs.c6.xlarge", "WithStock").containsEntry("ecs.g6.xlarge", "WithStock")
        .containsEntry("ecs.r6.xlarge", "WithoutStock").containsEntry("ecs.gn6i-c4g1.xlarge", "WithoutStock")
        .doesNotContainKey("ecs.c6.large");
    assertThat(supported(a.handle(ctx("acct", "DestinationResource.Category", "InstanceType",
        "DestinationResource.Value", "ecs.c7.large")))).containsExactly(Map.entry("ecs.c7.large", "WithStock"));
    Map<String, String> families = supported(a.handle(ctx("acct", "DestinationResource.Category",
        "InstanceTypeFamily")));
    assertThat(families).containsEntry("ecs.r6", "WithStock").containsEntry("ecs.gn6i", "WithoutStock");
    assertThat(supported(a.handle(ctx("acct", "DestinationResource.Category", "InstanceType", "ZoneId", "elsewhere"))))
        .isEmpty();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "ZoneId=cn-hangzhou-a                                     | MissingParameter",
      "DestinationResource.Category=Disk                        | InvalidParameter",
      "DestinationResource.Category=InstanceType,DestinationResource.Cores=0 | InvalidParameter",
      "DestinationResource.Category=InstanceType,DestinationResource.Memory=x | InvalidParameter"})
  void badResourceRequestsGetTheirEciCode(String request, String code) {
    String[] kv = request.replace('=', ',').split(",");
    assertThatThrownBy(() -> available(2, 4).handle(ctx("acct", kv)))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(code));
  }

  @Test
  void capacityIsReadInTheBackgroundAndAFailingEngineIsServiceUnavailable() throws Exception {
    java.util.concurrent.atomic.AtomicInteger reads = new java.util.concurrent.atomic.AtomicInteger();
    var cap = new ContainerStats.Capacity(2, 4 * GIB);
    var cached = DescribeAvailableResourceAction.cached(() -> {
      reads.incrementAndGet();
      return Optional.of(cap);
    }, Long.MAX_VALUE);
    assertThat(cached.get()).contains(cap);
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (reads.get() < 1 && System.nanoTime() < deadline) Thread.sleep(10);
    assertThat(cached.get()).contains(cap);
    assertThat(reads.get()).isBetween(1, 2); // the warm-up, and at most one blocking read that raced it

    var broken = new DescribeAvailableResourceAction(api.repo, () -> {
      throw new dev.openeci.runtime.RuntimeFailure("engine down");
    }, PriceBook.DEFAULT, r -> r + "-a");
    assertThatThrownBy(() -> broken.handle(ctx("acct", "DestinationResource.Category", "InstanceType")))
        .isInstanceOfSatisfying(ApiException.class, e -> {
          assertThat(e.code()).isEqualTo("ServiceUnavailable");
          assertThat(e.httpStatus()).isEqualTo(503);
        });
  }

  @Test
  void withoutALocalEngineItIsUnsupported() {
    var a = new DescribeAvailableResourceAction(api.repo, null, PriceBook.DEFAULT, r -> r + "-a");
    assertThatThrownBy(() -> a.handle(ctx("acct", "DestinationResource.Category", "InstanceType")))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("UnsupportedOperation"));
  }
}
