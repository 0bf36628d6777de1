package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.testing.TestCluster;
import dev.openeci.testing.TestEngine;
import dev.openeci.testing.TestRegistry;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The test cluster of {@code scripts/setup-kubernetes.sh} really runs pods: init containers, exec
 * probes, pod IPs reachable from the host, logs (also of the previous instance), exec with the exit
 * code, restarts of a crashing container and pulls from the plain-HTTP test registry on 127.0.0.1,
 * all through fabric8 as the Kubernetes backend uses it.
 */
class ClusterIT {
  static KubernetesClient k8s;
  static String ns;

  @BeforeAll
  static void setUp() {
    k8s = TestCluster.client();
    ns = TestCluster.createNamespace("cluster");
  }

  @AfterAll
  static void tearDown() {
    TestCluster.deleteNamespace(ns);
  }

  @Test
  void initContainerProbedHttpServerLogsAndExec() throws Exception {
    Pod pod = new PodBuilder()
        .withNewMetadata().withName("web").endMetadata()
        .withNewSpec()
          .withRestartPolicy("Always")
          .withTerminationGracePeriodSeconds(0L)
          .addNewInitContainer()
            .withName("init").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", "echo init-ran; echo '<h1>hello from openeci</h1>' > /www/index.html")
            .addNewVolumeMount().withName("www").withMountPath("/www").endVolumeMount()
          .endInitContainer()
          .addNewContainer()
            .withName("app").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", "echo app-started; exec httpd -f -v -p 8080 -h /www")
            .addNewPort().withContainerPort(8080).endPort()
            .addNewVolumeMount().withName("www").withMountPath("/www").endVolumeMount()
            .withNewReadinessProbe()
              .withNewExec().withCommand("wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/").endExec()
              .withPeriodSeconds(1).withFailureThreshold(1)
            .endReadinessProbe()
          .endContainer()
          .addNewVolume().withName("www").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build();
    Instant created = Instant.now();
    k8s.pods().inNamespace(ns).resource(pod).create();

    Pod running = await("pod web Running", Duration.ofSeconds(120), this::web, p -> p != null
        && "Running".equals(p.getStatus().getPhase()));
    Duration toRunning = Duration.between(created, Instant.now());
    Pod ready = await("pod web Ready", Duration.ofSeconds(60), this::web, p -> p != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus())));
    System.out.printf("ClusterIT: pod create -> Running %d ms, -> Ready %d ms%n",
        toRunning.toMillis(), Duration.between(created, Instant.now()).toMillis());

    ContainerStatus init = ready.getStatus().getInitContainerStatuses().get(0);
    assertThat(init.getState().getTerminated().getExitCode()).isZero();
    String podIp = ready.getStatus().getPodIP();
    assertThat(podIp).startsWith("10.244.0.").isEqualTo(running.getStatus().getPodIP());

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://" + podIp + ":8080/index.html"))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<h1>hello from openeci</h1>");

    assertThat(k8s.pods().inNamespace(ns).withName("web").inContainer("init").getLog()).contains("init-ran");
    // httpd -v logs the request above to stderr, after "app-started": both reach pods/log.
    String appLog = await("app log with the request", Duration.ofSeconds(30),
        () -> k8s.pods().inNamespace(ns).withName("web").inContainer("app").getLog(),
        log -> log.contains("app-started") && log.contains("/index.html"));
    assertThat(appLog).contains("app-started");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (ExecWatch exec = k8s.pods().inNamespace(ns).withName("web").inContainer("app")
        .writingOutput(out).writingError(err)
        .exec("sh", "-c", "cat /www/index.html; id -un; echo to-stderr >&2; exit 3")) {
      assertThat(exec.exitCode().get(60, TimeUnit.SECONDS)).isEqualTo(3);
    }
    String stdout = await("exec stdout", Duration.ofSeconds(10), () -> out.toString(StandardCharsets.UTF_8),
        s -> s.contains("root"));
    assertThat(stdout).contains("<h1>hello from openeci</h1>").contains("root");
    assertThat(await("exec stderr", Duration.ofSeconds(10), () -> err.toString(StandardCharsets.UTF_8),
        s -> s.contains("to-stderr"))).isEqualTo("to-stderr\n");
  }

  @Test
  void crashingContainerRestartsWithLastState() {
    Pod pod = new PodBuilder()
        .withNewMetadata().withName("crash").endMetadata()
        .withNewSpec()
          .withRestartPolicy("Always")
          .withTerminationGracePeriodSeconds(0L)
          .addNewContainer()
            .withName("crasher").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", "echo crashing-now; exit 7")
          .endContainer()
        .endSpec().build();
    k8s.pods().inNamespace(ns).resource(pod).create();

    Pod restarted = await("crasher restarted", Duration.ofSeconds(120),
        () -> k8s.pods().inNamespace(ns).withName("crash").get(),
        p -> p != null && statuses(p).stream().anyMatch(s -> s.getRestartCount() >= 1
            && s.getLastState() != null && s.getLastState().getTerminated() != null));
    ContainerStatus st = statuses(restarted).get(0);
    assertThat(st.getName()).isEqualTo("crasher");
    assertThat(st.getRestartCount()).isGreaterThanOrEqualTo(1);
    assertThat(st.getLastState().getTerminated().getExitCode()).isEqualTo(7);
    assertThat(st.getLastState().getTerminated().getReason()).isEqualTo("Error");
    assertThat(st.getReady()).isFalse();

    String previous = k8s.pods().inNamespace(ns).withName("crash").inContainer("crasher").terminated().getLog();
    assertThat(previous).contains("crashing-now");
    // Back-off after the second failure: the kubelet reports it as the waiting reason.
    Pod backingOff = await("CrashLoopBackOff", Duration.ofSeconds(120),
        () -> k8s.pods().inNamespace(ns).withName("crash").get(),
        p -> p != null && statuses(p).stream().anyMatch(s -> s.getState().getWaiting() != null
            && "CrashLoopBackOff".equals(s.getState().getWaiting().getReason())));
    assertThat(statuses(backingOff).get(0).getLastState().getTerminated().getExitCode()).isEqualTo(7);
  }

  @Test
  void pullsFromAPlainHttpRegistryOnLoopback() throws Exception {
    TestRegistry.requireTools();
    try (TestRegistry registry = TestRegistry.start(TestRegistry.Mode.PLAIN_HTTP)) {
      String local = "localhost/openeci-test/cluster-marker:1";
      String marker = "marker-" + Long.toHexString(System.nanoTime());
      TestRegistry.importMarkerImage(TestEngine.runtime(), local, marker);
      String image = registry.push(TestEngine.runtime(), local, "openeci/cluster-marker:1");
      Pod pod = new PodBuilder()
          .withNewMetadata().withName("pulled").endMetadata()
          .withNewSpec()
            .withRestartPolicy("Never")
            .addNewContainer()
              .withName("marker").withImage(image).withImagePullPolicy("Always")
              .withCommand("cat", "/marker.txt")
            .endContainer()
          .endSpec().build();
      k8s.pods().inNamespace(ns).resource(pod).create();
      Pod done = await("pulled pod Succeeded", Duration.ofSeconds(120),
          () -> k8s.pods().inNamespace(ns).withName("pulled").get(),
          p -> p != null && ("Succeeded".equals(p.getStatus().getPhase()) || "Failed".equals(p.getStatus().getPhase())));
      assertThat(done.getStatus().getPhase()).as("%s", done.getStatus()).isEqualTo("Succeeded");
      assertThat(k8s.pods().inNamespace(ns).withName("pulled").getLog()).isEqualTo(marker + "\n");
    }
  }

  private Pod web() {
    return k8s.pods().inNamespace(ns).withName("web").get();
  }

  private static List<ContainerStatus> statuses(Pod p) {
    return p.getStatus() == null || p.getStatus().getContainerStatuses() == null
        ? List.of() : p.getStatus().getContainerStatuses();
  }

  /** Polls {@code get} until {@code done} holds or the deadline passes (then fails with the last value). */
  private static <T> T await(String what, Duration limit, Supplier<T> get, Predicate<T> done) {
    Instant deadline = Instant.now().plus(limit);
    T last = null;
    while (true) {
      try {
        last = get.get();
        if (done.test(last)) return last;
      } catch (RuntimeException e) {
        if (Instant.now().isAfter(deadline)) throw e;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(what + ": not reached within " + limit.toSeconds() + " s; last: " + last);
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(what + ": interrupted", e);
      }
    }
  }
}
