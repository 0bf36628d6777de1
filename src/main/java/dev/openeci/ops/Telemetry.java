package dev.openeci.ops;

import dev.openeci.group.GroupStatus;
import dev.openeci.group.GroupStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The process's metrics (Micrometer, exposed as Prometheus text on {@code /metrics}): API calls,
 * groups by status, the sync queue and passes, engine calls and image pulls, JVM and process. One
 * registry per server instance (tests start several in one JVM). Labels are bounded: actions are
 * the served ones (others count as "unknown"), codes come from the ErrorCode vocabulary, engine
 * operations are the ContainerRuntime methods; no label carries an account, a group id or an image.
 * Names and labels: docs/operations.md.
 */
public final class Telemetry implements AutoCloseable {
  /** Latency buckets of API calls, syncs and engine calls: 1 ms .. 60 s. */
  private static final Duration MIN = Duration.ofMillis(1);
  private static final Duration MAX = Duration.ofSeconds(60);

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private volatile Set<String> actions = Set.of();
  private final java.util.Map<String, Timer> apiTimers = new java.util.concurrent.ConcurrentHashMap<>();

  public Telemetry() {
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition (format 0.0.4) of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /** The actions the API serves: only these become an {@code action} label value. */
  public void actions(Set<String> served) {
    this.actions = Set.copyOf(served);
  }

  /**
   * One API call: {@code openeci_api_requests_seconds{action,code,status}} (histogram). {@code code}
   * is "Success" or the error code.
   */
  public void apiCall(String action, String code, int httpStatus, long nanos) {
    String a = action != null && actions.contains(action) ? action : "unknown";
    String c = code == null ? "unknown" : code;
    // The hot path (Describe at thousands/s): one map lookup, no meter id built per call.
    apiTimers.computeIfAbsent(a + '\n' + c + '\n' + httpStatus, k -> Timer.builder("openeci.api.requests")
        .description("ECI API calls by Action and result code")
        .tags("action", a, "code", c, "status", Integer.toString(httpStatus))
        .publishPercentileHistogram().minimumExpectedValue(MIN).maximumExpectedValue(MAX)
        .register(registry)).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  /** {@code openeci_groups{status}}: groups in the store by status, read from its memory at each scrape. */
  public void groups(GroupStore repo) {
    for (GroupStatus s : GroupStatus.values()) {
      Gauge.builder("openeci.groups", repo, r -> r.find(g -> g.state().status() == s).size())
          .description("Container groups in the store by status").tag("status", s.name()).register(registry);
    }
  }

  /** {@code openeci_sync_queue_depth} (groups waiting for a worker) and {@code openeci_sync_running}. */
  public void syncQueue(Supplier<Number> waiting, Supplier<Number> running) {
    // Strong references: Micrometer holds a gauge's object weakly, and nothing else holds these
    // method references, so they were collected and the gauges read NaN.
    Gauge.builder("openeci.sync.queue.depth", waiting, s -> s.get().doubleValue()).strongReference(true)
        .description("Groups waiting for a sync worker").register(registry);
    Gauge.builder("openeci.sync.running", running, s -> s.get().doubleValue()).strongReference(true)
        .description("Group syncs running now").register(registry);
  }

  /** Times each sync pass as {@code openeci_sync_pass_seconds{outcome}}. */
  public Consumer<String> timedSync(Consumer<String> sync) {
    Timer ok = syncTimer("ok");
    Timer error = syncTimer("error");
    return groupId -> {
      long t0 = System.nanoTime();
      Timer t = error;
      try {
        sync.accept(groupId);
        t = ok;
      } finally {
        t.record(System.nanoTime() - t0, java.util.concurrent.TimeUnit.NANOSECONDS);
      }
    };
  }

  private Timer syncTimer(String outcome) {
    return Timer.builder("openeci.sync.pass").description("Passes of the control loop over one group")
        .tag("outcome", outcome).publishPercentileHistogram().minimumExpectedValue(MIN).maximumExpectedValue(MAX)
        .register(registry);
  }

  /** {@code openeci_engine_calls_seconds{operation,outcome}}. */
  Timer engineCall(String operation, String outcome) {
    return Timer.builder("openeci.engine.calls").description("Container engine calls by operation and outcome")
        .tags("operation", operation, "outcome", outcome).publishPercentileHistogram()
        .minimumExpectedValue(MIN).maximumExpectedValue(MAX).register(registry);
  }

  /** {@code openeci_engine_errors_total{operation}}. */
  Counter engineError(String operation) {
    return Counter.builder("openeci.engine.errors").description("Container engine calls that failed")
        .tag("operation", operation).register(registry);
  }

  /** {@code openeci_image_pull_seconds{outcome}}: whole pulls, first byte to last. */
  Timer imagePull(String outcome) {
    return Timer.builder("openeci.image.pull").description("Image pulls by outcome").tag("outcome", outcome)
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10))
        .maximumExpectedValue(Duration.ofMinutes(30)).register(registry);
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }
}
