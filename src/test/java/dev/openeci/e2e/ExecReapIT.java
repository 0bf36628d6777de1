package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.testing.TestEngine;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15: after exec sessions of every kind (sync, sync timing out, WebSocket, WebSocket whose
 * client vanishes mid-stream, {@code ./openeci exec}'s client, exec probes) a group must still
 * restart and delete within its grace period plus a bounded margin, and no exec process (nor its
 * conmon pair on Podman) may outlive its session by more than a few seconds.
 *
 * <p>The hang was seen in 3 of 5 runs. With {@link #ROUNDS} independent rounds, each doing a
 * restart and a delete, a defect with that rate survives all rounds with probability
 * (2/5)^ROUNDS: 12 rounds give 1.7e-5 (counting only one attempt per round).
 */
class ExecReapIT {
  static final int ROUNDS = Integer.getInteger("execreap.rounds", 12);
  static final int GRACE = 2;
  static final int SYNC_TIMEOUT = 3;
  /** Restart and delete must finish within the grace period plus this. */
  static final Duration MARGIN = Duration.ofSeconds(20);

  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static ContainerRuntime engine;

  @BeforeAll
  static void start() throws Exception {
    engine = TestEngine.runtime();
    TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint())
        .withArgs("--exec-sync-timeout-seconds", String.valueOf(SYNC_TIMEOUT)).withArgs(serverArgs()).start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  static String[] serverArgs() {
    String extra = System.getProperty("execreap.serverArgs", "");
    return extra.isBlank() ? new String[0] : extra.trim().split("\\s+");
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  static Map<String, Object> q(String... kv) {
    return LogsAndExecIT.q(kv);
  }

  static Map<String, Object> createQuery(String name) {
    Map<String, Object> c = q("ContainerGroupName", name, "RestartPolicy", "Always",
        "TerminationGracePeriodSeconds", String.valueOf(GRACE));
    c.put("Container.1.Name", "app");
    c.put("Container.1.Image", TestEngine.busyboxImage());
    c.put("Container.1.Command.1", "/bin/sh");
    c.put("Container.1.Arg.1", "-c");
    // A main process that ignores SIGTERM: stop needs the whole grace period, then SIGKILL.
    c.put("Container.1.Arg.2", "trap '' TERM; mkdir -p /tmp/www; echo ready > /tmp/www/ok; while true; do sleep 1; done");
    c.put("Container.1.ReadinessProbe.Exec.Command.1", "cat");
    c.put("Container.1.ReadinessProbe.Exec.Command.2", "/tmp/www/ok");
    c.put("Container.1.ReadinessProbe.PeriodSeconds", "1");
    c.put("Container.1.LivenessProbe.Exec.Command.1", "true");
    c.put("Container.1.LivenessProbe.PeriodSeconds", "1");
    c.put("Container.1.LivenessProbe.InitialDelaySeconds", "1");
    // Probes run every second; on a loaded machine an exec can take more than the 1 s default timeout.
    // A liveness failure would restart the app mid-round, so it tolerates slowness (the point is the execs).
    c.put("Container.1.LivenessProbe.TimeoutSeconds", "5");
    c.put("Container.1.LivenessProbe.FailureThreshold", "1000");
    c.put("Container.1.ReadinessProbe.TimeoutSeconds", "5");
    return c;
  }

  @Test
  void restartAndDeleteAfterEveryKindOfExecSession() throws Exception {
    List<String> timings = new ArrayList<>();
    for (int round = 1; round <= ROUNDS; round++) {
      String id = (String) EciClients.call(client, "CreateContainerGroup", createQuery("reap-" + round + "-"
          + SdkEndToEndIT.shortId())).get("ContainerGroupId");
      awaitAppRunning(id, null);
      String app1 = appId(id);
      Set<String> containers = new HashSet<>(allIds(id));

      execEveryKind(id);
      assertNoExecLeftovers(Set.of(app1), "round " + round + " after the sessions");

      long t0 = System.nanoTime();
      EciClients.call(client, "RestartContainerGroup", q("ContainerGroupId", id));
      String app2 = awaitAppRunning(id, app1);
      Duration restart = Duration.ofNanos(System.nanoTime() - t0);
      containers.addAll(allIds(id));

      execEveryKind(id);

      long t1 = System.nanoTime();
      EciClients.call(client, "DeleteContainerGroup", q("ContainerGroupId", id));
      awaitGone(id);
      Duration delete = Duration.ofNanos(System.nanoTime() - t1);
      timings.add("round " + round + ": restart " + restart.toMillis() + " ms, delete " + delete.toMillis() + " ms");
      System.out.println("ExecReapIT " + timings.get(timings.size() - 1));
      assertThat(restart).as("restart of round %d", round).isLessThan(Duration.ofSeconds(GRACE).plus(MARGIN));
      assertThat(delete).as("delete of round %d", round).isLessThan(Duration.ofSeconds(GRACE).plus(MARGIN));
      assertNoExecLeftovers(containers, "round " + round + " after delete");
      assertThat(app2).isNotEqualTo(app1);
    }
    System.out.println("ExecReapIT timings:\n" + String.join("\n", timings));
  }

  /**
   * Server shutdown (SIGTERM) with a WebSocket session still attached to a command that ignores
   * SIGTERM and SIGHUP: the command and its conmon pair are gone a few seconds later although the
   * container keeps running (so it was the server that reaped them, not a container stop).
   */
  @Test
  void serverShutdownEndsTheSessionsItHasOpen(@TempDir Path ownDir) throws Exception {
    ServerProcess own = new ServerProcess(ownDir, TestEngine.endpoint()).start();
    try {
      var c = EciClients.tea(own.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
      Map<String, Object> create = q("ContainerGroupName", "reap-shutdown-" + SdkEndToEndIT.shortId());
      create.put("Container.1.Name", "app");
      create.put("Container.1.Image", TestEngine.busyboxImage());
      create.put("Container.1.Command.1", "sleep");
      create.put("Container.1.Arg.1", "3600");
      String id = (String) EciClients.call(c, "CreateContainerGroup", create).get("ContainerGroupId");
      SdkEndToEndIT.awaitStatus(c, id, "Running");
      String app = appId(id);
      String uri = (String) EciClients.call(c, "ExecContainerCommand", q("ContainerGroupId", id, "ContainerName", "app",
          "Command", "[\"/bin/sh\",\"-c\",\"trap '' TERM HUP; echo x; while true; do sleep 1; done\"]"))
          .get("WebSocketUri");
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      connect(uri, out, new CompletableFuture<>());
      long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (out.size() == 0 && System.nanoTime() < until) Thread.sleep(50);
      assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("x\n");
      Set<String> live = execSessions(Set.of(app));
      assertThat(live).as("the attached session's conmon").isNotEmpty();

      ProcessHandle serverProcess = ProcessHandle.current().children()
          .filter(h -> h.info().arguments().map(a -> List.of(a).contains(own.endpoint())).orElse(false))
          .findFirst().orElseThrow();
      serverProcess.destroy(); // SIGTERM: the shutdown hook runs
      assertThat(serverProcess.onExit().get(60, TimeUnit.SECONDS).isAlive()).isFalse();
      assertNoExecLeftovers(Set.of(app), "after the server's shutdown");
      assertThat(containers(id).stream().anyMatch(x -> x.id().equals(app) && x.running())).isTrue();
    } finally {
      own.close(); // removes the group's containers
    }
  }

  /** Sync (ok and client-side timeout), WebSocket (ok, vanishing client twice), the CLI's client. */
  void execEveryKind(String id) throws Exception {
    for (int i = 0; i < 3; i++) {
      Map<String, Object> r = EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", id,
          "ContainerName", "app", "Command", "[\"/bin/sh\",\"-c\",\"echo out-" + i + "; echo err >&2\"]", "Sync", "true"));
      assertThat(r.get("SyncResponse")).isEqualTo("out-" + i + "\nerr\n");
    }
    // A sync exec whose command never ends: the server kills it after its timeout and answers.
    long t0 = System.nanoTime();
    Map<String, Object> slow = EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", id,
        "ContainerName", "app", "Command", "[\"/bin/sh\",\"-c\",\"echo started; sleep 3600\"]", "Sync", "true"));
    assertThat(slow.get("SyncResponse")).isEqualTo("started\n");
    // Bounded by the server's timeout (plus slack for a loaded 2-core machine), not by the caller's.
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(SYNC_TIMEOUT + 15));
    // The same, but the caller gives up after 2 s (it disconnects mid-call).
    com.aliyun.teaopenapi.Client impatient = new com.aliyun.teaopenapi.Client(new com.aliyun.teaopenapi.models.Config()
        .setAccessKeyId(ServerProcess.ACCESS_KEY_ID).setAccessKeySecret(ServerProcess.ACCESS_KEY_SECRET)
        .setEndpoint(server.endpoint()).setProtocol("HTTP").setRegionId("cn-hangzhou").setReadTimeout(2_000)
        .setConnectTimeout(5_000));
    try {
      EciClients.call(impatient, "ExecContainerCommand", q("ContainerGroupId", id, "ContainerName", "app",
          "Command", "[\"sleep\",\"3600\"]", "Sync", "true"));
    } catch (Exception expected) {
      // read timeout (unfixed) or the server's own bounded timeout
    }
    // WebSocket, to the end.
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CompletableFuture<String> status = new CompletableFuture<>();
    WebSocket ws = connect(wsUri(id, "[\"/bin/sh\",\"-c\",\"cat; exit 5\"]"), out, status);
    ws.sendBinary(ByteBuffer.wrap(new byte[] {0, 'h', 'i', '\n'}), true).join();
    ws.sendBinary(ByteBuffer.wrap(new byte[] {0}), true).join();
    assertThat(status.get(30, TimeUnit.SECONDS)).isEqualTo("{\"ExitCode\":5}");
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("hi\n");
    // WebSocket clients that vanish mid-stream: a chatty command and a silent one.
    for (String cmd : List.of("[\"/bin/sh\",\"-c\",\"while true; do echo tick; sleep 0.2; done\"]",
        "[\"sleep\",\"3600\"]", "[\"/bin/sh\",\"-c\",\"trap '' TERM HUP; echo x; while true; do sleep 1; done\"]")) {
      ByteArrayOutputStream o = new ByteArrayOutputStream();
      WebSocket w = connect(wsUri(id, cmd), o, new CompletableFuture<>());
      Thread.sleep(300);
      w.abort();
    }
    // ./openeci exec's client: stdin in, exit code out.
    Map<String, String> cliEnv = Map.of("OPENECI_ENDPOINT", server.endpoint(),
        "OPENECI_ACCESS_KEY_ID", ServerProcess.ACCESS_KEY_ID, "OPENECI_ACCESS_KEY_SECRET", ServerProcess.ACCESS_KEY_SECRET,
        "OPENECI_CONFIG", dataDir.resolve("cli-config.json").toString());
    CliIT.Result cli = CliIT.cli(cliEnv, "abc\n", "exec", "-i", id, "app", "--", "/bin/sh", "-c",
        "read x; echo got:$x; exit 7");
    assertThat(cli.code()).as(cli.err()).isEqualTo(7);
    assertThat(cli.out()).isEqualTo("got:abc\n");
  }

  String wsUri(String id, String commandJson) throws Exception {
    return (String) EciClients.call(client, "ExecContainerCommand", q("ContainerGroupId", id, "ContainerName", "app",
        "Command", commandJson)).get("WebSocketUri");
  }

  static WebSocket connect(String uri, ByteArrayOutputStream out, CompletableFuture<String> status) {
    return HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(uri), new WebSocket.Listener() {
      @Override
      public CompletionStage<?> onBinary(WebSocket s, ByteBuffer data, boolean last) {
        byte channel = data.get();
        byte[] payload = new byte[data.remaining()];
        data.get(payload);
        if (channel == 1) out.writeBytes(payload);
        if (channel == 3) status.complete(new String(payload, StandardCharsets.UTF_8));
        s.request(1);
        return null;
      }
    }).join();
  }

  static List<RuntimeContainer> containers(String id) {
    return engine.list(Map.of(Labels.GROUP_ID, id));
  }

  static List<String> allIds(String id) {
    return containers(id).stream().map(RuntimeContainer::id).toList();
  }

  static String appId(String id) {
    return containers(id).stream().filter(c -> "app".equals(c.label(Labels.CONTAINER_NAME)) && c.running())
        .map(RuntimeContainer::id).findFirst().orElse(null);
  }

  /** Waits until the group is Running with a running app container other than {@code previous}. */
  String awaitAppRunning(String id, String previous) {
    long deadline = System.nanoTime() + Duration.ofSeconds(GRACE).plus(MARGIN).plusSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        List<Map<String, Object>> g = SdkEndToEndIT.describe(client, id);
        String app = appId(id);
        if (!g.isEmpty() && "Running".equals(g.get(0).get("Status")) && app != null && !app.equals(previous)) return app;
        Thread.sleep(100);
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError(id + " did not run again" + (previous == null ? "" : " after restart") + "; server log tail:\n"
        + tail(server.logText()) + "\nthreads:\n" + threadDump());
  }

  void awaitGone(String id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(GRACE).plus(MARGIN).plusSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (SdkEndToEndIT.describe(client, id).isEmpty() && containers(id).isEmpty()) return;
      Thread.sleep(100);
    }
    throw new AssertionError(id + " was not deleted; server log tail:\n" + tail(server.logText()) + "\nthreads:\n"
        + threadDump());
  }

  /** The server's threads (jstack), to see where a hang is. */
  static String threadDump() {
    StringBuilder out = new StringBuilder();
    ProcessHandle.current().children().forEach(child -> {
      try {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jstack").toString(),
            String.valueOf(child.pid())).redirectErrorStream(true).start();
        String dump = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(20, TimeUnit.SECONDS);
        out.append(dump);
        Files.writeString(Path.of(System.getProperty("java.io.tmpdir"), "execreap-jstack-" + child.pid() + ".txt"),
            dump + "\n--- server log ---\n" + server.logText());
      } catch (Exception e) {
        out.append("jstack failed: ").append(e);
      }
    });
    return out.toString();
  }

  static String tail(String s) {
    return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
  }

  /**
   * Exec processes on the engine host: conmon's exec pairs ({@code conmon ... -c CTR ... --exec-attach}, one
   * pair per session) of these containers. Sessions still in flight when called (an exec probe) get a few
   * seconds to end; any process of a session that had already ended must be gone by then.
   */
  static void assertNoExecLeftovers(Set<String> containerIds, String when) throws Exception {
    if (!Boolean.parseBoolean(System.getProperty("execreap.leftovers", "true"))) return;
    Set<String> seen = execSessions(containerIds);
    long deadline = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    Set<String> still = seen;
    while (System.nanoTime() < deadline) {
      still = new HashSet<>(execSessions(containerIds));
      still.retainAll(seen);
      if (still.isEmpty()) return;
      Thread.sleep(250);
    }
    throw new AssertionError(when + ": exec sessions still have processes on the host 8 s later: " + still
        + " (of " + seen.size() + ")");
  }

  /** Exec session ids with a live conmon for any of the containers (reads /proc like pgrep -af 'conmon.*exec'). */
  static Set<String> execSessions(Set<String> containerIds) throws Exception {
    Set<String> sessions = new HashSet<>();
    try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
      for (Path p : procs.filter(x -> x.getFileName().toString().matches("\\d+")).toList()) {
        byte[] raw;
        try {
          raw = Files.readAllBytes(p.resolve("cmdline"));
        } catch (Exception gone) {
          continue;
        }
        List<String> args = List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
        if (args.isEmpty() || !args.get(0).endsWith("conmon") || !args.contains("--exec-attach")) continue;
        int c = args.indexOf("-c");
        int u = args.indexOf("-u");
        if (c < 0 || u < 0 || c + 1 >= args.size() || u + 1 >= args.size()) continue;
        if (containerIds.contains(args.get(c + 1))) sessions.add(args.get(u + 1));
      }
    }
    return sessions;
  }
}
