package dev.openeci.metrics;

import dev.openeci.runtime.ContainerStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * One reading of a running group: its containers summed ({@code total}), each ECI container by
 * name, the interfaces of its network namespace (read on the sandbox) and its block devices summed
 * over its containers. Immutable; kept in a {@link MetricsSampler} ring buffer.
 */
public record GroupSample(Instant at, Usage total, Map<String, Usage> containers, List<ContainerStats.Net> networks,
    List<ContainerStats.Disk> disks) {

  public GroupSample {
    containers = Map.copyOf(containers);
    networks = List.copyOf(networks);
    disks = List.copyOf(disks);
  }

  /**
   * CPU and memory of one container (or a group's sum). {@code usageNanoCores} is the rate since
   * the previous reading of the same engine container (0 on its first reading).
   */
  public record Usage(long usageNanoCores, long usageCoreNanoSeconds, long memoryUsage, long workingSet, long rss,
      long cache) {
    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0, 0);

    public Usage plus(Usage o) {
      return new Usage(usageNanoCores + o.usageNanoCores, usageCoreNanoSeconds + o.usageCoreNanoSeconds,
          memoryUsage + o.memoryUsage, workingSet + o.workingSet, rss + o.rss, cache + o.cache);
    }
  }
}
