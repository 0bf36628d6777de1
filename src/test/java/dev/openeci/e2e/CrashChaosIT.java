package dev.openeci.e2e;

import static dev.openeci.e2e.SdkEndToEndIT.asList;
import static org.assertj.core.api.Assertions.assertThat;

import com.aliyun.tea.TeaException;
import com.aliyun.teaopenapi.Client;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of openeci while creates, updates and deletes are in flight (issue 10, item 8).
 * Every operation is sent by the official client and retried, exactly as an SDK user with a
 * ClientToken would, until the server acknowledges it; meanwhile the server is killed at a seeded
 * random moment and started again on the same data directory. When everything has converged:
 * <ul>
 *   <li><b>0 lost</b>: every acknowledged create that was not deleted is described, Running, with
 *       the SpecVersion its acknowledged updates give it;</li>
 *   <li><b>0 duplicates</b>: one group per name, one sandbox and one live container per group on
 *       the engine;</li>
 *   <li><b>0 orphans</b>: no engine container or volume of this server belongs to a group that is
 *       not described (deleted groups leave nothing behind).</li>
 * </ul>
 * The counts are printed as {@code crash-chaos: ...} for the closing note. Runs on both backends
 * ({@link TestBackend}): on Kubernetes "one sandbox and one container" is one Pod with its one
 * container running.
 */
@ParameterizedClass(name = "{0} backend")
@MethodSource("dev.openeci.e2e.TestBackend#enabled")
class CrashChaosIT {
  static final int ROUNDS = 3;
  static final int CREATES_PER_ROUND = 6;
  static final long SEED = Long.getLong("crashChaos.seed", 20261201L);

  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static TestBackend backend;

  @Parameter
  TestBackend thisBackend;

  @BeforeParameterizedClassInvocation
  static void start(TestBackend b) throws Exception {
    backend = b;
    SdkEndToEndIT.backend = b;
    b.busybox();
    server = b.server(dataDir.resolve(b.name().toLowerCase())).start();
  }

  @AfterParameterizedClassInvocation
  static void stop() throws Exception {
    try {
      if (server != null) server.close();
    } finally {
      server = null;
      SdkEndToEndIT.backend = TestBackend.LOCAL;
    }
  }

  /** One group the test manages: its name, its create token, and what the server acknowledged. */
  static final class Tracked {
    final String name;
    final String createToken;
    volatile String id;
    volatile int acknowledgedUpdates;
    volatile boolean deleted;

    Tracked(String name, String createToken) {
      this.name = name;
      this.createToken = createToken;
    }
  }

