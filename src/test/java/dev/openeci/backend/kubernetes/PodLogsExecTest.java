package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.backend.PodBackend;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import org.junit.jupiter.api.Test;

/** The pure decisions of PodLogs and PodExec: which instance has a log, which container can exec. */
class PodLogsExecTest {

  static ContainerStatus waiting(String reason, String lastId) {
    var b = new ContainerStatusBuilder().withName("c1").withNewState().withNewWaiting().withReason(reason).endWaiting()
        .endState();
    if (lastId != null) b.withNewLastState().withNewTerminated().withExitCode(1).withContainerID(lastId).endTerminated()
        .endLastState();
    return b.build();
  }

  static ContainerStatus running(String lastId) {
    var b = new ContainerStatusBuilder().withName("c1").withNewState().withNewRunning().endRunning().endState();
    if (lastId != null) b.withNewLastState().withNewTerminated().withExitCode(1).withContainerID(lastId).endTerminated()
        .endLastState();
    return b.build();
  }

  @Test
  void aContainerWaitingToStartHasNoLogNorPreviousOne() {
    ContainerStatus s = waiting("ContainerCreating", null);
    assertThat(PodLogs.neverRan(s, false)).isTrue();
    assertThat(PodLogs.neverRan(s, true)).isTrue();
  }

  @Test
  void inCrashLoopBackOffTheLastInstanceHasTheLog() {
    ContainerStatus s = waiting("CrashLoopBackOff", "containerd://abc");
    assertThat(PodLogs.neverRan(s, false)).isFalse();
    assertThat(PodLogs.neverRan(s, true)).isFalse();
  }

  @Test
  void aRunningFirstInstanceHasALogButNoPreviousOne() {
    assertThat(PodLogs.neverRan(running(null), false)).isFalse();
    assertThat(PodLogs.neverRan(running(null), true)).isTrue();
    assertThat(PodLogs.neverRan(running("containerd://abc"), true)).isFalse();
  }

  static Pod pod(ContainerStatus s, boolean init) {
    var b = new PodBuilder().withNewMetadata().withName("eci-abc").withNamespace("oeci-x").endMetadata().withNewStatus();
    if (init) b.withInitContainerStatuses(s); else b.withContainerStatuses(s);
    return b.endStatus().build();
  }

  /** The kill script is plain POSIX sh: run here with this host's /bin/sh on a real process tree. */
  @Test
  void theKillScriptEndsAProcessAndItsDescendants() throws Exception {
    Process tree = new ProcessBuilder("/bin/sh", "-c", "sleep 3771 & sleep 3772; echo never").start();
    ProcessHandle root = tree.toHandle();
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (root.descendants().count() < 2) {
      assertThat(System.nanoTime()).as("the tree started").isLessThan(deadline);
      Thread.sleep(20);
    }
    java.util.List<ProcessHandle> all = new java.util.ArrayList<>(root.descendants().toList());
    all.add(root);
    Process kill = new ProcessBuilder("/bin/sh", "-c", PodExec.KILL_SCRIPT, "sh", Long.toString(root.pid())).start();
    assertThat(kill.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    String printed = new String(kill.getInputStream().readAllBytes()).strip();
    assertThat(tree.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    for (ProcessHandle h : all) {
      assertThat(h.onExit().get(10, java.util.concurrent.TimeUnit.SECONDS).isAlive()).isFalse();
      assertThat(printed.split("\\s+")).contains(Long.toString(h.pid()));
    }
  }

  @Test
  void execTargetsOnlyARunningContainer() {
    assertThat(PodExec.target(null, pod(running(null), false), "c1").toString())
        .isEqualTo("pod oeci-x/eci-abc container c1");
    assertThat(PodExec.target(null, pod(running(null), true), "c1")).isNotNull();
    assertThatThrownBy(() -> PodExec.target(null, pod(waiting("CrashLoopBackOff", "x"), false), "c1"))
        .isInstanceOf(PodBackend.NotRunning.class).hasMessage("The container c1 of eci-abc is not running.");
    assertThatThrownBy(() -> PodExec.target(null, pod(running(null), false), "other"))
        .isInstanceOf(PodBackend.NotRunning.class);
    assertThatThrownBy(() -> PodExec.target(null, new PodBuilder().withNewMetadata().withName("eci-abc").endMetadata()
        .build(), "c1")).isInstanceOf(PodBackend.NotRunning.class);
  }
}
