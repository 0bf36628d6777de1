package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.backend.PodBackend;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.ContainerRuntime.ExecResult;
import dev.openeci.runtime.RuntimeFailure;
import dev.openeci.testing.TestCluster;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * PodLogs and PodExec against the real test cluster (scripts/setup-kubernetes.sh): the pods are made
 * with fabric8 directly, so this checks the logs and exec half of the Kubernetes backend on its own.
 */
class PodLogsExecIT {
  static final String SLEEP = "trap 'exit 0' TERM; sleep 1000000 & wait";
  static KubernetesClient k8s;
  static String ns;

  @BeforeAll
  static void setUp() {
    k8s = TestCluster.client();
    ns = TestCluster.createNamespace("logs-exec");
    // "app" writes five lines, one to stderr, then waits; "phoenix" fails its first run (exit 3) and
    // stays up from the second one on, counting its runs in an emptyDir.
    k8s.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata().withName("talker").endMetadata()
        .withNewSpec().withRestartPolicy("Always").withTerminationGracePeriodSeconds(0L)
          .addNewContainer().withName("app").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", "for i in 1 2 3 4; do echo line$i; done; echo to-stderr >&2; echo ready; " + SLEEP)
          .endContainer()
          .addNewContainer().withName("phoenix").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", "n=$(cat /d/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /d/n; "
                + "echo instance-$n; [ $n -ge 2 ] || exit 3; " + SLEEP)
            .addNewVolumeMount().withName("d").withMountPath("/d").endVolumeMount()
          .endContainer()
          .addNewVolume().withName("d").withNewEmptyDir().endEmptyDir().endVolume()
        .endSpec().build()).create();
    // "app" here never starts: its init container waits forever.
    k8s.pods().inNamespace(ns).resource(new PodBuilder()
        .withNewMetadata().withName("unborn").endMetadata()
        .withNewSpec().withRestartPolicy("Always").withTerminationGracePeriodSeconds(0L)
          .addNewInitContainer().withName("gate").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", SLEEP).endInitContainer()
          .addNewContainer().withName("app").withImage(TestCluster.BUSYBOX).withImagePullPolicy("IfNotPresent")
            .withCommand("sh", "-c", "echo never").endContainer()
        .endSpec().build()).create();
    await("talker: app running, phoenix on its second run", Duration.ofSeconds(180), () -> pod("talker"),
        p -> running(p, "app") && running(p, "phoenix") && status(p, "phoenix").getRestartCount() >= 1);
    await("unborn: gate running", Duration.ofSeconds(120), () -> pod("unborn"), p -> running(p, "gate"));
  }

  @AfterAll
  static void tearDown() {
    TestCluster.deleteNamespace(ns);
  }

  static String logs(String pod, String container, boolean previous, ContainerRuntime.LogQuery q) {
    return PodLogs.read(k8s, ns, pod, container, previous, q);
  }

  // --- logs ----------------------------------------------------------------------------------------

  @Test
  void logsHoldStdoutAndStderrAndHonourTailAndTheByteCap() {
    String all = await("all of app's lines", Duration.ofSeconds(30),
        () -> logs("talker", "app", false, ContainerRuntime.LogQuery.all()), s -> s.lines().count() == 6);
    // Both streams in one log; the order across them is the order containerd read its two pipes in.
    assertThat(all.lines().toList()).containsExactlyInAnyOrder("line1", "line2", "line3", "line4", "to-stderr", "ready");
    assertThat(all.lines().filter(l -> !l.equals("to-stderr")).toList())
        .containsExactly("line1", "line2", "line3", "line4", "ready");
    List<String> lines = all.lines().toList();
    assertThat(logs("talker", "app", false, new ContainerRuntime.LogQuery(2, null, false)))
        .isEqualTo(lines.get(4) + "\n" + lines.get(5) + "\n");
    assertThat(logs("talker", "app", false, new ContainerRuntime.LogQuery(0, null, false))).isEmpty();
    assertThat(PodLogs.read(k8s, ns, "talker", "app", false, ContainerRuntime.LogQuery.all(), 8))
        .isEqualTo(all.substring(0, 8));
  }

  @Test
  void timestampsAndSince() {
    String stamped = await("all six lines", Duration.ofSeconds(30),
        () -> logs("talker", "app", false, new ContainerRuntime.LogQuery(null, null, true)),
        x -> x.lines().count() == 6);
    List<String> lines = stamped.lines().toList();
    assertThat(lines).hasSize(6).allMatch(l -> l.matches(
        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z (line[1-4]|to-stderr|ready)"));
    String ready = lines.stream().filter(l -> l.endsWith(" ready")).findFirst().orElseThrow();
    Instant written = Instant.parse(ready.substring(0, ready.indexOf(' ')));
    assertThat(written).isBetween(Instant.now().minus(Duration.ofMinutes(10)), Instant.now().plusSeconds(5));
    assertThat(logs("talker", "app", false, new ContainerRuntime.LogQuery(null, written.getEpochSecond() - 1, false)))
        .contains("ready\n");
    assertThat(logs("talker", "app", false, new ContainerRuntime.LogQuery(null, Instant.now().getEpochSecond() + 60,
        false))).isEmpty();
  }

  @Test
  void previousIsTheInstanceBeforeTheCurrentOne() {
    assertThat(await("phoenix's current log", Duration.ofSeconds(30),
        () -> logs("talker", "phoenix", false, ContainerRuntime.LogQuery.all()), s -> !s.isEmpty()))
        .isEqualTo("instance-2\n");
    assertThat(logs("talker", "phoenix", true, ContainerRuntime.LogQuery.all())).isEqualTo("instance-1\n");
    // app never restarted: no previous instance, no error
    assertThat(logs("talker", "app", true, ContainerRuntime.LogQuery.all())).isEmpty();
  }

  @Test
  void aContainerThatNeverRanHasEmptyLogsAndAMissingPodIsAUserSafeFailure() {
    assertThat(logs("unborn", "app", false, ContainerRuntime.LogQuery.all())).isEmpty();
    assertThat(logs("unborn", "app", true, ContainerRuntime.LogQuery.all())).isEmpty();
    assertThatThrownBy(() -> logs("no-such-pod", "app", false, ContainerRuntime.LogQuery.all()))
        .isInstanceOf(RuntimeFailure.class).hasMessage("its pod is not on the cluster (any more)");
  }

  // --- exec ----------------------------------------------------------------------------------------

  @Test
  void targetOnlyForARunningContainer() {
    assertThat(PodExec.target(k8s, pod("talker"), "app")).hasToString("pod " + ns + "/talker container app");
    assertThatThrownBy(() -> PodExec.target(k8s, pod("unborn"), "app")).isInstanceOf(PodBackend.NotRunning.class)
        .hasMessage("The container app of unborn is not running.");
  }

  @Test
  void syncExecGivesExitCodeAndSeparateStreams() {
    PodExec app = PodExec.target(k8s, pod("talker"), "app");
    ExecResult r = app.exec(List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(60), 1 << 20);
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.stdout()).isEqualTo("out\n"); // the PID line of the wrapper is not passed on
    assertThat(r.stderr()).isEqualTo("err\n");
    assertThat(r.timedOut()).isFalse();
    ExecResult ok = app.exec(List.of("echo", "plain", "argv"), Duration.ofSeconds(60), 1 << 20);
    assertThat(ok.exitCode()).isZero();
    assertThat(ok.stdout()).isEqualTo("plain argv\n");
    assertThat(app.exec(List.of("no-such-command"), Duration.ofSeconds(60), 1 << 20).exitCode()).isNotZero();
  }

  @Test
  void syncExecOutputIsCapped() {
    ExecResult r = PodExec.target(k8s, pod("talker"), "app")
        .exec(List.of("sh", "-c", "yes abcdefgh | head -c 200000; echo done >&2"), Duration.ofSeconds(60), 1000);
    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout().length() + r.stderr().length()).isEqualTo(1000);
    assertThat(r.stdout()).startsWith("abcdefgh\nabcdefgh\n");
  }

  @Test
  void syncExecTimeoutKillsTheCommandInTheContainer() {
    PodExec app = PodExec.target(k8s, pod("talker"), "app");
    long t0 = System.nanoTime();
    ExecResult r = app.exec(List.of("sh", "-c", "echo started; sleep 4242; echo never"), Duration.ofSeconds(3), 1 << 20);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(r.timedOut()).isTrue();
    assertThat(r.exitCode()).isEqualTo(-1);
    assertThat(r.stdout()).isEqualTo("started\n");
    assertThat(ms).as("answered soon after the timeout").isLessThan(20_000);
    assertThat(processesMatching(app, "sleep 4242")).isEmpty();
  }

  @Test
  void interactiveEchoThroughStdinWithoutTty() throws Exception {
    Sink sink = new Sink();
    ContainerRuntime.ExecSession s = PodExec.target(k8s, pod("talker"), "app")
        .interactive(List.of("sh", "-c", "read line; echo got:$line; echo bye >&2; exit 5"), false, true, sink);
    s.write("hello\n".getBytes(StandardCharsets.UTF_8));
    assertThat(sink.exit.get(60, TimeUnit.SECONDS)).isEqualTo(5);
    assertThat(sink.out()).isEqualTo("got:hello\n");
    assertThat(sink.err()).isEqualTo("bye\n");
    s.close();
    assertThat(sink.exits.get()).isEqualTo(1);
  }

  @Test
  void interactiveTtyShellEndsOnCtrlD() throws Exception {
    Sink sink = new Sink();
    ContainerRuntime.ExecSession s = PodExec.target(k8s, pod("talker"), "app")
        .interactive(List.of("sh"), true, true, sink);
    s.write("echo tty-$((40+2))\n".getBytes(StandardCharsets.UTF_8));
    await("tty output", Duration.ofSeconds(30), sink::out, o -> o.contains("tty-42"));
    s.closeStdin();
    assertThat(sink.exit.get(30, TimeUnit.SECONDS)).isZero();
    s.close();
    assertThat(sink.exits.get()).isEqualTo(1);
  }

  @Test
  void closingAnInteractiveSessionEndsItsCommand() throws Exception {
    PodExec app = PodExec.target(k8s, pod("talker"), "app");
    Sink sink = new Sink();
    ContainerRuntime.ExecSession s = app.interactive(List.of("sh", "-c", "echo up; sleep 4343"), false, false, sink);
    await("command up", Duration.ofSeconds(30), sink::out, o -> o.contains("up"));
    assertThat(processesMatching(app, "sleep 4343")).isNotEmpty();
    s.close();
    assertThat(sink.exit.get(30, TimeUnit.SECONDS)).isNotNull();
    assertThat(processesMatching(app, "sleep 4343")).isEmpty();
    assertThat(sink.exits.get()).isEqualTo(1);
  }

  /** Output of `ps` lines in the container whose arguments contain {@code needle} (not the grep itself). */
  static String processesMatching(PodExec target, String needle) {
    ExecResult r = target.exec(List.of("sh", "-c", "ps -o pid,args | grep '" + needle + "' | grep -v grep || true"),
        Duration.ofSeconds(30), 1 << 16);
    return r.stdout().strip();
  }

  /** Collects an interactive session's output; counts exited() calls. */
  static final class Sink implements ContainerRuntime.ExecOutput {
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    final CompletableFuture<Integer> exit = new CompletableFuture<>();
    final AtomicInteger exits = new AtomicInteger();

    @Override
    public synchronized void stdout(byte[] data) {
      stdout.writeBytes(data);
    }

    @Override
    public synchronized void stderr(byte[] data) {
      stderr.writeBytes(data);
    }

    @Override
    public void exited(int exitCode) {
      exits.incrementAndGet();
      exit.complete(exitCode);
    }

    synchronized String out() {
      return stdout.toString(StandardCharsets.UTF_8);
    }

    synchronized String err() {
      return stderr.toString(StandardCharsets.UTF_8);
    }
  }

  // --- helpers -------------------------------------------------------------------------------------

  static Pod pod(String name) {
    return k8s.pods().inNamespace(ns).withName(name).get();
  }

  static ContainerStatus status(Pod p, String container) {
    return PodLogs.status(p, container).orElse(null);
  }

  static boolean running(Pod p, String container) {
    ContainerStatus s = p == null ? null : status(p, container);
    return s != null && s.getState() != null && s.getState().getRunning() != null;
  }

  /** Polls {@code get} until {@code done} holds or the deadline passes (then fails with the last value). */
  static <T> T await(String what, Duration limit, Supplier<T> get, Predicate<T> done) {
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
        Thread.sleep(200); // poll interval, not synchronization
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(what + ": interrupted", e);
      }
    }
  }
}
