package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.testing.TestEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 finding 6, attacked on the real engine: one tenant deletes more groups than the server
 * has sync workers (8 by default), each with a container that ignores SIGTERM and the largest
 * grace period the server allows. Before the fix each delete held a worker for the whole grace
 * period, and another account's new group stayed Pending. Now the grace periods run on timers:
 * the other account's group reaches Running promptly, and a deleted group is gone once its grace
 * period ends, also when openeci was killed with SIGKILL during it.
 */
class GraceStarvationIT {
  /** The default sync pool (serve --workers). */
  static final int WORKERS = 8;
  /** More deletes than the default sync pool. */
  static final int ATTACK_GROUPS = WORKERS + 2;
  /** The server's default maximum (serve --max-grace-seconds). */
  static final int HUGE_GRACE = 600;
  static final String IGNORE_TERM = "trap '' TERM; while true; do sleep 1; done";

  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client attacker;
  static ContainerRuntime engine;
  static String image;

  @BeforeAll
  static void start() throws Exception {
    engine = TestEngine.runtime();
    image = TestEngine.busyboxImage();
    server = new ServerProcess(Files.createDirectories(dataDir.resolve("a")), TestEngine.endpoint()).start();
    attacker = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) server.close();
  }

  static Map<String, Object> stubborn(String name, int grace) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId());
    q.put("RestartPolicy", "Always");
    q.put("TerminationGracePeriodSeconds", grace);
    q.put("Container.1.Name", "app");
    q.put("Container.1.Image", image);
    q.put("Container.1.Command.1", "/bin/sh");
    q.put("Container.1.Arg.1", "-c");
    q.put("Container.1.Arg.2", IGNORE_TERM);
    return q;
  }

  @Test
  void deletesWithHugeGracePeriodsDoNotStarveAnotherAccount() throws Exception {
    List<String> huge = new ArrayList<>();
    for (int i = 0; i < ATTACK_GROUPS; i++) {
      huge.add((String) EciClients.call(attacker, "CreateContainerGroup", stubborn("pin" + i, HUGE_GRACE))
          .get("ContainerGroupId"));
    }
    String short20 = (String) EciClients.call(attacker, "CreateContainerGroup", stubborn("short", 20))
        .get("ContainerGroupId");
    for (String id : huge) SdkEndToEndIT.awaitStatus(attacker, id, "Running");
    SdkEndToEndIT.awaitStatus(attacker, short20, "Running");

    long t0 = System.nanoTime();
    for (String id : huge) {
      EciClients.call(attacker, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    }
    EciClients.call(attacker, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", short20));

    // Another account creates a group: it must not wait for anybody's grace period.
    Map<String, String> key = server.createAccessKey("victim-account");
    com.aliyun.teaopenapi.Client victim = EciClients.tea(server.endpoint(), key.get("OPENECI_ACCESS_KEY_ID"),
        key.get("OPENECI_ACCESS_KEY_SECRET"), false);
    Map<String, Object> q = stubborn("victim", 5);
    q.put("Container.1.Arg.2", "sleep 3600");
    String victimId = (String) EciClients.call(victim, "CreateContainerGroup", q).get("ContainerGroupId");
    long t1 = System.nanoTime();
    awaitTrue(() -> "Running".equals(status(victim, victimId)), Duration.ofSeconds(120),
        "the other account's group to be Running while " + ATTACK_GROUPS + " deletes are in a "
            + HUGE_GRACE + " s grace period");
    System.out.printf("victim group Running %d ms after its create (deletes started %d ms before)%n",
        (System.nanoTime() - t1) / 1_000_000, (t1 - t0) / 1_000_000);

    // The grace periods are honoured: the SIGTERM-ignoring containers still run...
    for (String id : huge) {
      assertThat(engine.list(Map.of(Labels.GROUP_ID, id))).as("containers of " + id + " in their grace period")
          .anyMatch(c -> Labels.ROLE_APP.equals(c.label(Labels.ROLE)) && c.running());
    }
    // ...and the one with 20 s is gone after them (SIGKILL at the deadline, then removed).
    awaitTrue(() -> gone(short20), Duration.ofSeconds(20 + 60), short20 + " to be gone after its 20 s grace period");
    System.out.printf("20 s-grace group gone %d ms after its delete%n", (System.nanoTime() - t0) / 1_000_000);
  }

  /**
   * The same attack through the postStart hook: an HTTP hook against a listener that accepts and
   * never answers waits out its timeout (the grace period). It used to run inside the sync that
   * started the container.
   */
  @Test
  void postStartHooksThatNeverAnswerDoNotStarveAnotherAccount() throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < ATTACK_GROUPS; i++) {
      Map<String, Object> q = stubborn("hook" + i, HUGE_GRACE);
      q.put("Container.1.Name", "listener");
      q.put("Container.1.Arg.2", "sleep 9999 | nc -l -p 8080");
      q.put("Container.2.Name", "app");
      q.put("Container.2.Image", image);
      q.put("Container.2.Command.1", "/bin/sh");
      q.put("Container.2.Arg.1", "-c");
      q.put("Container.2.Arg.2", IGNORE_TERM);
      q.put("Container.2.LifecyclePostStartHandlerHttpGetPort", 8080);
      q.put("Container.2.LifecyclePostStartHandlerHttpGetPath", "/never-answered");
      ids.add((String) EciClients.call(attacker, "CreateContainerGroup", q).get("ContainerGroupId"));
    }
    // At least as many hooks wait as the pool has workers (before the fix the pool is now pinned, and
    // the last attack groups themselves never start).
    awaitTrue(() -> ids.stream().filter(id -> engine.list(Map.of(Labels.GROUP_ID, id, Labels.CONTAINER_NAME, "app"))
        .stream().anyMatch(RuntimeContainer::running)).count() >= WORKERS, Duration.ofSeconds(180),
        WORKERS + " attack groups' app containers (hooks waiting)");

    Map<String, String> key = server.createAccessKey("victim-hooks");
    com.aliyun.teaopenapi.Client victim = EciClients.tea(server.endpoint(), key.get("OPENECI_ACCESS_KEY_ID"),
        key.get("OPENECI_ACCESS_KEY_SECRET"), false);
    Map<String, Object> q = stubborn("victim", 5);
    q.put("Container.1.Arg.2", "sleep 3600");
    String victimId = (String) EciClients.call(victim, "CreateContainerGroup", q).get("ContainerGroupId");
    long t1 = System.nanoTime();
    awaitTrue(() -> "Running".equals(status(victim, victimId)), Duration.ofSeconds(120),
        "the other account's group to be Running while " + ATTACK_GROUPS + " postStart hooks hang");
    System.out.printf("victim group Running %d ms after its create (postStart hooks hanging)%n",
        (System.nanoTime() - t1) / 1_000_000);
  }

  @Test
  void aServerKilledDuringAGracePeriodStillKillsAtTheOriginalDeadline() throws Exception {
    int grace = 40;
    try (ServerProcess own = new ServerProcess(Files.createDirectories(dataDir.resolve("b")), TestEngine.endpoint())) {
      own.start();
      com.aliyun.teaopenapi.Client client = EciClients.tea(own.endpoint(), ServerProcess.ACCESS_KEY_ID,
          ServerProcess.ACCESS_KEY_SECRET, false);
      String id = (String) EciClients.call(client, "CreateContainerGroup", stubborn("crash", grace))
          .get("ContainerGroupId");
      SdkEndToEndIT.awaitStatus(client, id, "Running");
      long t0 = System.nanoTime();
      EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
      Thread.sleep(3_000);
      own.kill9();
      Thread.sleep(Math.max(0, 15_000 - (System.nanoTime() - t0) / 1_000_000));
      own.start();
      long restartedAfter = (System.nanoTime() - t0) / 1_000_000;
      awaitTrue(() -> gone(client, id), Duration.ofSeconds(grace + 60), id + " to be gone");
      long goneAfter = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("restarted %d ms after the delete; gone %d ms after it (grace %d s)%n", restartedAfter,
          goneAfter, grace);
      // Not killed before its deadline (the restart did not cut the grace short)...
      assertThat(goneAfter).as("ms from delete to gone").isGreaterThanOrEqualTo((grace - 2) * 1000L);
      // ...and killed at the original deadline, not a fresh grace period counted from the restart.
      assertThat(goneAfter).as("ms from delete to gone (a grace restarted at %d ms would end after %d ms)",
          restartedAfter, restartedAfter + grace * 1000L).isLessThan((grace + 12) * 1000L);
    }
  }

  static String status(com.aliyun.teaopenapi.Client client, String id) {
    try {
      List<Map<String, Object>> l = SdkEndToEndIT.describe(client, id);
      return l.isEmpty() ? null : (String) l.get(0).get("Status");
    } catch (Exception e) {
      return null;
    }
  }

  static boolean gone(String id) {
    return gone(attacker, id);
  }

  static boolean gone(com.aliyun.teaopenapi.Client client, String id) {
    try {
      if (!SdkEndToEndIT.describe(client, id).isEmpty()) return false;
    } catch (Exception e) {
      return false; // the server is restarting
    }
    List<RuntimeContainer> left = engine.list(Map.of(Labels.GROUP_ID, id));
    return left.isEmpty();
  }

  static void awaitTrue(BooleanSupplier condition, Duration max, String what) throws InterruptedException {
    long deadline = System.nanoTime() + max.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out after " + max.toSeconds() + " s waiting for " + what + "\nserver log tail:\n"
            + tail(server == null ? "" : server.logText()));
      }
      Thread.sleep(250);
    }
  }

  static String tail(String log) {
    String[] lines = log.split("\n");
    return String.join("\n", java.util.Arrays.asList(lines).subList(Math.max(0, lines.length - 40), lines.length));
  }
}
