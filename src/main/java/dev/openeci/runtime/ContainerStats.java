package dev.openeci.runtime;

import java.time.Instant;
import java.util.List;

/**
 * One reading of a container's resource counters, as the engine reports them (Docker API
 * {@code GET /containers/{id}/stats?stream=false&one-shot=true}). Counters are cumulative since
 * the container started; rates are computed by the caller from two readings (docs/metrics.md).
 * Values the engine does not report are 0 (Podman's Docker-compatible stats carry no memory
 * breakdown: rss/cache/inactiveFile are 0 there and the working set equals the usage).
 *
 * @param read when the engine took the reading
 * @param cpuUsageNanos cumulative CPU time in nanoseconds (all cores)
 * @param memoryUsage bytes charged to the container's cgroup
 * @param memoryLimit the cgroup limit in bytes (the host's memory when unlimited)
 * @param rss anonymous memory (cgroup v1 {@code rss}, v2 {@code anon})
 * @param cache page cache (cgroup v1 {@code cache}, v2 {@code file})
 * @param inactiveFile reclaimable page cache (the kubelet subtracts it for the working set)
 * @param networks per interface, cumulative (a container sharing a sandbox's network namespace
 *     reports the sandbox's interfaces)
 * @param disks per block device, cumulative
 */
public record ContainerStats(
    Instant read,
    long cpuUsageNanos,
    long memoryUsage,
    long memoryLimit,
    long rss,
    long cache,
    long inactiveFile,
    List<Net> networks,
    List<Disk> disks) {

  public ContainerStats {
    networks = networks == null ? List.of() : List.copyOf(networks);
    disks = disks == null ? List.of() : List.copyOf(disks);
  }

  /** Memory in use that cannot be reclaimed under pressure: usage minus inactive page cache (kubelet's rule). */
  public long workingSet() {
    return Math.max(0, memoryUsage - inactiveFile);
  }

  public record Net(String name, long rxBytes, long rxPackets, long rxErrors, long rxDrops, long txBytes,
      long txPackets, long txErrors, long txDrops) {}

  /** One block device ({@code major:minor}). */
  public record Disk(String device, long readBytes, long writeBytes, long readIo, long writeIo) {}

  /** What the engine's host has: {@code docker info} NCPU and MemTotal. */
  public record Capacity(int cpus, long memoryBytes) {}
}
