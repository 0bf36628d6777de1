package dev.openeci.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.testing.TestEngine;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pod lifecycle like a kubelet, read through the official client, on both backends: run by
 * openeci's own loop on the local engine, by the node's kubelet on Kubernetes.
 */
@ParameterizedClass(name = "{0} backend")
@MethodSource("dev.openeci.e2e.TestBackend#enabled")
class LifecycleIT {
  @TempDir
  static Path dataDir;
  static ServerProcess server;
  static com.aliyun.teaopenapi.Client client;
  static String image;

  @Parameter
  TestBackend thisBackend;

  @BeforeParameterizedClassInvocation
  static void start(TestBackend b) throws Exception {
    image = b.busybox();
    server = b.server(dataDir.resolve(b.name().toLowerCase())).start();
    client = EciClients.tea(server.endpoint(), ServerProcess.ACCESS_KEY_ID, ServerProcess.ACCESS_KEY_SECRET, false);
  }

  @AfterParameterizedClassInvocation
  static void stop() throws Exception {
    if (server != null) server.close();
    server = null;
  }

  static Map<String, Object> group(String name, String restartPolicy) {
    Map<String, Object> q = new LinkedHashMap<>();
    q.put("RegionId", "cn-hangzhou");
    q.put("ContainerGroupName", name + "-" + SdkEndToEndIT.shortId());
    q.put("RestartPolicy", restartPolicy);
    q.put("TerminationGracePeriodSeconds", 5);
    return q;
  }

  static void container(Map<String, Object> q, String prefix, String name, String script) {
    q.put(prefix + "Name", name);
    q.put(prefix + "Image", image);
    q.put(prefix + "Command.1", "/bin/sh");
    q.put(prefix + "Arg.1", "-c");
    q.put(prefix + "Arg.2", script);
  }

  static final String SERVE = "mkdir -p /tmp/www; echo ok > /tmp/www/index.html; trap 'exit 0' TERM;"
      + " httpd -f -p 8080 -h /tmp/www & wait";

  @SuppressWarnings("unchecked")
  static Map<String, Object> first(Map<String, Object> g, String list) {
    return ((List<Map<String, Object>>) g.get(list)).get(0);
  }

  @SuppressWarnings("unchecked")
  static List<String> reasons(Map<String, Object> g) {
    return ((List<Map<String, Object>>) g.get("Events")).stream().map(e -> (String) e.get("Reason")).toList();
  }

  Map<String, Object> awaitGroup(String id, java.util.function.Predicate<Map<String, Object>> condition, String what) {
    return SdkEndToEndIT.await(() -> {
      try {
        List<Map<String, Object>> l = SdkEndToEndIT.describe(client, id);
        return !l.isEmpty() && condition.test(l.get(0)) ? l.get(0) : null;
      } catch (Exception e) {
        return null;
      }
    }, what + " (" + id + ")");
  }

