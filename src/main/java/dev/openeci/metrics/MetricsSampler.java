package dev.openeci.metrics;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.ContainerStats;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples the engine's stats of running groups into a bounded history per group (docs/metrics.md).
 * Every {@code period}: one engine {@code list} of this server's containers, then one one-shot
 * stats call per running container on a fixed pool of {@code concurrency} threads (never a thread
 * per group). Groups with no running container cost nothing; their history ages out after
 * {@code retention}.
 */
public final class MetricsSampler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsSampler.class);

  /**
   * {@code serve --metrics-period-seconds} (0 = off), {@code --metrics-retention-minutes},
   * {@code --metrics-concurrency}.
   */
  public record Options(Duration period, Duration retention, int concurrency) {
    public static final Options DEFAULT = new Options(Duration.ofSeconds(30), Duration.ofHours(1), 4);

    public Options {
      if (period.isNegative()) throw new IllegalArgumentException("the metrics period must be >= 0 seconds");
      if (!period.isZero() && retention.compareTo(period) < 0) {
        throw new IllegalArgumentException("the metrics retention must be at least one period");
      }
      if (concurrency < 1) throw new IllegalArgumentException("the metrics concurrency must be >= 1");
    }

    public boolean enabled() {
      return !period.isZero();
    }

    /** Samples kept per group. */
    int capacity() {
      return (int) Math.max(1, retention.toMillis() / Math.max(1, period.toMillis()));
    }
  }

  private final ContainerRuntime runtime;
  private final Map<String, String> ownLabels;
  private final InstantSource clock;
  private final Options options;
  private final Map<String, ArrayDeque<GroupSample>> series = new ConcurrentHashMap<>();
  /** Last reading per engine container id, for rates; only touched by the sampling thread. */
  private Map<String, ContainerStats> lastReading = new HashMap<>();
  private ScheduledExecutorService timer;
  private ExecutorService pool;

  public MetricsSampler(ContainerRuntime runtime, String instanceId, InstantSource clock, Options options) {
    this.runtime = runtime;
    this.ownLabels = Map.of(Labels.MANAGED, "true", Labels.OWNER, instanceId);
    this.clock = clock;
    this.options = options;
  }

  public Options options() {
    return options;
  }

  public synchronized MetricsSampler start() {
    if (!options.enabled() || timer != null) return this;
    AtomicInteger n = new AtomicInteger();
    timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "metrics-timer"));
    pool = Executors.newFixedThreadPool(options.concurrency(), r -> daemon(r, "metrics-" + n.incrementAndGet()));
    long ms = options.period().toMillis();
    timer.scheduleWithFixedDelay(() -> {
      try {
        sampleOnce();
      } catch (RuntimeException e) {
        log.warn("metrics sampling failed (next try in {} s): {}", ms / 1000, e.getMessage());
      }
    }, Math.min(ms, 1000), ms, TimeUnit.MILLISECONDS);
    log.info("metrics: sampling running groups every {} s, keeping {} min, {} engine calls at once",
        options.period().toSeconds(), options.retention().toMinutes(), options.concurrency());
    return this;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** The group's samples, oldest first (empty when it never ran while sampled). */
  public List<GroupSample> history(String groupId) {
    ArrayDeque<GroupSample> s = series.get(groupId);
    if (s == null) return List.of();
    synchronized (s) {
      return List.copyOf(s);
    }
  }

  /** The group's newest sample. */
  public Optional<GroupSample> latest(String groupId) {
    ArrayDeque<GroupSample> s = series.get(groupId);
    if (s == null) return Optional.empty();
    synchronized (s) {
      return Optional.ofNullable(s.peekLast());
    }
  }

  /** Groups with history (for tests and the performance note). */
  public int groupsTracked() {
    return series.size();
  }

  /** One round: list, stats of every running container (bounded concurrency), append, age out. */
  public void sampleOnce() {
    Instant now = clock.instant();
    Map<String, List<RuntimeContainer>> byGroup = new LinkedHashMap<>();
    for (RuntimeContainer c : runtime.list(ownLabels)) {
      String g = c.label(Labels.GROUP_ID);
      if (g != null && c.running()) byGroup.computeIfAbsent(g, k -> new ArrayList<>()).add(c);
    }
    Map<String, Future<Optional<ContainerStats>>> readings = new HashMap<>();
    ExecutorService p = pool; // null: not started (tests), read on this thread
    for (List<RuntimeContainer> cs : byGroup.values()) {
      for (RuntimeContainer c : cs) {
        if (p != null) {
          readings.put(c.id(), p.submit(() -> read(c.id())));
        } else {
          readings.put(c.id(), java.util.concurrent.CompletableFuture.completedFuture(read(c.id())));
        }
      }
    }
    Map<String, ContainerStats> current = new HashMap<>();
    // one deadline for the whole round: a hung engine costs one period, not one per container
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(1000, options.period().toMillis()));
    for (var e : readings.entrySet()) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        e.getValue().get(left, TimeUnit.NANOSECONDS).ifPresent(s -> current.put(e.getKey(), s));
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException ex) {
        e.getValue().cancel(true);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    for (var e : byGroup.entrySet()) {
      GroupSample s = sample(now, e.getValue(), current, lastReading);
      if (s != null) append(e.getKey(), s);
    }
    lastReading = current;
    Instant oldest = now.minus(options.retention());
    series.entrySet().removeIf(e -> {
      synchronized (e.getValue()) {
        GroupSample last = e.getValue().peekLast();
        return last == null || last.at().isBefore(oldest);
      }
    });
  }

  private Optional<ContainerStats> read(String id) {
    try {
      return runtime.stats(id);
    } catch (RuntimeException e) {
      log.debug("stats of {} failed: {}", id, e.getMessage());
      return Optional.empty();
    }
  }

  private void append(String groupId, GroupSample s) {
    ArrayDeque<GroupSample> q = series.computeIfAbsent(groupId, k -> new ArrayDeque<>());
    synchronized (q) {
      while (q.size() >= options.capacity()) q.pollFirst();
      q.addLast(s);
    }
  }

  /**
   * A group's sample from its running containers' readings: app and init containers by ECI name
   * (summed into the total, with the sandbox's own small usage), interfaces from the sandbox (the
   * namespace's owner; else the first container reporting any), disks summed by device. Null when
   * no container could be read.
   */
  static GroupSample sample(Instant at, List<RuntimeContainer> containers, Map<String, ContainerStats> current,
      Map<String, ContainerStats> previous) {
    Map<String, GroupSample.Usage> byName = new LinkedHashMap<>();
    GroupSample.Usage total = GroupSample.Usage.ZERO;
    List<ContainerStats.Net> nets = null;
    Map<String, long[]> disks = new LinkedHashMap<>();
    boolean any = false;
    for (RuntimeContainer c : containers) {
      ContainerStats s = current.get(c.id());
      if (s == null) continue;
      any = true;
      GroupSample.Usage u = usage(s, previous.get(c.id()));
      total = total.plus(u);
      String role = c.label(Labels.ROLE);
      String name = c.label(Labels.CONTAINER_NAME);
      if (!Labels.ROLE_SANDBOX.equals(role) && name != null) byName.merge(name, u, GroupSample.Usage::plus);
      if (Labels.ROLE_SANDBOX.equals(role) && !s.networks().isEmpty()) {
        nets = s.networks();
      } else if (nets == null && !s.networks().isEmpty()) {
        nets = s.networks();
      }
      for (ContainerStats.Disk d : s.disks()) {
        long[] v = disks.computeIfAbsent(d.device(), k -> new long[4]);
        v[0] += d.readBytes();
        v[1] += d.writeBytes();
        v[2] += d.readIo();
        v[3] += d.writeIo();
      }
    }
    if (!any) return null;
    List<ContainerStats.Disk> diskList = new ArrayList<>();
    disks.forEach((dev, v) -> diskList.add(new ContainerStats.Disk(dev, v[0], v[1], v[2], v[3])));
    return new GroupSample(at, total, byName, nets == null ? List.of() : nets, diskList);
  }

  /** CPU rate since the previous reading of the same engine container; counters that went back (a restart) give 0. */
  static GroupSample.Usage usage(ContainerStats s, ContainerStats prev) {
    long rate = 0;
    if (prev != null) {
      long dt = Duration.between(prev.read(), s.read()).toNanos();
      long dc = s.cpuUsageNanos() - prev.cpuUsageNanos();
      if (dt > 0 && dc >= 0) rate = (long) ((double) dc / dt * 1_000_000_000L);
    }
    return new GroupSample.Usage(rate, s.cpuUsageNanos(), s.memoryUsage(), s.workingSet(), s.rss(), s.cache());
  }

  @Override
  public synchronized void close() {
    if (timer != null) timer.shutdownNow();
    if (pool != null) pool.shutdownNow();
  }
}
