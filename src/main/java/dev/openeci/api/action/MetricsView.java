package dev.openeci.api.action;

import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.metrics.GroupSample;
import dev.openeci.runtime.ContainerStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link GroupSample} in the shape of the official models' Records (PodStat): CPU in
 * nano-cores with Limit in millicores and Load = percent of that limit, memory in bytes with
 * AvailableBytes = limit - working set, interfaces of the group's network namespace, block devices
 * ({@code ReadIO} in DescribeContainerGroupMetric, {@code ReadIo} in the multi variant, as the
 * models spell them). Filesystem is always empty (the engines' stats do not report it).
 */
final class MetricsView {
  private static final double GIB = 1024d * 1024 * 1024;

  private MetricsView() {}

  static Map<String, Object> record(ContainerGroup g, GroupSample s, boolean multi) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("Timestamp", DescribeMapper.time(s.at()));
    double groupCpu = g.spec().cpu();
    double groupMem = g.spec().memory();
    r.put("CPU", cpu(s.total(), groupCpu));
    r.put("Memory", memory(s.total(), groupMem));
    List<Map<String, Object>> interfaces = new ArrayList<>();
    for (ContainerStats.Net n : s.networks()) {
      Map<String, Object> i = new LinkedHashMap<>();
      i.put("Name", n.name());
      i.put("RxBytes", n.rxBytes());
      i.put("RxPackets", n.rxPackets());
      i.put("RxErrors", n.rxErrors());
      i.put("RxDrops", n.rxDrops());
      i.put("TxBytes", n.txBytes());
      i.put("TxPackets", n.txPackets());
      i.put("TxErrors", n.txErrors());
      i.put("TxDrops", n.txDrops());
      interfaces.add(i);
    }
    r.put("Network", Map.of("Interfaces", interfaces));
    List<Map<String, Object>> disks = new ArrayList<>();
    for (ContainerStats.Disk d : s.disks()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Device", d.device());
      m.put("ReadBytes", d.readBytes());
      m.put("WriteBytes", d.writeBytes());
      m.put(multi ? "ReadIo" : "ReadIO", d.readIo());
      m.put(multi ? "WriteIo" : "WriteIO", d.writeIo());
      disks.add(m);
    }
    r.put("Disk", disks);
    r.put("Filesystem", List.of());
    List<Map<String, Object>> containers = new ArrayList<>();
    for (var e : s.containers().entrySet()) {
      ContainerSpec c = g.spec().container(e.getKey());
      double cpu = c != null && c.cpu() != null && c.cpu() > 0 ? c.cpu() : groupCpu;
      double mem = c != null && c.memory() != null && c.memory() > 0 ? c.memory() : groupMem;
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("Name", e.getKey());
      m.put("CPU", cpu(e.getValue(), cpu));
      m.put("Memory", memory(e.getValue(), mem));
      containers.add(m);
    }
    r.put("Containers", containers);
    return r;
  }

  static Map<String, Object> cpu(GroupSample.Usage u, double vcpus) {
    long limitMillis = Math.round(vcpus * 1000);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Limit", limitMillis);
    m.put("Load", load(u.usageNanoCores(), limitMillis));
    m.put("UsageCoreNanoSeconds", u.usageCoreNanoSeconds());
    m.put("UsageNanoCores", u.usageNanoCores());
    return m;
  }

  /** Percent of the CPU limit in use, rounded (0 when there is no limit). */
  static long load(long usageNanoCores, long limitMillicores) {
    return limitMillicores <= 0 ? 0 : Math.round(usageNanoCores / (limitMillicores * 1e6) * 100);
  }

  static Map<String, Object> memory(GroupSample.Usage u, double gib) {
    long limit = Math.round(gib * GIB);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("AvailableBytes", Math.max(0, limit - u.workingSet()));
    m.put("Cache", u.cache());
    m.put("Rss", u.rss());
    m.put("UsageBytes", u.memoryUsage());
    m.put("WorkingSet", u.workingSet());
    return m;
  }
}