  void delete(String id) throws Exception {
    EciClients.call(client, "DeleteContainerGroup", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id));
  }

  @Test
  void readinessFollowsTheProbe() throws Exception {
    Map<String, Object> q = group("ready", "Always");
    container(q, "Container.1.", "web", SERVE);
    q.put("Container.1.ReadinessProbe.Exec.Command.1", "test");
    q.put("Container.1.ReadinessProbe.Exec.Command.2", "-f");
    q.put("Container.1.ReadinessProbe.Exec.Command.3", "/tmp/ready");
    q.put("Container.1.ReadinessProbe.PeriodSeconds", 1);
    container(q, "Container.2.", "tcp", "trap 'exit 0' TERM; sleep 3600 & wait");
    q.put("Container.2.ReadinessProbe.TcpSocket.Port", 8080);
    q.put("Container.2.ReadinessProbe.PeriodSeconds", 1);
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    Map<String, Object> g = awaitGroup(id, x -> "Running".equals(x.get("Status")), "Running");
    assertThat(first(g, "Containers").get("Ready")).as("not ready before the probe succeeds").isEqualTo(false);
    awaitGroup(id, x -> {
      @SuppressWarnings("unchecked")
      List<Map<String, Object>> cs = (List<Map<String, Object>>) x.get("Containers");
      return Boolean.TRUE.equals(cs.get(1).get("Ready"));
    }, "the TCP readiness probe to pass");
    EciClients.call(client, "ExecContainerCommand", Map.of("RegionId", "cn-hangzhou", "ContainerGroupId", id,
        "ContainerName", "web", "Command", "[\"touch\",\"/tmp/ready\"]", "Sync", "true"));
    awaitGroup(id, x -> Boolean.TRUE.equals(first(x, "Containers").get("Ready")), "web to become ready");
    delete(id);
  }

  @Test
  void livenessFailureKillsRunsPreStopAndRestarts() throws Exception {
    Map<String, Object> q = group("liveness", "Always");
    container(q, "Container.1.", "web", SERVE);
    q.put("Container.1.LivenessProbe.HttpGet.Path", "/healthz");
    q.put("Container.1.LivenessProbe.HttpGet.Port", 8080);
    q.put("Container.1.LivenessProbe.PeriodSeconds", 1);
    q.put("Container.1.LivenessProbe.FailureThreshold", 2);
    q.put("Container.1.LifecyclePreStopHandlerExec.1", "/bin/sh");
    q.put("Container.1.LifecyclePreStopHandlerExec.2", "-c");
    q.put("Container.1.LifecyclePreStopHandlerExec.3", "echo prestop ran > /proc/1/fd/1");
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    Map<String, Object> g = awaitGroup(id, x -> ((Number) first(x, "Containers").get("RestartCount")).intValue() >= 1,
        "a liveness restart");
    assertThat(reasons(g)).contains("Unhealthy", "Killing");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> evs = (List<Map<String, Object>>) g.get("Events");
    assertThat(evs).anySatisfy(e -> assertThat((String) e.get("Message"))
        .startsWith("Liveness probe failed: HTTP probe failed with statuscode: 404"));
    Map<String, Object> log = EciClients.call(client, "DescribeContainerLog", Map.of("RegionId", "cn-hangzhou",
        "ContainerGroupId", id, "ContainerName", "web", "LastTime", "true"));
    assertThat((String) log.get("Content")).contains("prestop ran");
    delete(id);
  }

  @Test
  void failingPostStartHookKillsTheContainer() throws Exception {
    Map<String, Object> q = group("poststart", "Never");
    container(q, "Container.1.", "app", "trap 'exit 0' TERM; sleep 3600 & wait");
    q.put("Container.1.LifecyclePostStartHandlerExec.1", "/bin/false");
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    Map<String, Object> g = awaitGroup(id, x -> "Failed".equals(x.get("Status")) || "Succeeded".equals(x.get("Status")),
        "the group to finish");
    assertThat(reasons(g)).contains("FailedPostStartHook", "Killing");
    delete(id);
  }

  @Test
  void initContainersRunInOrderBeforeAppsAndAFailingOneFailsTheGroup() throws Exception {
    Map<String, Object> q = group("init", "Always");
    container(q, "InitContainer.1.", "first", "sleep 1; echo first");
    container(q, "InitContainer.2.", "second", "echo second");
    container(q, "Container.1.", "app", "trap 'exit 0' TERM; sleep 3600 & wait");
    String id = (String) EciClients.call(client, "CreateContainerGroup", q).get("ContainerGroupId");
    // The app waits while the first init container has started: the group is Pending then (on a
    // cluster it is Scheduling before that, while the Pod has no node yet: ECI's status model).
    Map<String, Object> waiting = awaitGroup(id, x -> "PodInitializing".equals(
        ((Map<?, ?>) first(x, "Containers").get("CurrentState")).get("Reason"))
        && List.of("Running", "Terminated").contains(
            ((Map<?, ?>) first(x, "InitContainers").get("CurrentState")).get("State")), "app waiting for init");
    assertThat(waiting.get("Status")).isEqualTo("Pending");
    Map<String, Object> g = awaitGroup(id, x -> "Running".equals(x.get("Status")), "Running");
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> inits = (List<Map<String, Object>>) g.get("InitContainers");
    assertThat(inits).allSatisfy(i -> {
      Map<?, ?> st = (Map<?, ?>) i.get("CurrentState");
      assertThat(st.get("State")).isEqualTo("Terminated");
      assertThat(st.get("Reason")).isEqualTo("Completed");
    });
    String firstDone = (String) ((Map<?, ?>) inits.get(0).get("CurrentState")).get("FinishTime");
    String secondStart = (String) ((Map<?, ?>) inits.get(1).get("CurrentState")).get("StartTime");
    String appStart = (String) ((Map<?, ?>) first(g, "Containers").get("CurrentState")).get("StartTime");
    assertThat(secondStart).isGreaterThanOrEqualTo(firstDone);
    assertThat(appStart).isGreaterThanOrEqualTo(secondStart);
    delete(id);

    Map<String, Object> bad = group("init-fail", "Never");
    container(bad, "InitContainer.1.", "broken", "exit 4");
    container(bad, "Container.1.", "app", "sleep 3600");
    String badId = (String) EciClients.call(client, "CreateContainerGroup", bad).get("ContainerGroupId");
    Map<String, Object> failed = awaitGroup(badId, x -> "Failed".equals(x.get("Status")), "Failed");
    Map<?, ?> st = (Map<?, ?>) first(failed, "InitContainers").get("CurrentState");
    assertThat(((Number) st.get("ExitCode")).intValue()).isEqualTo(4);
    assertThat(((Map<?, ?>) first(failed, "Containers").get("CurrentState")).get("Reason")).isEqualTo("PodInitializing");
    delete(badId);
  }
}
