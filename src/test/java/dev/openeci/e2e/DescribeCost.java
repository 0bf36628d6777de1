package dev.openeci.e2e;

import dev.openeci.api.rpc.HttpReply;
import dev.openeci.api.rpc.RpcRequest;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.Ids;
import dev.openeci.testing.ApiHarness;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Bench only (docs/performance.md, "Describe cost in-process"): the server CPU one signed
 * DescribeContainerGroups costs, measured in one thread as thread CPU time around
 * {@code ApiDispatcher.handle} (parse, V1 signature check, nonce, query, JSON answer) with G groups
 * in the store. Thread CPU time does not count the time other processes hold the cores, so the
 * figure is steady on a busy machine, unlike wall-clock req/s. No HTTP and no client cost.
 *
 * <pre>java -cp ... dev.openeci.e2e.DescribeCost [GROUPS...]   (default 500 10000)</pre>
 */
public final class DescribeCost {
  private DescribeCost() {}

  public static void main(String[] args) throws Exception {
    List<Integer> sizes = new ArrayList<>();
    for (String a : args) sizes.add(Integer.parseInt(a));
    if (sizes.isEmpty()) sizes = List.of(500, 10_000);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int n : sizes) {
      Path dir = Files.createTempDirectory("openeci-describe-cost");
      try (ApiHarness api = new ApiHarness(dir)) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("ContainerGroupName", "cost-0");
        p.put("Container.1.Name", "c1");
        p.put("Container.1.Image", "busybox");
        p.put("Container.1.Command.1", "/bin/sh");
        String first = api.call("CreateContainerGroup", p).body().get("ContainerGroupId").asText();
        ContainerGroup g0 = api.repo.get(first).orElseThrow();
        List<String> ids = new ArrayList<>(List.of(first));
        for (int i = 1; i < n; i++) {
          ContainerGroup g = new ContainerGroup(Ids.newGroupId(), g0.accountId(), g0.regionId(), 1, g0.spec(),
              g0.state(), g0.creationTime().plusMillis(i), g0.updatedTime(), null, 0);
          api.repo.create(g, null, null, p);
          ids.add(g.id());
        }
        for (String mode : List.of("paged (Limit 20)", "by id")) {
          boolean paged = mode.startsWith("paged");
          run(api, ids, paged, 20_000, mx); // warm-up (JIT)
          double us = run(api, ids, paged, 20_000, mx);
          System.out.printf(Locale.ROOT, "| Describe %s, V1, %,d groups stored, in-process | %.1f us CPU | %.0f per CPU-second |%n",
              mode, n, us, 1e6 / us);
        }
      }
    }
  }

  /** Average thread CPU microseconds per request; requests are signed before the clock starts. */
  static double run(ApiHarness api, List<String> ids, boolean paged, int count, ThreadMXBean mx) {
    List<RpcRequest> requests = new ArrayList<>(count);
    java.util.concurrent.ThreadLocalRandom rnd = java.util.concurrent.ThreadLocalRandom.current();
    for (int i = 0; i < count; i++) {
      Map<String, String> q = paged ? Map.of("RegionId", "cn-hangzhou", "Limit", "20")
          : Map.of("RegionId", "cn-hangzhou", "ContainerGroupIds", "[\"" + ids.get(rnd.nextInt(ids.size())) + "\"]");
      requests.add(new RpcRequest("POST", "/", ApiHarness.signedQuery("DescribeContainerGroups", q),
          Map.of("host", "harness"), new byte[0]));
    }
    long failed = 0;
    long cpu0 = mx.getCurrentThreadCpuTime();
    for (RpcRequest r : requests) {
      HttpReply reply = api.dispatcher().handle(r);
      if (reply.status() != 200) failed++;
    }
    long cpu = mx.getCurrentThreadCpuTime() - cpu0;
    if (failed > 0) throw new IllegalStateException(failed + " of " + count + " requests failed");
    return cpu / 1000.0 / count;
  }
}
