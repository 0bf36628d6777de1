package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.openeci.config.ServerConfig;
import dev.openeci.runtime.Labels;
import dev.openeci.server.OpenEci;
import dev.openeci.testing.ManualClock;
import dev.openeci.testing.TestEngine;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart back-off with an injected clock, on the real engine: openeci runs in this JVM with a
 * {@link ManualClock}, so the test jumps over the 10 s / 20 s back-off periods instead of sleeping
 * through them, while the containers really crash. The group is the showcase of the lifecycle
 * issue: an init container, a probed app and a crashing sidecar, read through the official client.
 * The second half restarts openeci on the same data directory and checks that the restart count,
 * the back-off and the running app container survive it, nothing started twice.
 */
class CrashLoopClockIT {
  static final String KEY_ID = "LTAIclockit0000000001";
  static final String SECRET = "clock-it-secret-0123456789abcdef";
  @TempDir
  static Path dataDir;
  /** Shared by the tests: together they move it about 6 minutes, inside the 15-minute signature window. */
  static ManualClock clock = new ManualClock();
  static OpenEci app;
  static com.aliyun.teaopenapi.Client client;
  static String image;

  @BeforeAll
  static void start() throws Exception {
    image = TestEngine.busyboxImage();
    startServer();
  }

  static void startServer() throws Exception {
    ServerConfig config = new ServerConfig("127.0.0.1", 0, dataDir, List.of("cn-hangzhou"), TestEngine.endpoint(),
        Duration.ofSeconds(60), 4);
    app = new OpenEci(config, TestEngine.runtime(), clock,
        Map.of("OPENECI_ACCESS_KEY_ID", KEY_ID, "OPENECI_ACCESS_KEY_SECRET", SECRET),
        new PrintStream(new ByteArrayOutputStream())).start();
    client = EciClients.tea("127.0.0.1:" + app.address().getPort(), KEY_ID, SECRET, false);
  }

  @AfterAll
  static void stop() throws Exception {
    if (app != null) app.close();
    TestEngine.removeLeftovers(dataDir);
  }

  @Test
  void crashingSidecarBacksOffDoublingNextToAProbedAppAndSurvivesARestartOfOpeneci() throws Exception {
    Map<String, Object> q = LifecycleIT.group("showcase", "Always");
    q.put("ContainerGroupName", "showcase-" + SdkEndToEndIT.shortId());
    put(q, "InitContainer.1.", "prepare", "echo prepared > /proc/1/fd/1");
    put(q, "Container.1.", "app", LifecycleIT.SERVE);
    q.put("Container.1.ReadinessProbe.HttpGet.Path", "/index.html");
    q.put("Container.1.ReadinessProbe.HttpGet.Port", 8080);
    q.put("Container.1.ReadinessProbe.PeriodSeconds", 1);
    q.put("Container.1.LivenessProbe.TcpSocket.Port", 8080);
    q.put("Container.1.LivenessProbe.PeriodSeconds", 2);
    put(q, "Container.2.", "sidecar", "echo sidecar starting; sleep 1; exit 2");
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");

    // Attempt 0 crashes, the first restart is immediate; attempt 1 crashes and enters a 10 s back-off.
    Map<String, Object> g = await(id, x -> sidecarBackingOff(x, 1, "back-off 10s"), "sidecar back-off 10s");
    assertThat(g.get("Status")).isEqualTo("Running");
    clock.advance(Duration.ofSeconds(10));
    app.wake(id);
    await(id, x -> sidecarBackingOff(x, 2, "back-off 20s"), "sidecar back-off 20s after advancing 10 s");
    clock.advance(Duration.ofSeconds(20));
    app.wake(id);
    g = await(id, x -> sidecarBackingOff(x, 3, "back-off 40s") && ready(x, "app"), "back-off 40s, app ready");

    Map<String, Object> init = LifecycleIT.first(g, "InitContainers");
    assertThat(state(init, "CurrentState")).containsEntry("State", "Terminated").containsEntry("Reason", "Completed")
        .containsEntry("ExitCode", 0L);
    Map<String, Object> appC = container(g, "app");
    assertThat(state(appC, "CurrentState")).containsEntry("State", "Running");
    assertThat(appC).containsEntry("Ready", true).containsEntry("RestartCount", 0L);
    Map<String, Object> sidecar = container(g, "sidecar");
    assertThat(state(sidecar, "CurrentState")).containsEntry("State", "Waiting")
        .containsEntry("Reason", "CrashLoopBackOff")
        .containsEntry("Message", "back-off 40s restarting failed container=sidecar pod=" + q.get("ContainerGroupName"));
    assertThat(state(sidecar, "PreviousState")).containsEntry("State", "Terminated").containsEntry("Reason", "Error")
        .containsEntry("ExitCode", 2L);
    assertThat(sidecar).containsEntry("Ready", false);
    Map<String, Object> backOff = event(g, "BackOff");
    assertThat(backOff).containsEntry("Type", "Warning")
        .containsEntry("Message", "Back-off restarting failed container sidecar in pod " + q.get("ContainerGroupName"));
    assertThat(((Number) backOff.get("Count")).intValue()).isGreaterThanOrEqualTo(3);
    Path showcase = Path.of("target", "showcase-describe.json");
    Files.createDirectories(showcase.getParent());
    Files.writeString(showcase, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(g));

    // Restart openeci on the same data directory: nothing restarts, counts and back-off carry on.
    String appEngineId = engineIdOf(id, "app");
    app.close();
    startServer();
    g = await(id, x -> sidecarBackingOff(x, 3, "back-off 40s") && ready(x, "app"), "adopted after restart");
    assertThat(container(g, "app")).containsEntry("RestartCount", 0L);
    assertThat(engineIdOf(id, "app")).as("the app container was adopted, not started again").isEqualTo(appEngineId);
    clock.advance(Duration.ofSeconds(40));
    app.wake(id);
    await(id, x -> sidecarBackingOff(x, 4, "back-off 1m20s"), "back-off doubles on after the restart");
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
    SdkEndToEndIT.await(() -> TestEngine.runtime().list(Map.of(Labels.GROUP_ID, id)).isEmpty() ? true : null,
        "group " + id + " removed from the engine");
  }