  @Test
  void killNineDuringCreatesUpdatesAndDeletesLosesDuplicatesAndOrphansNothing() throws Exception {
    Random random = new Random(SEED);
    Client client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET,
        false);
    List<Tracked> all = new ArrayList<>();
    int kills = 0;
    int operations = 0;
    int retries = 0;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int round = 0; round < ROUNDS; round++) {
        // The previous round's survivors: half are updated, a quarter deleted, while new ones are created.
        List<Tracked> live = all.stream().filter(t -> !t.deleted && t.id != null).toList();
        List<Callable> ops = new ArrayList<>();
        for (int i = 0; i < CREATES_PER_ROUND; i++) {
          Tracked t = new Tracked("chaos-r" + round + "-" + i + "-" + SdkEndToEndIT.shortId(),
              "chaos-create-" + round + "-" + i + "-" + SEED);
          all.add(t);
          ops.add(() -> create(client, t));
        }
        for (int i = 0; i < live.size(); i++) {
          Tracked t = live.get(i);
          if (i % 4 == 0) {
            ops.add(() -> delete(client, t));
          } else if (i % 2 == 1) {
            int n = t.acknowledgedUpdates + 1;
            ops.add(() -> update(client, t, "chaos-update-" + t.name + "-" + n));
          }
        }
        operations += ops.size();
        List<Future<Integer>> futures = new ArrayList<>();
        for (Callable op : ops) futures.add(pool.submit(op::call));
        Thread.sleep(50 + random.nextInt(1_500));
        server.kill9();
        kills++;
        Thread.sleep(random.nextInt(300));
        server.start();
        for (Future<Integer> f : futures) retries += f.get();
        // Let the round settle before the next kill, so later rounds hit groups in every phase.
        for (Tracked t : all) {
          if (!t.deleted) SdkEndToEndIT.awaitStatus(client, t.id, "Running");
        }
      }
    } finally {
      pool.shutdownNow();
    }

    // Converged: compare what was acknowledged with what is described and with the engine.
    List<Map<String, Object>> described = describeAll(client);
    Map<String, List<Map<String, Object>>> byName = described.stream()
        .collect(Collectors.groupingBy(g -> (String) g.get("ContainerGroupName")));
    int lost = 0;
    int duplicates = 0;
    List<String> problems = new ArrayList<>();
    for (Tracked t : all) {
      List<Map<String, Object>> found = byName.getOrDefault(t.name, List.of());
      if (t.deleted) {
        if (!found.isEmpty()) problems.add("deleted group still described: " + t.name);
        continue;
      }
      if (found.isEmpty()) {
        lost++;
        problems.add("lost: " + t.name + " (" + t.id + ")");
        continue;
      }
      if (found.size() > 1) {
        duplicates += found.size() - 1;
        problems.add("duplicated: " + t.name + " -> " + found.stream().map(g -> g.get("ContainerGroupId")).toList());
      }
      Map<String, Object> g = found.get(0);
      if (!t.id.equals(g.get("ContainerGroupId"))) problems.add(t.name + " has id " + g.get("ContainerGroupId")
          + ", the acknowledged create said " + t.id);
      String expectedVersion = String.valueOf(1 + t.acknowledgedUpdates);
      if (!expectedVersion.equals(g.get("SpecVersion"))) problems.add(t.name + " SpecVersion " + g.get("SpecVersion")
          + ", expected " + expectedVersion);
    }
    Set<String> liveIds = described.stream().map(g -> (String) g.get("ContainerGroupId"))
        .collect(Collectors.toCollection(TreeSet::new));
    String owner = Files.readString(server.dataDir.resolve("instance-id")).trim();
    int orphans = SdkEndToEndIT.await(() -> {
      long n = backend.groupsHeld(owner).stream().filter(id -> !liveIds.contains(id)).count();
      return n == 0 ? 0 : null;
    }, "the backend to hold nothing of a deleted group");
    // One sandbox (or Pod) and one running container per live group, nothing twice.
    Map<String, Map<String, Integer>> perGroup = backend.running(owner);
    for (String id : liveIds) {
      Map<String, Integer> counts = perGroup.getOrDefault(id, Map.of());
      if (!counts.equals(backend.oneRunning("web"))) {
        duplicates++;
        problems.add(id + " runs " + counts + " on the backend, expected " + backend.oneRunning("web"));
      }
    }
    long acknowledgedCreates = all.stream().filter(t -> t.id != null).count();
    long deletes = all.stream().filter(t -> t.deleted).count();
    int updates = all.stream().mapToInt(t -> t.acknowledgedUpdates).sum();
    System.out.printf("crash-chaos: seed %d, %d rounds, %d kill -9, %d operations (%d creates, %d updates, %d deletes"
        + " acknowledged, %d retries across restarts); lost=%d duplicates=%d orphans=%d%n", SEED, ROUNDS, kills,
        operations, acknowledgedCreates, updates, deletes, retries, lost, duplicates, orphans);
    assertThat(problems).as("server log:\n" + tail(server.logText())).isEmpty();
    assertThat(acknowledgedCreates).isEqualTo(all.size());

    for (String id : liveIds) {
      EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    }
  }

  @FunctionalInterface
  interface Callable {
    Integer call() throws Exception;
  }

  /** Create with a ClientToken until acknowledged; returns how many tries failed on the way. */
  static int create(Client client, Tracked t) throws Exception {
    Map<String, Object> q = SdkEndToEndIT.createQuery(t.name, "chaos");
    q.put("ClientToken", t.createToken);
    q.put("TerminationGracePeriodSeconds", 2);
    return retry(() -> {
      Map<String, Object> body = EciClients.call(client, "CreateContainerGroup", q);
      t.id = (String) body.get("ContainerGroupId");
    });
  }

  static int update(Client client, Tracked t, String token) throws Exception {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupId", t.id);
    q.put("ClientToken", token);
    q.put("UpdateType", "IncrementalUpdate");
    q.put("Container.1.Name", "web");
    q.put("Container.1.EnvironmentVar.1.Key", "GREETING");
    q.put("Container.1.EnvironmentVar.1.Value", token);
    int[] failures = {0};
    failures[0] = retry(() -> {
      try {
        EciClients.call(client, "UpdateContainerGroup", q);
      } catch (TeaException e) {
        // Updating is refused while the group is not Pending/Running (e.g. still Updating from a
        // retry the server did take before it died): wait and ask again with the same token.
        if ("IncorrectStatus".equals(e.getCode())) throw new RetryLater(e);
        throw e;
      }
    });
    t.acknowledgedUpdates++;
    return failures[0];
  }

  static int delete(Client client, Tracked t) throws Exception {
    int failures = retry(() -> {
      try {
        EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", t.id));
      } catch (TeaException e) {
        if (!"InvalidParameter.NotFound".equals(e.getCode())) throw e; // a retry after an acknowledged delete
      }
    });
    t.deleted = true;
    return failures;
  }

  static final class RetryLater extends RuntimeException {
    RetryLater(Throwable cause) {
      super(cause);
    }
  }

  interface Op {
    void run() throws Exception;
  }

  /** Retries connection failures (the server is down) and {@link RetryLater}; API errors fail the test. */
  static int retry(Op op) throws Exception {
    int failures = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (true) {
      try {
        op.run();
        return failures;
      } catch (com.aliyun.tea.TeaUnretryableException | RetryLater e) {
        failures++;
        if (System.nanoTime() > deadline) throw new AssertionError("no answer within 120 s", e);
        Thread.sleep(200);
      }
    }
  }

  static List<Map<String, Object>> describeAll(Client client) throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    String token = null;
    do {
      Map<String, Object> q = new LinkedHashMap<>(Map.of("RegionId", "cn-hangzhou", "Limit", 20));
      if (token != null) q.put("NextToken", token);
      Map<String, Object> body = EciClients.call(client, "DescribeContainerGroups", q);
      out.addAll(asList(body.get("ContainerGroups")));
      token = (String) body.get("NextToken");
    } while (token != null && !token.isEmpty());
    return out;
  }

  static String tail(String log) {
    return log.length() <= 20_000 ? log : log.substring(log.length() - 20_000);
  }
}
