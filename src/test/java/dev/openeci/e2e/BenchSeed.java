package dev.openeci.e2e;

import dev.openeci.api.mapping.CreateRequestMapper;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerState;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.Ids;
import dev.openeci.server.Bootstrap;
import dev.openeci.store.Database;
import dev.openeci.store.GroupRepository;
import dev.openeci.store.SecretBox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bench only (scripts/bench.sh, docs/performance.md "Describe with 10,000 groups"): writes N
 * synthetic finished groups into a fresh data directory's SQLite store through the real
 * {@link GroupRepository}, before a real {@code ./openeci serve} starts on that directory. Each
 * group has the bench's one-busybox-container spec (mapped by the real CreateRequestMapper, but
 * RestartPolicy Never) and a Succeeded state with an IP, a terminated container and one event, as
 * a real finished group stores it. No container exists for them: the server is started against
 * scripts/bench-null-engine.py (a Docker API that holds nothing), so each group's one sync at
 * start sees an empty engine and, the group being finished, does nothing; Describe answers from
 * the store as for any group.
 *
 * <pre>java -cp ... dev.openeci.e2e.BenchSeed DATA_DIR COUNT</pre>
 */
public final class BenchSeed {
  private BenchSeed() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    int count = Integer.parseInt(args[1]);
    Files.createDirectories(dir);
    long t0 = System.nanoTime();
    try (Database db = Database.open(dir.resolve("openeci.db"), SecretBox.keyFile(dir, System.getenv()))) {
      GroupRepository repo = new GroupRepository(db);
      Instant base = Instant.now().minusSeconds(count + 60L);
      for (int i = 0; i < count; i++) {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("RegionId", Bench.REGION);
        q.put("ContainerGroupName", "bench-seed-" + i);
        q.put("RestartPolicy", "Never");
        q.put("Cpu", "2");
        q.put("Memory", "4");
        q.put("Container.1.Name", "c1");
        q.put("Container.1.Image", "localhost/openeci-test/busybox:1");
        q.put("Container.1.ImagePullPolicy", "IfNotPresent");
        q.put("Container.1.Command.1", "/bin/sh");
        q.put("Container.1.Arg.1", "-c");
        q.put("Container.1.Arg.2", Bench.SLEEPER);
        GroupSpec spec = CreateRequestMapper.map(new ParamReader(q), Bench.REGION + "-k");
        Instant created = base.plusSeconds(i);
        Instant started = created.plusMillis(450);
        Instant finished = started.plusSeconds(30);
        GroupState state = new GroupState(GroupStatus.Succeeded, "10.88." + (i >> 8 & 255) + "." + (i & 255), null,
            List.of(), List.of(new ContainerStatus("c1", false, 0,
                ContainerState.terminated("Completed", null, 0, started, finished), null)),
            finished, null, Map.of(), Map.of(), 0);
        ContainerGroup g = new ContainerGroup(Ids.newGroupId(), Bootstrap.ADMIN_ACCOUNT, Bench.REGION, 1, spec, state,
            created, finished, null, 0);
        repo.create(g, null, null, q);
        repo.recordEvent(g.id(), "Normal", "Started", "Started container c1", "c1", started);
      }
    }
    System.err.printf("bench-seed: %d finished groups written to %s in %.1f s%n", count, dir,
        (System.nanoTime() - t0) / 1e9);
  }
}
