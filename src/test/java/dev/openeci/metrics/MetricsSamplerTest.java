package dev.openeci.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.ContainerStats;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The sampler over a fake engine: rates, sums, sandbox interfaces, bounded history, ageing out. */
class MetricsSamplerTest {
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T13:00:00Z"));
  final List<RuntimeContainer> containers = new ArrayList<>();
  final Map<String, ContainerStats> stats = new HashMap<>();
  final AtomicInteger statsCalls = new AtomicInteger();
  final AtomicReference<Map<String, String>> listedWith = new AtomicReference<>();

  /** A fake engine: list and stats answer from the fields above; every other call fails the test. */
  final ContainerRuntime engine = (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
      new Class<?>[] {ContainerRuntime.class}, (proxy, m, args) -> switch (m.getName()) {
        case "list" -> {
          @SuppressWarnings("unchecked")
          Map<String, String> labels = (Map<String, String>) args[0];
          listedWith.set(labels);
          yield List.copyOf(containers);
        }
        case "stats" -> {
          statsCalls.incrementAndGet();
          yield Optional.ofNullable(stats.get((String) args[0]));
        }
        default -> throw new AssertionError("unexpected engine call " + m.getName());
      });

  static RuntimeContainer container(String id, String group, String role, String name, RuntimeContainer.State s) {
    Map<String, String> labels = new HashMap<>(Map.of(Labels.GROUP_ID, group, Labels.ROLE, role));
    if (name != null) labels.put(Labels.CONTAINER_NAME, name);
    return new RuntimeContainer(id, id, labels, s, null, null, null, null, false, null);
  }

  ContainerStats reading(long cpuNanos, long memory, int secondsFromStart, ContainerStats.Net... nets) {
    return new ContainerStats(Instant.parse("2026-12-01T13:00:00Z").plusSeconds(secondsFromStart), cpuNanos, memory,
        0, 0, 0, 0, List.of(nets), List.of(new ContainerStats.Disk("8:0", 10, 20, 1, 2)));
  }

  MetricsSampler sampler(int periodSeconds, int retentionMinutes) {
    return new MetricsSampler(engine, "inst-1", now::get,
        new MetricsSampler.Options(Duration.ofSeconds(periodSeconds), Duration.ofMinutes(retentionMinutes), 2));
  }

  @Test
  void ratesAreNanoCoresBetweenReadingsAndTheGroupSumsItsContainers() {
    containers.add(container("sb", "eci-a", Labels.ROLE_SANDBOX, null, RuntimeContainer.State.RUNNING));
    containers.add(container("busy", "eci-a", Labels.ROLE_APP, "busy", RuntimeContainer.State.RUNNING));
    containers.add(container("idle", "eci-a", Labels.ROLE_APP, "idle", RuntimeContainer.State.RUNNING));
    containers.add(container("gone", "eci-b", Labels.ROLE_APP, "x", RuntimeContainer.State.EXITED));
    ContainerStats.Net eth0 = new ContainerStats.Net("eth0", 1, 2, 0, 0, 3, 4, 0, 0);
    stats.put("sb", reading(0, 100, 0, eth0));
    stats.put("busy", reading(1_000_000_000L, 1000, 0));
    stats.put("idle", reading(0, 500, 0));
    MetricsSampler s = sampler(15, 60);
    s.sampleOnce();
    assertThat(listedWith.get()).containsEntry(Labels.OWNER, "inst-1").containsEntry(Labels.MANAGED, "true");
    assertThat(statsCalls).hasValue(3); // the exited container of eci-b is not read
    GroupSample first = s.latest("eci-a").orElseThrow();
    assertThat(first.total().usageNanoCores()).isZero(); // no previous reading yet
    assertThat(first.networks()).containsExactly(eth0);

    now.set(now.get().plusSeconds(15));
    stats.put("busy", reading(16_000_000_000L, 1200, 15)); // 15 s of CPU in 15 s: one core
    stats.put("idle", reading(15_000_000L, 500, 15));
    stats.put("sb", reading(0, 100, 15, eth0));
    s.sampleOnce();
    GroupSample second = s.latest("eci-a").orElseThrow();
    assertThat(second.containers().get("busy").usageNanoCores()).isEqualTo(1_000_000_000L);
    assertThat(second.containers().get("idle").usageNanoCores()).isEqualTo(1_000_000L);
    assertThat(second.containers()).doesNotContainKey("sb");
    assertThat(second.total().usageNanoCores()).isEqualTo(1_001_000_000L);
    assertThat(second.total().memoryUsage()).isEqualTo(1800);
    assertThat(second.disks()).containsExactly(new ContainerStats.Disk("8:0", 30, 60, 3, 6));
    assertThat(s.history("eci-a")).hasSize(2);
    assertThat(s.history("eci-b")).isEmpty();
  }

  @Test
  void aCounterThatWentBackIsARestartNotANegativeRate() {
    containers.add(container("c", "eci-a", Labels.ROLE_APP, "app", RuntimeContainer.State.RUNNING));
    stats.put("c", reading(5_000_000_000L, 1, 0));
    MetricsSampler s = sampler(15, 60);
    s.sampleOnce();
    stats.put("c", reading(1_000L, 1, 15));
    s.sampleOnce();
    assertThat(s.latest("eci-a").orElseThrow().total().usageNanoCores()).isZero();
  }

  @Test
  void historyIsBoundedAndAGroupThatStoppedAgesOut() {
    containers.add(container("c", "eci-a", Labels.ROLE_APP, "app", RuntimeContainer.State.RUNNING));
    MetricsSampler s = sampler(30, 1); // 2 samples kept
    for (int i = 0; i < 5; i++) {
      stats.put("c", reading(i, 1, i * 30));
      s.sampleOnce();
      now.set(now.get().plusSeconds(30));
    }
    assertThat(s.history("eci-a")).hasSize(2);
    containers.clear();
    now.set(now.get().plusSeconds(61));
    s.sampleOnce();
    assertThat(s.history("eci-a")).isEmpty();
    assertThat(s.groupsTracked()).isZero();
  }

  @Test
  void aFailingStatsCallSkipsThatContainerOnly() {
    containers.add(container("ok", "eci-a", Labels.ROLE_APP, "ok", RuntimeContainer.State.RUNNING));
    containers.add(container("missing", "eci-b", Labels.ROLE_APP, "m", RuntimeContainer.State.RUNNING));
    stats.put("ok", reading(1, 1, 0));
    MetricsSampler s = sampler(15, 60);
    s.sampleOnce();
    assertThat(s.latest("eci-a")).isPresent();
    assertThat(s.latest("eci-b")).isEmpty();
  }

  @Test
  void optionsAreValidated() {
    assertThatThrownBy(() -> new MetricsSampler.Options(Duration.ofSeconds(-1), Duration.ofMinutes(1), 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MetricsSampler.Options(Duration.ofSeconds(120), Duration.ofMinutes(1), 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new MetricsSampler.Options(Duration.ofSeconds(15), Duration.ofMinutes(1), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new MetricsSampler.Options(Duration.ZERO, Duration.ZERO, 1).enabled()).isFalse();
    assertThat(MetricsSettings.options(Map.of(MetricsSettings.PERIOD_ENV, "30")).period())
        .isEqualTo(Duration.ofSeconds(30));
    assertThatThrownBy(() -> MetricsSettings.options(Map.of(MetricsSettings.PERIOD_ENV, "x")))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
