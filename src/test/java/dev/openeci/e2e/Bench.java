package dev.openeci.e2e;

import com.aliyun.teaopenapi.Client;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.openeci.runtime.Labels;
import dev.openeci.testing.TestCluster;
import dev.openeci.testing.TestEngine;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The rerunnable benchmark behind {@code scripts/bench.sh} (docs/performance.md). It talks to an
 * already running {@code ./openeci serve} (pid, endpoint and data dir given by the script) and to
 * the same engine directly, and prints one table:
 *
 * <ol>
 *   <li>create -> Running through the official Tea client (V3) vs the same pod made directly with
 *       docker-java (sandbox + one busybox member joined to its namespaces), medians and ratio;
 *   <li>the fleet: G one-container groups created, time until all Running, then server RSS and CPU
 *       over an idle window;
 *   <li>signed DescribeContainerGroups throughput (by ids and a paged list, V3 and V1, a fresh
 *       signature and nonce per request as the SDK does) with the fleet in the store, plus the
 *       server's own CPU seconds in the window, giving its capacity on 2 cores.
 * </ol>
 *
 * With {@code --backend kubernetes --kubeconfig FILE} the server runs groups on that cluster and
 * the raw side is the same Pod created directly with fabric8 (one busybox container, the group's
 * 0.25 vCPU / 0.5 GiB as requests = limits) in a namespace of the driver's own; the fleet rows
 * add how fast the backend puts the answered creates on the cluster (pods that exist there per
 * second: "sustained") and how many of them the cluster could run, and the Describe rows add the
 * apiserver's request count over the window (Describe is served from the store, so it stays at the
 * cluster's background rate whatever the Describe rate).
 *
 * Everything it creates is deleted at the end, also on failure. Not a test: no assertion on speed.
 */
public final class Bench {
  static final String REGION = "cn-hangzhou";
  static final String SLEEPER = "trap 'exit 0' TERM; sleep 1000000 & wait";
  static final long CLK_TCK = 100; // USER_HZ on Linux

  final String endpoint;
  final String engineEndpoint;
  final long serverPid;
  final String instanceId;
  final int runs;
  final int groups;
  final int describeSeconds;
  final int describeThreads;
  final int idleSeconds;
  final String image;
  final boolean kubernetes;
  /** The group's (and the raw pod's) vCPU and GiB: small on Kubernetes, where requests = limits. */
  final double cpu;
  final double memory;
  final dev.openeci.runtime.ContainerRuntime.SandboxImage sandboxImage; // local only
  final DockerClient docker; // local only
  final KubernetesClient k8s; // kubernetes only
  final String rawNamespace; // kubernetes only: where the raw pods are made
  final Client v3;
  final Set<String> createdGroups = ConcurrentHashMap.newKeySet();
  final Set<String> rawContainers = ConcurrentHashMap.newKeySet();
  final List<String[]> rows = new ArrayList<>();
  /** Rows of earlier driver runs of the same bench (the seeded servers), printed before this run's. */
  final Path rowsFile;
  /** describe-only: measure Describe on a server whose store was seeded (BenchSeed), nothing else. */
  final boolean describeOnly;
  /** Client threads of the raw fleet: the server's sync workers (--workers, 8), the engine's concurrency. */
  final int rawThreads;

