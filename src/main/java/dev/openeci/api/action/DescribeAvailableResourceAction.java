package dev.openeci.api.action;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupStore;
import dev.openeci.group.InstanceSpecs;
import dev.openeci.metrics.PriceBook;
import dev.openeci.runtime.ContainerStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * DescribeAvailableResource on this host (docs/metrics.md): what a new group could still get now =
 * the engine's vCPUs and memory ({@code docker info} NCPU/MemTotal) minus the Cpu/Memory of every
 * stored group that is not finished (all accounts: they share the host). DestinationResource.Category
 * InstanceType lists ECS instance types (c/g/r families and the price book's GPU types),
 * InstanceTypeFamily their families, and openeci's own Specification lists ECI's vCPU/memory table
 * ({@code 2vCPU-4GiB}); each value is WithStock when it fits in what is left, else WithoutStock
 * (GPU types always: the engine reports no GPUs). Value, Cores and Memory filter. On a backend
 * without a local engine (Kubernetes) the action answers UnsupportedOperation.
 */
public final class DescribeAvailableResourceAction implements ActionHandler {
  static final List<String> FAMILIES = List.of("ecs.c5", "ecs.g5", "ecs.r5", "ecs.c6", "ecs.g6", "ecs.r6", "ecs.c7",
      "ecs.g7", "ecs.r7");
  static final List<String> SIZES = List.of("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "16xlarge");
  static final List<String> CATEGORIES = List.of("InstanceTypeFamily", "InstanceType", "Specification");

  private final GroupStore repo;
  private final Supplier<Optional<ContainerStats.Capacity>> capacity;
  private final PriceBook book;
  private final Function<String, String> zoneOf;

  /** {@code capacity} null = no local engine (UnsupportedOperation). */
  public DescribeAvailableResourceAction(GroupStore repo, Supplier<Optional<ContainerStats.Capacity>> capacity,
      PriceBook book, Function<String, String> zoneOf) {
    this.repo = repo;
    this.capacity = capacity == null ? null : cached(capacity, CAPACITY_TTL_NANOS);
    this.book = book;
    this.zoneOf = zoneOf;
  }

  @Override
  public String action() {
    return "DescribeAvailableResource";
  }

  /**
   * The engine's size hardly changes and Podman's {@code /info} takes seconds on a busy host: it is
   * read once in the background when the server starts and refreshed in the background when older
   * than a minute, so a request waits for the engine only when no reading ever succeeded.
   */
  static final long CAPACITY_TTL_NANOS = 60_000_000_000L;

  static Supplier<Optional<ContainerStats.Capacity>> cached(Supplier<Optional<ContainerStats.Capacity>> source,
      long ttlNanos) {
    java.util.concurrent.atomic.AtomicReference<ContainerStats.Capacity> value =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicLong readAt = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.atomic.AtomicBoolean refreshing = new java.util.concurrent.atomic.AtomicBoolean(true);
    Supplier<Optional<ContainerStats.Capacity>> read = () -> {
      try {
        Optional<ContainerStats.Capacity> v = source.get();
        v.ifPresent(c -> {
          value.set(c);
          readAt.set(System.nanoTime());
        });
        return v;
      } catch (RuntimeException e) {
        return Optional.empty(); // ServiceUnavailable when nothing was ever read
      }
    };
    Runnable refresh = () -> {
      try {
        read.get();
      } finally {
        refreshing.set(false);
      }
    };
    Thread.ofVirtual().name("capacity").start(refresh);
    return () -> {
      ContainerStats.Capacity v = value.get();
      if (v == null) return read.get();
      if (System.nanoTime() - readAt.get() > ttlNanos && refreshing.compareAndSet(false, true)) {
        Thread.ofVirtual().name("capacity").start(refresh);
      }
      return Optional.of(v);
    };
  }

  /** One candidate: its value, vCPUs, GiB, GPUs. */
  record Candidate(String value, String family, double cpu, double memory, int gpus) {}

  /** A filter of DestinationResource. */
  record Filter(String category, String value, Double cores, Double memory) {
    static Filter of(ParamReader p) {
      ParamReader d = p.struct("DestinationResource");
      String category = GroupQuery.empty(d.string("Category"));
      if (category == null) throw ErrorCode.missing("DestinationResource.Category");
      if (!CATEGORIES.contains(category)) {
        throw ErrorCode.invalid("DestinationResource.Category", "must be one of " + CATEGORIES);
      }
      Double cores = d.decimal("Cores");
      Double memory = d.decimal("Memory");
      if (cores != null && cores <= 0) throw ErrorCode.invalid("DestinationResource.Cores", "must be > 0");
      if (memory != null && memory <= 0) throw ErrorCode.invalid("DestinationResource.Memory", "must be > 0");
      return new Filter(category, GroupQuery.empty(d.string("Value")), cores, memory);
    }
  }

  @Override
  public Object handle(ActionContext ctx) {
    Filter f = Filter.of(ctx.params());
    if (capacity == null) {
      throw ErrorCode.UNSUPPORTED_OPERATION.withMessage("DescribeAvailableResource needs the local engine's"
          + " capacity; this server runs groups on a Kubernetes cluster (ask the cluster for node capacity).");
    }
    ContainerStats.Capacity cap = capacity.get().orElseThrow(() -> ErrorCode.SERVICE_UNAVAILABLE.withMessage(
        "The container engine did not report its vCPUs and memory; try again."));
    String zone = zoneOf.apply(ctx.regionId());
    String wantZone = GroupQuery.empty(ctx.params().string("ZoneId"));
    List<Map<String, Object>> zones = new ArrayList<>();
    if (wantZone == null || wantZone.equals(zone)) {
      double[] free = free(cap, repo.find(g -> true));
      List<Map<String, Object>> supported = new ArrayList<>();
      for (var e : list(f, free, book).entrySet()) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("Value", e.getKey());
        s.put("StatusCategory", e.getValue() ? "WithStock" : "WithoutStock");
        supported.add(s);
      }
      Map<String, Object> resource = new LinkedHashMap<>();
      resource.put("Type", f.category());
      resource.put("SupportedResources", Map.of("SupportedResource", supported));
      Map<String, Object> z = new LinkedHashMap<>();
      z.put("RegionId", ctx.regionId());
      z.put("ZoneId", zone);
      z.put("AvailableResources", Map.of("AvailableResource", supported.isEmpty() ? List.of() : List.of(resource)));
      zones.add(z);
    }
    return Map.of("AvailableZones", Map.of("AvailableZone", zones));
  }

  /** vCPUs and GiB left: capacity minus what every unfinished group holds. */
  static double[] free(ContainerStats.Capacity cap, List<ContainerGroup> groups) {
    double cpu = cap.cpus();
    double mem = cap.memoryBytes() / (1024d * 1024 * 1024);
    for (ContainerGroup g : groups) {
      if (g.state().status().terminal()) continue;
      cpu -= g.spec().cpu();
      mem -= g.spec().memory();
    }
    return new double[] {Math.max(0, cpu), Math.max(0, mem)};
  }

  /** Value -> fits now, in a stable order, after the filters. */
  static Map<String, Boolean> list(Filter f, double[] free, PriceBook book) {
    List<Candidate> all = new ArrayList<>();
    if (f.category().equals("Specification")) {
      for (InstanceSpecs.Spec s : InstanceSpecs.ALL) {
        all.add(new Candidate(num(s.cpu()) + "vCPU-" + num(s.memory()) + "GiB", null, s.cpu(), s.memory(), 0));
      }
    } else {
      for (String fam : FAMILIES) {
        for (String size : SIZES) {
          String t = fam + "." + size;
          InstanceSpecs.Spec s = InstanceSpecs.ofInstanceType(t);
          if (s != null) all.add(new Candidate(t, fam, s.cpu(), s.memory(), 0));
        }
      }
      new TreeMap<>(book.instanceTypes()).forEach((t, it) -> all.add(new Candidate(t, family(t), it.cpu(),
          it.memory(), it.gpuCount())));
    }
    Map<String, Boolean> out = new LinkedHashMap<>();
    for (Candidate c : all) {
      if (f.cores() != null && Math.abs(c.cpu() - f.cores()) > 1e-9) continue;
      if (f.memory() != null && Math.abs(c.memory() - f.memory()) > 1e-9) continue;
      boolean fits = c.gpus() == 0 && c.cpu() <= free[0] + 1e-9 && c.memory() <= free[1] + 1e-9;
      if (f.category().equals("InstanceTypeFamily")) {
        if (f.value() != null && !f.value().equals(c.family())) continue;
        out.merge(c.family(), fits, Boolean::logicalOr);
      } else {
        if (f.value() != null && !f.value().equals(c.value())) continue;
        out.put(c.value(), fits);
      }
    }
    return out;
  }

  /** {@code ecs.gn6i-c4g1.xlarge} -> {@code ecs.gn6i}, {@code ecs.c6.large} -> {@code ecs.c6}. */
  static String family(String type) {
    String[] parts = type.split("\\.");
    return parts.length < 2 ? type : parts[0] + "." + parts[1].split("-")[0];
  }

  static String num(double d) {
    return DescribeContainerGroupPriceAction.num(d);
  }
}
