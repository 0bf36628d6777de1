package dev.openeci.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MeteredRuntimeTest {
  /** An engine whose list answers, whose pull fails and whose inspect fails. */
  static ContainerRuntime engine() {
    return (ContainerRuntime) java.lang.reflect.Proxy.newProxyInstance(MeteredRuntimeTest.class.getClassLoader(),
        new Class<?>[] {ContainerRuntime.class}, (p, m, a) -> switch (m.getName()) {
          case "list" -> List.of();
          case "describe" -> "fake";
          case "pull" -> throw new RuntimeFailure("manifest unknown");
          case "inspect" -> throw new RuntimeFailure("engine down");
          default -> {
            if (m.isDefault()) yield java.lang.reflect.InvocationHandler.invokeDefault(p, m, a);
            throw new UnsupportedOperationException(m.getName());
          }
        });
  }

  @Test
  void timesEveryCallAndCountsErrorsAndPullsWithoutChangingBehaviour() throws Exception {
    try (Telemetry t = new Telemetry()) {
      ContainerRuntime r = new MeteredRuntime(engine(), t);
      assertThat(r.list(Map.of())).isEmpty();
      assertThat(r.list(Map.of())).isEmpty();
      assertThatThrownBy(() -> r.inspect("c1")).isInstanceOf(RuntimeFailure.class).hasMessage("engine down");
      assertThatThrownBy(() -> r.pull("example.com/a:1", Optional.empty(), false, s -> { }))
          .isInstanceOf(RuntimeFailure.class).hasMessage("manifest unknown");
      assertThat(r.describe()).isEqualTo("fake");
      assertThat(r.publishAddress()).isEqualTo("127.0.0.1");

      String text = t.scrape();
      assertThat(text)
          .contains("openeci_engine_calls_seconds_count{operation=\"list\",outcome=\"ok\"} 2")
          .contains("openeci_engine_calls_seconds_count{operation=\"inspect\",outcome=\"error\"} 1")
          .contains("openeci_engine_errors_total{operation=\"inspect\"} 1.0")
          .contains("openeci_engine_errors_total{operation=\"pull\"} 1.0")
          .contains("openeci_image_pull_seconds_count{outcome=\"error\"} 1");
    }
  }

  @Test
  void syncPassesAndQueueDepthAreGauged() {
    try (Telemetry t = new Telemetry()) {
      int[] waiting = {3};
      t.syncQueue(() -> waiting[0], () -> 1);
      t.timedSync(id -> { }).accept("eci-1");
      assertThatThrownBy(() -> t.timedSync(id -> {
        throw new IllegalStateException("x");
      }).accept("eci-2")).isInstanceOf(IllegalStateException.class);
      String text = t.scrape();
      assertThat(text).contains("openeci_sync_queue_depth 3.0").contains("openeci_sync_running 1.0")
          .contains("openeci_sync_pass_seconds_count{outcome=\"ok\"} 1")
          .contains("openeci_sync_pass_seconds_count{outcome=\"error\"} 1");
    }
  }

  @Test
  void theQueueGaugesOutliveAGarbageCollection() {
    try (Telemetry t = new Telemetry()) {
      int[] waiting = {2};
      t.syncQueue(() -> waiting[0], () -> 0); // lambdas nobody else references, as LocalBackend passes
      for (int i = 0; i < 3; i++) System.gc(); // clears weak references; the gauges must not read NaN after it
      assertThat(t.scrape()).contains("openeci_sync_queue_depth 2.0").contains("openeci_sync_running 0.0");
    }
  }
}