  Bench(Map<String, String> a) throws Exception {
    endpoint = a.get("endpoint");
    engineEndpoint = a.get("engine");
    serverPid = Long.parseLong(a.get("pid"));
    instanceId = Files.readString(Path.of(a.get("data-dir"), "instance-id")).trim();
    runs = Integer.parseInt(a.getOrDefault("runs", "5"));
    groups = Integer.parseInt(a.getOrDefault("groups", "500"));
    describeSeconds = Integer.parseInt(a.getOrDefault("describe-seconds", "20"));
    describeThreads = Integer.parseInt(a.getOrDefault("describe-threads", "4"));
    idleSeconds = Integer.parseInt(a.getOrDefault("idle-seconds", "60"));
    kubernetes = "kubernetes".equals(a.getOrDefault("backend", "local"));
    rowsFile = a.containsKey("rows") ? Path.of(a.get("rows")) : null;
    describeOnly = "describe-only".equals(a.getOrDefault("mode", "full"));
    rawThreads = Integer.parseInt(a.getOrDefault("raw-threads", "8"));
    if (describeOnly) {
      image = null;
      cpu = 0;
      memory = 0;
      sandboxImage = null;
      docker = null;
      k8s = null;
      rawNamespace = null;
    } else if (kubernetes) {
      image = TestCluster.BUSYBOX;
      cpu = 0.25;
      memory = 0.5;
      sandboxImage = null;
      docker = null;
      k8s = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(null, new File(a.get("kubeconfig"))))
          .build();
      rawNamespace = "openeci-bench-" + Long.toString(ProcessHandle.current().pid(), 36) + "-"
          + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    } else {
      image = TestEngine.busyboxImage();
      cpu = 2;
      memory = 4;
      sandboxImage = TestEngine.runtime().ensureSandboxImage();
      DockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(engineEndpoint)
          .withApiVersion("1.41").build();
      docker = DockerClientImpl.getInstance(cfg, new ApacheDockerHttpClient.Builder().dockerHost(cfg.getDockerHost())
          .maxConnections(16).connectionTimeout(Duration.ofSeconds(5)).build());
      k8s = null;
      rawNamespace = null;
    }
    v3 = client(false);
  }

  Client client(boolean v1) throws Exception {
    return EciClients.tea(endpoint, System.getenv("OPENECI_ACCESS_KEY_ID"), System.getenv("OPENECI_ACCESS_KEY_SECRET"),
        v1);
  }

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    Bench b = new Bench(a);
    int rc = 0;
    try {
      b.run();
    } catch (Throwable t) {
      t.printStackTrace();
      rc = 1;
    } finally {
      b.cleanUp();
    }
    b.printTable();
    System.exit(rc);
  }

  void run() throws Exception {
    if (describeOnly) {
      seededDescribe();
      return;
    }
    if (kubernetes) {
      note("cluster " + k8s.getMasterUrl() + " (Kubernetes " + k8s.getKubernetesVersion().getGitVersion()
          + "), server pid " + serverPid + ", instance " + instanceId + ", image " + image);
      createRawNamespace();
    } else {
      note("engine " + engineEndpoint + ", server pid " + serverPid + ", instance " + instanceId + ", image " + image);
    }
    createToRunning();
    if (!kubernetes) rawFleet();
    List<String> fleet = fleet();
    describe(fleet);
    deleteAll();
    if (!kubernetes) {
      ratio("fleet create (all Running) openeci/raw", openeciFleetS, rawFleetS);
      ratio("fleet delete (engine holds none) openeci/raw", openeciDeleteS, rawDeleteS);
    }
  }

  double openeciFleetS;
  double rawFleetS;
  double openeciDeleteS;
  double rawDeleteS;

  /** Time ratio a/b, and the throughput ratio it means (target: openeci >= 0.8x the raw engine's). */
  void ratio(String what, double openeci, double raw) {
    if (openeci <= 0 || raw <= 0) return;
    row(what, String.format(Locale.ROOT, "%.2fx", openeci / raw), String.format(Locale.ROOT,
        "%.1f s / %.1f s; throughput %.2fx of raw, target >= 0.8x", openeci, raw, raw / openeci));
  }

  // --- a) create -> Running vs the raw engine ---------------------------------------------------------

  void createToRunning() throws Exception {
    List<Long> eci = new ArrayList<>();
    List<Long> raw = new ArrayList<>();
    // One warm-up of each (class loading, first image use), not counted.
    for (int i = 0; i <= runs; i++) {
      long r = kubernetes ? rawKubernetesPod() : rawPod();
      long e = eciGroup();
      if (i == 0) continue;
      raw.add(r);
      eci.add(e);
      note(String.format(Locale.ROOT, "run %d: openeci %d ms, raw %d ms", i, e, r));
    }
    long me = median(eci);
    long mr = median(raw);
    long pe = percentile(eci, 99);
    long pr = percentile(raw, 99);
    String p99 = runs < 100 ? "p99 (= max of " + runs + ")" : "p99 of " + runs;
    row("create->Running, openeci p50 / " + p99, me + " ms / " + pe + " ms", "all: " + eci);
    String rawName = kubernetes ? "the same Pod made with fabric8" : "raw engine";
    row("create->Running, " + rawName + " p50 / " + p99, mr + " ms / " + pr + " ms", "all: " + raw);
    row("create->Running ratio openeci/raw, p50", String.format(Locale.ROOT, "%.2fx", (double) me / mr),
        kubernetes ? "target <= 1.1x" : "target <= 1.2x");
    row("create->Running ratio openeci/raw, p99", String.format(Locale.ROOT, "%.2fx", (double) pe / pr),
        "target <= 1.5x");
  }

  /**
   * How often the create->Running runs poll: Describe for openeci, inspect for the raw engine. The
   * same on both sides; a real client polls every few seconds, a 5 ms loop of signed requests
   * competes with the engine for the 2 cores while it starts the pod.
   */
  static final long POLL_MS = Long.getLong("bench.pollMs", 20);

  long eciGroup() throws Exception {
    long t0 = System.nanoTime();
    String id = create("bench-a-" + ThreadLocalRandom.current().nextInt(1_000_000), v3);
    while (true) {
      List<Map<String, Object>> g = SdkEndToEndIT.asList(EciClients.call(v3, "DescribeContainerGroups",
          Map.of("RegionId", REGION, "ContainerGroupIds", "[\"" + id + "\"]")).get("ContainerGroups"));
      if (g.size() == 1 && "Running".equals(g.get(0).get("Status"))) break;
      if (System.nanoTime() - t0 > Duration.ofSeconds(120).toNanos()) throw new IllegalStateException(id + " not Running");
      Thread.sleep(POLL_MS);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    delete(id);
    if (kubernetes) awaitClusterHolds(Map.of(K8S_GROUP_ID, id), 0, Duration.ofSeconds(180));
    else awaitEngineHolds(Map.of(Labels.GROUP_ID, id), 0, Duration.ofSeconds(120));
    return ms;
  }

  long rawPod() throws Exception {
    String name = "openeci-bench-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
    long t0 = System.nanoTime();
    // The same pod as the group: a 2 vCPU / 4 GiB group gives its container those cgroup limits.
    String[] pod = startRawPod(name);
    String sandbox = pod[0];
    String member = pod[1];
    while (!(running(sandbox) && running(member))) Thread.sleep(POLL_MS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    for (String id : List.of(member, sandbox)) {
      docker.removeContainerCmd(id).withForce(true).exec();
      rawContainers.remove(id);
    }
    return ms;
  }

  boolean running(String id) {
    InspectContainerResponse r = docker.inspectContainerCmd(id).exec();
    return Boolean.TRUE.equals(r.getState().getRunning());
  }

  String create(String name, Client c) throws Exception {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", REGION);
    q.put("ContainerGroupName", name);
    q.put("RestartPolicy", "Always");
    q.put("Cpu", num(cpu));
    q.put("Memory", num(memory));
    q.put("Container.1.Name", "c1");
    q.put("Container.1.Image", image);
    q.put("Container.1.ImagePullPolicy", "IfNotPresent");
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Arg.1", "-c");
    q.put("Container.1.Arg.2", SLEEPER);
    String id = (String) EciClients.call(c, "CreateContainerGroup", q).get("ContainerGroupId");
    createdGroups.add(id);
    return id;
  }

  static Object num(double d) {
    return d == Math.rint(d) ? (Object) (long) d : (Object) d;
  }

  void delete(String id) throws Exception {
    EciClients.call(v3, "DeleteContainerGroup", Map.of("RegionId", REGION, "ContainerGroupId", id));
    createdGroups.remove(id);
  }

  // --- c) the fleet ------------------------------------------------------------------------------------

  List<String> fleet() throws Exception {
    note("creating " + groups + " groups ...");
    long t0 = System.nanoTime();
    List<String> ids = Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicLong firstSeen = new AtomicLong(-1);
    Thread watcher = new Thread(() -> { // sees the first Running while creates are still being sent
      try {
        while (firstSeen.get() < 0 && !Thread.currentThread().isInterrupted()) {
          if (countRunning() > 0) firstSeen.compareAndSet(-1, System.nanoTime() - t0);
          Thread.sleep(250);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Exception e) {
        note("watcher: " + e);
      }
    }, "first-running");
    watcher.setDaemon(true);
    watcher.start();
    try {
      List<Future<?>> fs = new ArrayList<>();
      AtomicLong n = new AtomicLong();
      for (int t = 0; t < 4; t++) {
        fs.add(pool.submit(() -> {
          Client c = client(false);
          long i;
          while ((i = n.getAndIncrement()) < groups) ids.add(create("bench-fleet-" + i, c));
          return null;
        }));
      }
      for (Future<?> f : fs) f.get();
    } finally {
      pool.shutdown();
    }
    double createdS = (System.nanoTime() - t0) / 1e9;
    note(String.format(Locale.ROOT, "%d CreateContainerGroup calls answered in %.1f s", groups, createdS));
    if (kubernetes) {
      kubernetesFleet(t0, createdS, firstSeen);
      watcher.interrupt();
      idleWindow();
      return ids;
    }
    long nextReport = System.nanoTime();
    int running;
    while (true) {
      running = countRunning();
      if (running > 0) firstSeen.compareAndSet(-1, System.nanoTime() - t0);
      if (running >= groups) break;
      if (System.nanoTime() >= nextReport) {
        note(String.format(Locale.ROOT, "  %.0f s: %d/%d Running", (System.nanoTime() - t0) / 1e9, running, groups));
        nextReport = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      if (System.nanoTime() - t0 > Duration.ofMinutes(30).toNanos()) throw new IllegalStateException("fleet not Running");
      Thread.sleep(1000);
    }
    double allS = (System.nanoTime() - t0) / 1e9;
    openeciFleetS = allS;
    watcher.interrupt();
    long firstRunning = firstSeen.get();
    note(String.format(Locale.ROOT, "all %d Running after %.1f s", groups, allS));
    row("fleet: " + groups + " creates answered", String.format(Locale.ROOT, "%.1f s", createdS), "4 client threads");
    row("fleet: first Running / all Running", String.format(Locale.ROOT, "%.1f s / %.1f s", firstRunning / 1e9, allS),
        String.format(Locale.ROOT, "%.1f groups/s", groups / allS));
    idleWindow();
    return ids;
  }

  void idleWindow() throws Exception {
    Thread.sleep(5000); // let the last syncs and events settle before the idle window
    long cpu0 = cpuTicks();
    long rssMax = 0;
    long w0 = System.nanoTime();
    for (int i = 0; i < idleSeconds; i++) {
      rssMax = Math.max(rssMax, rssKb());
      Thread.sleep(1000);
    }
    double wall = (System.nanoTime() - w0) / 1e9;
    double cpu = (cpuTicks() - cpu0) / (double) CLK_TCK;
    long rss = rssKb();
    row("fleet: server RSS with " + groups + (kubernetes ? " groups" : " Running"), String.format(Locale.ROOT, "%.0f MB", rss / 1024.0),
        String.format(Locale.ROOT, "max %.0f MB over %d s; target <= 256 MB", rssMax / 1024.0, idleSeconds));
    row("fleet: server CPU idle", String.format(Locale.ROOT, "%.2f %% of one core", 100 * cpu / wall),
        String.format(Locale.ROOT, "%.2f CPU-s in %.0f s", cpu, wall));
  }

  int countRunning() throws Exception {
    int running = 0;
    String token = null;
    do {
      Map<String, Object> q = new LinkedHashMap<>(Map.of("RegionId", REGION, "Limit", 20));
      if (token != null) q.put("NextToken", token);
      Map<String, Object> body = EciClients.call(v3, "DescribeContainerGroups", q);
      for (Map<String, Object> g : SdkEndToEndIT.asList(body.get("ContainerGroups"))) {
        if ("Running".equals(g.get("Status"))) running++;
      }
      token = (String) body.get("NextToken");
    } while (token != null && !token.isEmpty());
    return running;
  }

  // --- b) Describe throughput --------------------------------------------------------------------------

  void describe(List<String> fleet) throws Exception {
    List<String> ids = List.copyOf(fleet);
    note("warming up the Describe paths (JIT), 5 s per mode ...");
    describeMode(null, ids, false, false);
    describeMode(null, ids, false, true);
    describeMode(null, ids, true, false);
    String n = ids.size() + " groups stored (fleet)";
    describeMode("Describe by id, V3, " + n, ids, false, false);
    describeMode("Describe paged (Limit 20), V3, " + n, ids, false, true);
    describeMode("Describe by id, V1, " + n, ids, true, false);
  }

  void describeMode(String label, List<String> ids, boolean v1, boolean list) throws Exception {
    describeMode(label, ids, v1, list, endpoint, serverPid);
  }

  /**
   * K client threads sending signed Describe requests (each client keeps its connection alive) to
   * the server at {@code at} for S seconds; rows: measured req/s with the client-observed p50/p99
   * latency, and the extrapolated capacity = requests / the server's CPU-seconds in the window.
   */
  void describeMode(String label, List<String> ids, boolean v1, boolean list, String at, long pid) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong ok = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(describeThreads);
    List<Client> clients = new ArrayList<>();
    for (int t = 0; t < describeThreads; t++) {
      clients.add(EciClients.tea(at, System.getenv("OPENECI_ACCESS_KEY_ID"), System.getenv("OPENECI_ACCESS_KEY_SECRET"),
          v1));
    }
    List<Future<long[]>> fs = new ArrayList<>();
    AtomicBoolean counting = new AtomicBoolean();
    for (Client c : clients) {
      fs.add(pool.submit(() -> {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long[] lat = new long[1 << 16];
        int n = 0;
        while (!stop.get()) {
          Map<String, Object> q = new LinkedHashMap<>();
          q.put("RegionId", REGION);
          if (list) q.put("Limit", 20);
          else q.put("ContainerGroupIds", "[\"" + ids.get(rnd.nextInt(ids.size())) + "\"]");
          long r0 = System.nanoTime();
          try {
            Map<String, Object> body = EciClients.call(c, "DescribeContainerGroups", q);
            long us = (System.nanoTime() - r0) / 1000;
            if (counting.get()) {
              if (SdkEndToEndIT.asList(body.get("ContainerGroups")).isEmpty()) {
                failed.incrementAndGet();
              } else {
                ok.incrementAndGet();
                if (n == lat.length) lat = java.util.Arrays.copyOf(lat, n * 2);
                lat[n++] = us;
              }
            }
          } catch (Exception e) {
            if (counting.get()) failed.incrementAndGet();
          }
        }
        return java.util.Arrays.copyOf(lat, n);
      }));
    }
    Thread.sleep(label == null ? 5000 : 1000);
    if (label == null) { // warm-up only
      stop.set(true);
      for (Future<?> f : fs) f.get();
      pool.shutdown();
      return;
    }
    long cpu0 = cpuTicks(pid);
    double api0 = kubernetes ? apiserverRequests() : 0;
    long t0 = System.nanoTime();
    counting.set(true);
    Thread.sleep(describeSeconds * 1000L);
    counting.set(false);
    double wall = (System.nanoTime() - t0) / 1e9;
    double cpu = (cpuTicks(pid) - cpu0) / (double) CLK_TCK;
    double api = kubernetes ? apiserverRequests() - api0 : 0;
    stop.set(true);
    List<Long> lat = new ArrayList<>();
    for (Future<long[]> f : fs) for (long us : f.get()) lat.add(us);
    pool.shutdown();
    long n = ok.get();
    row(label + ", " + describeThreads + " client threads", String.format(Locale.ROOT, "%.0f req/s", n / wall),
        String.format(Locale.ROOT, "%d ok, %d failed in %.1f s; server CPU %.1f s (%.0f%% of 2 cores)", n,
            failed.get(), wall, cpu, 100 * cpu / wall / 2));
    row(label + ", client-observed p50 / p99", String.format(Locale.ROOT, "%.1f ms / %.1f ms",
        percentile(lat, 50) / 1000.0, percentile(lat, 99) / 1000.0),
        "signing, HTTP keep-alive and parsing included; client and server share the cores");
    row(label + ", extrapolated capacity", String.format(Locale.ROOT, "%.0f req/s", cpu == 0 ? 0 : n / cpu),
        String.format(Locale.ROOT, "= requests / server CPU-s (one core busy); x2 cores = %.0f; target >= 5000",
            cpu == 0 ? 0 : 2 * n / cpu));
    if (kubernetes) {
      row(label + ", apiserver requests in the window", String.format(Locale.ROOT, "%.1f /s", api / wall),
          String.format(Locale.ROOT, "%.0f requests (all clients, from its /metrics) for %d Describes: %.4f per Describe",
              api, n, n == 0 ? 0 : api / n));
    }
  }

  // --- d) Describe against a seeded store (BenchSeed + bench-null-engine.py) ---------------------------

  /** Paged Describe (Limit 20) and Describe by id against a server whose store holds seeded groups. */
  void seededDescribe() throws Exception {
    awaitServerIdle(serverPid);
    List<String> ids = new ArrayList<>();
    String token = null;
    do {
      Map<String, Object> q = new LinkedHashMap<>(Map.of("RegionId", REGION, "Limit", 20));
      if (token != null) q.put("NextToken", token);
      Map<String, Object> body = EciClients.call(v3, "DescribeContainerGroups", q);
      for (Map<String, Object> g : SdkEndToEndIT.asList(body.get("ContainerGroups"))) {
        ids.add((String) g.get("ContainerGroupId"));
      }
      token = (String) body.get("NextToken");
    } while (token != null && !token.isEmpty());
    note("seeded server pid " + serverPid + " holds " + ids.size() + " groups; RSS "
        + rssKb() / 1024 + " MB; warming up 5 s per mode ...");
    String n = String.format(Locale.ROOT, "%,d", ids.size());
    describeMode(null, ids, false, true);
    describeMode(null, ids, false, false);
    describeMode("Describe paged (Limit 20), V3, " + n + " groups stored", ids, false, true);
    describeMode("Describe by id, V3, " + n + " groups stored", ids, false, false);
    row("server RSS with " + n + " groups stored", String.format(Locale.ROOT, "%.0f MB", rssKb() / 1024.0),
        "seeded store (BenchSeed), engine: bench-null-engine.py");
  }

  /** Waits (at most 5 minutes) until the server used < 5% of a core over 2 s: its start-up syncs are done. */
  void awaitServerIdle(long pid) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      long c0 = cpuTicks(pid);
      Thread.sleep(2000);
      if (cpuTicks(pid) - c0 < CLK_TCK / 10) return;
    }
    note("server " + pid + " still busy after 5 minutes; measuring anyway");
  }

  // --- raw fleet: the same pods straight through the engine ---------------------------------------------

  /**
   * G pods made directly (sandbox + one member each, as in {@link #rawPod}) by {@link #rawThreads}
   * threads, the concurrency openeci's sync workers give the engine; time until every one runs
   * (checked every second, as the openeci fleet is). Then deleted as openeci deletes a group:
   * the member stopped with the group's grace period (30 s; the sleeper exits on SIGTERM at once),
   * then member and sandbox removed.
   */
  void rawFleet() throws Exception {
    note("raw engine: creating " + groups + " pods with " + rawThreads + " threads ...");
    List<String[]> pods = Collections.synchronizedList(new ArrayList<>());
    long t0 = System.nanoTime();
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < groups; i++) idx.add(i);
    parallel(rawThreads, idx, i -> pods.add(startRawPod("openeci-bench-fleet-" + Long.toHexString(
        ThreadLocalRandom.current().nextLong() & 0xffffffffffL))));
    double startedS = (System.nanoTime() - t0) / 1e9;
    while (true) {
      int running = 0;
      for (var c : docker.listContainersCmd().withShowAll(false).exec()) {
        if (c.getNames() != null && c.getNames().length > 0 && c.getNames()[0].startsWith("/openeci-bench-fleet-")
            && c.getNames()[0].endsWith("-c1")) running++;
      }
      if (running >= groups) break;
      if (System.nanoTime() - t0 > Duration.ofMinutes(30).toNanos()) throw new IllegalStateException("raw fleet");
      Thread.sleep(1000);
    }
    rawFleetS = (System.nanoTime() - t0) / 1e9;
    row("raw fleet: " + groups + " pods all running", String.format(Locale.ROOT, "%.1f s", rawFleetS),
        String.format(Locale.ROOT, "create+start calls done in %.1f s; %d threads; %.1f pods/s", startedS, rawThreads,
            groups / rawFleetS));
    long d0 = System.nanoTime();
    parallel(rawThreads, new ArrayList<>(pods), p -> {
      docker.stopContainerCmd(p[1]).withTimeout(30).exec();
      for (String id : List.of(p[1], p[0])) {
        docker.removeContainerCmd(id).withForce(true).exec();
        rawContainers.remove(id);
      }
    });
    rawDeleteS = (System.nanoTime() - d0) / 1e9;
    row("raw fleet: delete all (stop -t 30, remove)", String.format(Locale.ROOT, "%.1f s", rawDeleteS),
        String.format(Locale.ROOT, "%d threads", rawThreads));
  }

  /** Sandbox + member of one raw pod, created and started; {sandbox id, member id}. */
  String[] startRawPod(String name) {
    String sandbox = docker.createContainerCmd(sandboxImage.image()).withName(name + "-sandbox")
        .withEntrypoint(sandboxImage.command()).withHostName(name)
        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("bridge").withIpcMode("shareable"))
        .exec().getId();
    rawContainers.add(sandbox);
    docker.startContainerCmd(sandbox).exec();
    String member = docker.createContainerCmd(image).withName(name + "-c1").withHostName(name)
        .withEntrypoint("/bin/sh", "-c").withCmd(SLEEPER)
        .withHostConfig(HostConfig.newHostConfig().withNetworkMode("container:" + sandbox)
            .withIpcMode("container:" + sandbox).withNanoCPUs(2_000_000_000L).withMemory(4L << 30)
            .withMemorySwap(4L << 30))
        .exec().getId();
    rawContainers.add(member);
    docker.startContainerCmd(member).exec();
    return new String[] {sandbox, member};
  }

  interface Work<T> {
    void run(T item) throws Exception;
  }

  /** Runs {@code work} for every item on {@code threads} threads; the first failure is thrown. */
  static <T> void parallel(int threads, List<T> items, Work<T> work) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      AtomicLong next = new AtomicLong();
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        fs.add(pool.submit(() -> {
          long i;
          while ((i = next.getAndIncrement()) < items.size()) work.run(items.get((int) i));
          return null;
        }));
      }
      for (Future<?> f : fs) f.get();
    } finally {
      pool.shutdown();
    }
  }

  // --- clean-up ----------------------------------------------------------------------------------------

  void deleteAll() throws Exception {
    List<String> ids = new ArrayList<>(createdGroups);
    note("deleting " + ids.size() + " groups ...");
    long t0 = System.nanoTime();
    parallel(4, ids, id -> delete(id));
    if (kubernetes) {
      awaitClusterHolds(Map.of(K8S_OWNER, instanceId), 0, Duration.ofMinutes(15));
      row("fleet: delete all, cluster holds no pod", String.format(Locale.ROOT, "%.1f s",
          (System.nanoTime() - t0) / 1e9), "label " + K8S_OWNER + "=" + instanceId);
      return;
    }
    awaitEngineHolds(Map.of(Labels.OWNER, instanceId), 0, Duration.ofMinutes(15));
    openeciDeleteS = (System.nanoTime() - t0) / 1e9;
    row("fleet: delete all, engine holds none", String.format(Locale.ROOT, "%.1f s", openeciDeleteS),
        "4 client threads; label " + Labels.OWNER + "=" + instanceId);
  }

  void cleanUp() {
    if (describeOnly) return; // a seeded store; nothing was created
    for (String id : new ArrayList<>(createdGroups)) {
      try {
        delete(id);
      } catch (Exception e) {
        note("cannot delete " + id + ": " + e);
      }
    }
    if (kubernetes) {
      try {
        k8s.pods().inNamespace(rawNamespace).withGracePeriod(0).delete();
        k8s.namespaces().withName(rawNamespace).delete();
      } catch (KubernetesClientException e) {
        note("cannot delete namespace " + rawNamespace + ": " + e.getMessage());
      }
      try {
        awaitClusterHolds(Map.of(K8S_OWNER, instanceId), 0, Duration.ofMinutes(15));
      } catch (Exception e) {
        note("clean-up: " + e.getMessage());
      }
      k8s.close();
      return;
    }
    for (String id : new ArrayList<>(rawContainers)) {
      try {
        docker.removeContainerCmd(id).withForce(true).exec();
      } catch (RuntimeException e) {
        note("cannot remove " + id + ": " + e);
      }
    }
    try {
      awaitEngineHolds(Map.of(Labels.OWNER, instanceId), 0, Duration.ofMinutes(15));
    } catch (Exception e) {
      note("clean-up: " + e.getMessage());
    }
  }

  // --- kubernetes ----------------------------------------------------------------------------------------

  /** The backend's labels (KubernetesNames.OWNER / GROUP_ID): every Pod it makes carries them. */
  static final String K8S_OWNER = "openeci.dev/owner";
  static final String K8S_GROUP_ID = "openeci.dev/group-id";

  void createRawNamespace() throws Exception {
    k8s.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(rawNamespace)
        .withLabels(Map.of("openeci.dev/bench", "raw")).endMetadata().build()).create();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (k8s.serviceAccounts().inNamespace(rawNamespace).withName("default").get() == null) {
      if (System.nanoTime() > deadline) throw new IllegalStateException(rawNamespace + ": no default ServiceAccount");
      Thread.sleep(100);
    }
  }

  /** The group's Pod made directly: one busybox container, requests = limits = the group's. */
  long rawKubernetesPod() throws Exception {
    String name = "raw-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
    Map<String, Quantity> res = Map.of("cpu", new Quantity(Math.round(cpu * 1000) + "m"), "memory",
        new Quantity(Math.round(memory * 1024) + "Mi"));
    Pod pod = new PodBuilder().withNewMetadata().withName(name).endMetadata()
        .withNewSpec().withRestartPolicy("Always")
        .addNewContainer().withName("c1").withImage(image).withImagePullPolicy("IfNotPresent")
        .withCommand("/bin/sh").withArgs("-c", SLEEPER)
        .withNewResources().withRequests(res).withLimits(res).endResources()
        .endContainer().endSpec().build();
    long t0 = System.nanoTime();
    k8s.pods().inNamespace(rawNamespace).resource(pod).create();
    while (true) {
      Pod p = k8s.pods().inNamespace(rawNamespace).withName(name).get();
      if (p != null && p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) break;
      if (System.nanoTime() - t0 > Duration.ofSeconds(120).toNanos()) throw new IllegalStateException(name + " not Running");
      Thread.sleep(POLL_MS);
    }
    long ms = (System.nanoTime() - t0) / 1_000_000;
    // Deleted as openeci deletes a group (its grace period, here the default 30 s for the raw one: the
    // sleeper exits at once on SIGTERM), then gone before the next run, as for the group.
    k8s.pods().inNamespace(rawNamespace).withName(name).delete();
    long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
    while (k8s.pods().inNamespace(rawNamespace).withName(name).get() != null) {
      if (System.nanoTime() > deadline) throw new IllegalStateException(name + " not gone");
      Thread.sleep(100);
    }
    return ms;
  }

  /** Pods of every namespace carrying all of {@code labels}. */
  List<Pod> clusterPods(Map<String, String> labels) {
    return k8s.pods().inAnyNamespace().withLabels(labels).list().getItems();
  }

  void awaitClusterHolds(Map<String, String> labels, int n, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    int found;
    while ((found = clusterPods(labels).size()) != n) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("cluster still holds " + found + " " + labels);
      Thread.sleep(250);
    }
  }

  /**
   * After the creates were answered: when every group has its Pod on the cluster (the rate the
   * backend sustains), then until every Pod is settled (Running, or Pending because the scheduler
   * found no room: requests = limits, so a small node runs only as many as its CPUs allow), then
   * until Describe shows as many Running as the cluster does.
   */
  void kubernetesFleet(long t0, double createdS, AtomicLong firstSeen) throws Exception {
    Map<String, String> owner = Map.of(K8S_OWNER, instanceId);
    long nextReport = System.nanoTime();
    int onCluster;
    while ((onCluster = clusterPods(owner).size()) < groups) {
      if (System.nanoTime() >= nextReport) {
        note(String.format(Locale.ROOT, "  %.0f s: %d/%d pods on the cluster", (System.nanoTime() - t0) / 1e9,
            onCluster, groups));
        nextReport = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      if (System.nanoTime() - t0 > Duration.ofMinutes(30).toNanos()) throw new IllegalStateException("pods not made");
      Thread.sleep(100);
    }
    double onClusterS = (System.nanoTime() - t0) / 1e9;
    int running;
    int unschedulable;
    while (true) {
      running = 0;
      unschedulable = 0;
      for (Pod p : clusterPods(owner)) {
        if (p.getStatus() == null) continue;
        if ("Running".equals(p.getStatus().getPhase())) running++;
        else if (p.getStatus().getConditions() != null && p.getStatus().getConditions().stream()
            .anyMatch(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()))) unschedulable++;
      }
      if (running + unschedulable >= groups) break;
      if (System.nanoTime() >= nextReport) {
        note(String.format(Locale.ROOT, "  %.0f s: %d Running, %d unschedulable of %d", (System.nanoTime() - t0) / 1e9,
            running, unschedulable, groups));
        nextReport = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      }
      if (System.nanoTime() - t0 > Duration.ofMinutes(30).toNanos()) throw new IllegalStateException("fleet not settled");
      Thread.sleep(1000);
    }
    double settledS = (System.nanoTime() - t0) / 1e9;
    int described;
    while ((described = countRunning()) < running) {
      if (System.nanoTime() - t0 > Duration.ofMinutes(30).toNanos()) {
        throw new IllegalStateException("Describe shows " + described + " Running, the cluster " + running);
      }
      Thread.sleep(250);
    }
    double describedS = (System.nanoTime() - t0) / 1e9;
    row("fleet: " + groups + " creates answered", String.format(Locale.ROOT, "%.1f s", createdS),
        String.format(Locale.ROOT, "%.1f creates/s answered, 4 client threads; target >= 50", groups / createdS));
    row("fleet: all " + groups + " Pods on the cluster", String.format(Locale.ROOT, "%.1f s", onClusterS),
        String.format(Locale.ROOT, "%.1f creates/s sustained (answered -> Pod made by the backend); target >= 50",
            groups / onClusterS));
    row("fleet: settled (Running or unschedulable)", String.format(Locale.ROOT, "%.1f s", settledS),
        String.format(Locale.ROOT, "%d Running, %d unschedulable (requests = limits = %.2f vCPU each)", running,
            unschedulable, cpu));
    row("fleet: first Running / Describe shows all " + running + " Running",
        (firstSeen.get() < 0 ? "none" : String.format(Locale.ROOT, "%.1f s", firstSeen.get() / 1e9))
            + String.format(Locale.ROOT, " / %.1f s", describedS), "through the informers");
  }

  /** The apiserver's apiserver_request_total summed over every label set (admin kubeconfig: /metrics). */
  double apiserverRequests() throws Exception {
    var http = k8s.getHttpClient();
    String url = k8s.getMasterUrl().toString().replaceAll("/+$", "") + "/metrics";
    var r = http.sendAsync(http.newHttpRequestBuilder().uri(url).build(), String.class).get(30,
        java.util.concurrent.TimeUnit.SECONDS);
    if (!r.isSuccessful()) throw new IllegalStateException("apiserver /metrics: HTTP " + r.code());
    double sum = 0;
    for (String line : r.body().split("\n")) {
      if (!line.startsWith("apiserver_request_total{")) continue;
      sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }

  void awaitEngineHolds(Map<String, String> labels, int n, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    int found;
    while ((found = docker.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec().size()) != n) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("engine still holds " + found + " " + labels);
      Thread.sleep(100);
    }
  }

  // --- /proc -------------------------------------------------------------------------------------------

  long cpuTicks() throws IOException {
    return cpuTicks(serverPid);
  }

  static long cpuTicks(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
  }

  long rssKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/" + serverPid + "/status"))) {
      if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
    }
    return -1;
  }

  // --- output ------------------------------------------------------------------------------------------

  /** Nearest-rank percentile (p99 of fewer than 100 samples is their maximum). */
  static long percentile(List<Long> xs, double p) {
    List<Long> s = new ArrayList<>(xs);
    Collections.sort(s);
    if (s.isEmpty()) return 0;
    int rank = (int) Math.ceil(p / 100 * s.size());
    return s.get(Math.max(0, Math.min(s.size() - 1, rank - 1)));
  }

  static long median(List<Long> xs) {
    List<Long> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.isEmpty() ? 0 : s.get(s.size() / 2);
  }

  void row(String what, String value, String detail) {
    rows.add(new String[] {what, value, detail});
    note(what + ": " + value + "  (" + detail + ")");
  }

  static void note(String s) {
    System.err.println("bench: " + s);
  }

  void printTable() {
    List<String[]> all = new ArrayList<>();
    if (rowsFile != null) {
      try {
        if (Files.exists(rowsFile)) {
          for (String line : Files.readAllLines(rowsFile)) if (!line.isEmpty()) all.add(line.split("\t", 3));
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) out.append(String.join("\t", r)).append('\n');
        Files.writeString(rowsFile, out.toString(), java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      } catch (IOException e) {
        note("rows file " + rowsFile + ": " + e);
      }
      if (describeOnly) return; // the full run that follows prints every row
    }
    all.addAll(rows);
    printRows(all);
  }

  void printRows(List<String[]> rows) {
    int w0 = 10;
    int w1 = 5;
    for (String[] r : rows) {
      w0 = Math.max(w0, r[0].length());
      w1 = Math.max(w1, r[1].length());
    }
    String fmt = "| %-" + w0 + "s | %" + w1 + "s | %s |%n";
    System.out.printf(fmt, "measure", "value", "detail");
    System.out.printf("|%s|%s:|%s|%n", "-".repeat(w0 + 2), "-".repeat(w1 + 1), "-".repeat(10));
    for (String[] r : rows) System.out.printf(fmt, r[0], r[1], r[2]);
  }
}
