package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.aliyun.tea.TeaException;
import dev.openeci.testing.TestEngine;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 finding 6 (exec part): one account firing 64 concurrent Sync=true execs used to hold
 * every HTTP thread, so other accounts' calls timed out. Now the excess is refused at once with
 * Throttling.User while another account's exec and Describe still answer promptly; WebSocket
 * sessions are bounded per account the same way. Default {@code serve} flags.
 */
class ExecLimitsIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client admin;
  static com.aliyun.teaopenapi.Client other;
  static String adminGroup;
  static String otherGroup;

  @BeforeAll
  static void start() throws Exception {
    TestEngine.busyboxImage();
    server = new ServerProcess(dataDir, TestEngine.endpoint()).start();
    admin = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
    Map<String, String> key = SdkEndToEndIT.createAccessKeyIn(dataDir, "other-account");
    other = EciClients.tea(server.endpoint(), key.get("OPENECI_ACCESS_KEY_ID"), key.get("OPENECI_ACCESS_KEY_SECRET"),
        false);
    adminGroup = (String) EciClients.call(admin, "CreateContainerGroup",
        SdkEndToEndIT.createQuery("limits-a-" + SdkEndToEndIT.shortId(), "a")).get("ContainerGroupId");
    otherGroup = (String) EciClients.call(other, "CreateContainerGroup",
        SdkEndToEndIT.createQuery("limits-b-" + SdkEndToEndIT.shortId(), "b")).get("ContainerGroupId");
    SdkEndToEndIT.awaitStatus(admin, adminGroup, "Running");
    SdkEndToEndIT.awaitStatus(other, otherGroup, "Running");
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      if (adminGroup != null) EciClients.call(admin, "DeleteContainerGroup", q("ContainerGroupId", adminGroup));
      if (otherGroup != null) EciClients.call(other, "DeleteContainerGroup", q("ContainerGroupId", otherGroup));
    } finally {
      if (server != null) server.close();
    }
  }

  static Map<String, Object> q(String... kv) {
    return LogsAndExecIT.q(kv);
  }

  static Map<String, Object> syncExec(com.aliyun.teaopenapi.Client c, String group, String shell) throws Exception {
    return EciClients.call(c, "ExecContainerCommand", q("ContainerGroupId", group, "ContainerName", "web",
        "Command", "[\"/bin/sh\",\"-c\",\"" + shell + "\"]", "Sync", "true"));
  }

  @Test
  void sixtyFourConcurrentSyncExecsOfOneAccountDoNotStarveAnother() throws Exception {
    int n = 64;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<String>> calls = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        calls.add(pool.submit(() -> {
          var c = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
          try {
            syncExec(c, adminGroup, "sleep 8; echo slow");
            return "ok";
          } catch (TeaException e) {
            return e.getCode();
          } catch (Exception e) {
            return e.getClass().getSimpleName();
          }
        }));
      }
      Thread.sleep(1_500); // the admitted ones are running now
      // Another account is not starved: its exec and its Describe answer at once.
      long t0 = System.nanoTime();
      assertThat(syncExec(other, otherGroup, "echo still-here").get("SyncResponse")).isEqualTo("still-here\n");
      assertThat(SdkEndToEndIT.describe(other, otherGroup)).hasSize(1);
      Duration otherTook = Duration.ofNanos(System.nanoTime() - t0);
      assertThat(otherTook).isLessThan(Duration.ofSeconds(5));

      List<String> results = new ArrayList<>();
      for (Future<String> f : calls) results.add(f.get(120, TimeUnit.SECONDS));
      Map<String, Long> byResult = results.stream()
          .collect(java.util.stream.Collectors.groupingBy(r -> r, java.util.TreeMap::new,
              java.util.stream.Collectors.counting()));
      System.out.println("ExecLimitsIT: results " + byResult);
      long ok = results.stream().filter("ok"::equals).count();
      long throttled = results.stream().filter("Throttling.User"::equals).count();
      System.out.println("ExecLimitsIT: 64 concurrent sync execs of one account: " + ok + " ran, " + throttled
          + " refused with Throttling.User; the other account's exec + Describe took " + otherTook.toMillis() + " ms");
      assertThat(ok).isEqualTo(4); // --exec-sync-per-account default
      assertThat(throttled).isEqualTo(n - 4);
    } finally {
      pool.shutdownNow();
    }
    // The slots are free again.
    assertThat(syncExec(admin, adminGroup, "echo again").get("SyncResponse")).isEqualTo("again\n");
  }

  @Test
  void webSocketSessionsAreBoundedPerAccount() throws Exception {
    List<String> uris = new ArrayList<>();
    for (int i = 0; i < 8; i++) { // --exec-sessions-per-account default: issued tokens count
      uris.add((String) EciClients.call(admin, "ExecContainerCommand", q("ContainerGroupId", adminGroup,
          "ContainerName", "web", "Command", "[\"cat\"]")).get("WebSocketUri"));
    }
    assertThatThrownBy(() -> EciClients.call(admin, "ExecContainerCommand", q("ContainerGroupId", adminGroup,
        "ContainerName", "web", "Command", "[\"cat\"]")))
        .isInstanceOfSatisfying(TeaException.class, e -> {
          assertThat(e.getCode()).isEqualTo("Throttling.User");
          assertThat(e.getStatusCode()).isEqualTo(400);
        });
    // Another account still gets its session.
    assertThat((String) EciClients.call(other, "ExecContainerCommand", q("ContainerGroupId", otherGroup,
        "ContainerName", "web", "Command", "[\"cat\"]")).get("WebSocketUri")).startsWith("ws://");
    // A session that ends gives its slot back: use one token, end it, ask again.
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.util.concurrent.CompletableFuture<String> status = new java.util.concurrent.CompletableFuture<>();
    var ws = ExecReapIT.connect(uris.get(0), out, status);
    ws.sendBinary(java.nio.ByteBuffer.wrap(new byte[] {0}), true).join(); // EOF: cat ends
    assertThat(status.get(30, TimeUnit.SECONDS)).isEqualTo("{\"ExitCode\":0}");
    SdkEndToEndIT.await(() -> {
      try {
        return EciClients.call(admin, "ExecContainerCommand", q("ContainerGroupId", adminGroup, "ContainerName", "web",
            "Command", "[\"cat\"]")).get("WebSocketUri");
      } catch (Exception e) {
        return null;
      }
    }, "a freed WebSocket slot");
  }
}