  /**
   * ActiveDeadlineSeconds on the injected clock: nothing happens before the deadline, however long
   * the group runs; once the clock passes it, the containers are stopped and the group is Failed
   * with DeadlineExceeded.
   */
  @Test
  void activeDeadlineFailsTheGroupOnlyOnceTheClockPassesIt() throws Exception {
    Map<String, Object> q = LifecycleIT.group("deadline", "Always");
    q.put("ContainerGroupName", "deadline-" + SdkEndToEndIT.shortId());
    put(q, "Container.1.", "app", "trap 'exit 0' TERM; sleep 3600 & wait");
    q.put("ActiveDeadlineSeconds", 300);
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    await(id, x -> "Running".equals(x.get("Status")), "Running");
    String endpoint = "127.0.0.1:" + app.address().getPort();
    double passes = SdkEndToEndIT.syncPasses(endpoint);
    clock.advance(Duration.ofSeconds(290));
    app.wake(id);
    // The sync woken 10 s before the deadline has run (and nothing else is pending) before asserting.
    SdkEndToEndIT.awaitSyncsSettled(endpoint, passes);
    Map<String, Object> g = SdkEndToEndIT.describe(client, id).get(0);
    assertThat(g.get("Status")).as("still Running 10 s before the deadline").isEqualTo("Running");
    assertThat(((List<?>) g.get("Events")).toString()).doesNotContain("DeadlineExceeded");
    clock.advance(Duration.ofSeconds(11));
    app.wake(id);
    g = await(id, x -> "Failed".equals(x.get("Status")), "Failed after the deadline");
    assertThat(event(g, "DeadlineExceeded")).containsEntry("Type", "Warning");
    assertThat(g.get("FailedTime")).isNotNull();
    SdkEndToEndIT.await(() -> TestEngine.runtime().list(Map.of(Labels.GROUP_ID, id, Labels.ROLE, Labels.ROLE_APP))
        .stream().noneMatch(c -> c.running()) ? true : null, "the app container stopped");
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
  }

  static String engineIdOf(String groupId, String name) {
    return TestEngine.runtime().list(Map.of(Labels.GROUP_ID, groupId, Labels.CONTAINER_NAME, name)).stream()
        .filter(c -> c.running()).map(c -> c.id()).findFirst().orElseThrow();
  }

  static void put(Map<String, Object> q, String prefix, String name, String script) {
    q.put(prefix + "Name", name);
    q.put(prefix + "Image", image);
    q.put(prefix + "Command.1", "/bin/sh");
    q.put(prefix + "Arg.1", "-c");
    q.put(prefix + "Arg.2", script);
  }

  static boolean sidecarBackingOff(Map<String, Object> g, int restarts, String backOff) {
    Map<String, Object> s = container(g, "sidecar");
    Map<String, Object> cur = state(s, "CurrentState");
    return s != null && ((Number) s.get("RestartCount")).intValue() == restarts
        && "CrashLoopBackOff".equals(cur.get("Reason"))
        && String.valueOf(cur.get("Message")).startsWith(backOff + " ");
  }

  static boolean ready(Map<String, Object> g, String name) {
    return Boolean.TRUE.equals(container(g, name).get("Ready"));
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> container(Map<String, Object> g, String name) {
    return ((List<Map<String, Object>>) g.get("Containers")).stream().filter(c -> name.equals(c.get("Name")))
        .findFirst().orElse(null);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> state(Map<String, Object> c, String which) {
    return c == null ? Map.of() : (Map<String, Object>) c.get(which);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> event(Map<String, Object> g, String reason) {
    return ((List<Map<String, Object>>) g.get("Events")).stream().filter(e -> reason.equals(e.get("Reason")))
        .findFirst().orElseThrow(() -> new AssertionError("no " + reason + " event in " + g.get("Events")));
  }

  Map<String, Object> await(String id, Predicate<Map<String, Object>> condition, String what) {
    return SdkEndToEndIT.awaitGroup(client, id, condition, what, () -> "");
  }
}
