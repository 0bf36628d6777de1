package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.testing.ApiHarness;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The seeds' numeric ranges, lengths and counts (docs/fidelity.md) as properties over the whole
 * range and both sides of each bound, through the real request path. Every request is a DryRun:
 * a value inside the seed's range passes every check and answers DryRun.Success, one outside it
 * answers InvalidParameter naming the parameter; nothing is stored.
 */
class SeedRangePropertiesTest {
  static ApiHarness api;

  @BeforeContainer
  static void open() throws Exception {
    api = new ApiHarness(Files.createTempDirectory("seed-ranges"));
  }

  @AfterContainer
  static void close() {
    api.close();
  }

  static void check(boolean inRange, String param, Consumer<Map<String, String>> change) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    p.put("ContainerGroupName", "web");
    p.put("Container.1.Name", "app");
    p.put("Container.1.Image", "busybox");
    p.put("DryRun", "true");
    change.accept(p);
    ApiHarness.Reply r = api.call("CreateContainerGroup", p);
    if (inRange) {
      assertThat(r.code()).as("%s: %s", p, r.body()).isEqualTo("DryRun.Success");
    } else {
      assertThat(r.code()).as("%s: %s", p, r.body()).isEqualTo("InvalidParameter");
      assertThat(r.status()).isEqualTo(400);
      assertThat(r.body().get("Message").asText()).contains(param);
    }
  }

  @Property(tries = 60)
  void containerPortIs1To65535(@ForAll @IntRange(min = -5, max = 70000) int port) {
    check(port >= 1 && port <= 65535, "Container.1.Port.1.Port", p -> p.put("Container.1.Port.1.Port", "" + port));
  }

  @Property(tries = 40)
  void clientTokenIsAtMost64Characters(@ForAll @IntRange(min = 1, max = 100) int n) {
    check(n <= 64, "ClientToken", p -> p.put("ClientToken", "t".repeat(n)));
  }

  @Property(tries = 40)
  void containerGroupNameIs2To128Characters(@ForAll @IntRange(min = 1, max = 140) int n) {
    check(n >= 2 && n <= 128, "ContainerGroupName", p -> p.put("ContainerGroupName", "a".repeat(n)));
  }

  @Property(tries = 40)
  void environmentValueIs0To256Characters(@ForAll @IntRange(min = 0, max = 400) int n) {
    check(n <= 256, "Container.1.EnvironmentVar.1.Value", p -> {
      p.put("Container.1.EnvironmentVar.1.Key", "K");
      p.put("Container.1.EnvironmentVar.1.Value", "v".repeat(n));
    });
  }

  @Property(tries = 40)
  void environmentKeyIs1To128Characters(@ForAll @IntRange(min = 1, max = 200) int n) {
    check(n <= 128, "Container.1.EnvironmentVar.1.Key", p -> p.put("Container.1.EnvironmentVar.1.Key", "K".repeat(n)));
  }

  @Property(tries = 40)
  void tagKeyIsAtMost64AndValueAtMost128Characters(@ForAll @IntRange(min = 1, max = 100) int key,
      @ForAll @IntRange(min = 0, max = 200) int value) {
    check(key <= 64 && value <= 128, key > 64 ? "Tag.1.Key" : "Tag.1.Value", p -> {
      p.put("Tag.1.Key", "k".repeat(key));
      p.put("Tag.1.Value", "v".repeat(value));
    });
  }

  @Property(tries = 30)
  void atMost20TagsCommandsAnd10Args(@ForAll @IntRange(min = 0, max = 25) int n) {
    check(n <= 20, "Tag", p -> {
      for (int i = 1; i <= n; i++) p.put("Tag." + i + ".Key", "k" + i);
    });
    check(n <= 20, "Container.1.Command", p -> {
      for (int i = 1; i <= n; i++) p.put("Container.1.Command." + i, "x");
    });
    check(n <= 10, "Container.1.Arg", p -> {
      for (int i = 1; i <= n; i++) p.put("Container.1.Arg." + i, "x");
    });
  }

  @Property(tries = 30)
  void probePeriodAndTimeoutAreAtLeast1(@ForAll @IntRange(min = -3, max = 100) int seconds) {
    check(seconds >= 1, "PeriodSeconds", p -> {
      p.put("Container.1.LivenessProbe.TcpSocket.Port", "80");
      p.put("Container.1.LivenessProbe.PeriodSeconds", "" + seconds);
    });
    check(seconds >= 1, "TimeoutSeconds", p -> {
      p.put("Container.1.ReadinessProbe.TcpSocket.Port", "80");
      p.put("Container.1.ReadinessProbe.TimeoutSeconds", "" + seconds);
    });
  }

  @Property(tries = 30)
  void spotPriceLimitHasAtMost3Decimals(@ForAll @IntRange(min = 0, max = 6) int decimals) {
    String limit = decimals == 0 ? "1" : "0." + "0".repeat(decimals - 1) + "5";
    check(decimals <= 3, "SpotPriceLimit", p -> {
      p.put("SpotStrategy", "SpotWithPriceLimit");
      p.put("SpotPriceLimit", limit);
    });
  }

  @Property(tries = 30)
  void atMost10VSwitches(@ForAll @IntRange(min = 1, max = 15) int n) {
    StringBuilder ids = new StringBuilder();
    for (int i = 1; i <= n; i++) ids.append(i == 1 ? "" : ",").append("vsw-").append(i);
    check(n <= 10, "VSwitchId", p -> p.put("VSwitchId", ids.toString()));
  }

  @Property(tries = 60)
  void flexVolumeSizeIs20To32768(@ForAll @IntRange(min = 0, max = 40000) int gib) {
    check(gib >= 20 && gib <= 32768, "Volume.1.FlexVolume.Options", p -> {
      p.put("Volume.1.Name", "flex");
      p.put("Volume.1.Type", "FlexVolume");
      p.put("Volume.1.FlexVolume.Driver", "alicloud/disk");
      p.put("Volume.1.FlexVolume.Options", "{\"volumeSize\":" + gib + "}");
    });
  }

  @Property(tries = 60)
  void ipv6GatewayBandwidthIs1To1000(@ForAll @IntRange(min = 0, max = 1200) int mbps) {
    check(mbps >= 1 && mbps <= 1000, "Ipv6GatewayBandwidth", p -> {
      p.put("Ipv6GatewayBandwidthEnable", "true");
      p.put("Ipv6GatewayBandwidth", "" + mbps);
    });
  }

  @Property(tries = 60)
  void dataCacheProvisionedIopsIs0To50000(@ForAll @IntRange(min = -5, max = 60000) int iops) {
    check(iops >= 0 && iops <= 50000, "DataCacheProvisionedIops", p -> {
      p.put("DataCacheBucket", "default");
      p.put("DataCacheProvisionedIops", "" + iops);
    });
  }
}
