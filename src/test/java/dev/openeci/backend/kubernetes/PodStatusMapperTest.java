package dev.openeci.backend.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerState;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PodStatusMapperTest {
  static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
  static final String T0 = "2026-12-01T09:59:00Z";
  static final String T1 = "2026-12-01T09:59:30Z";

  static ContainerSpec c(String name) {
    return ContainerSpec.basic(name, "busybox:1", null, List.of(), List.of(), null, List.of(), null, null, List.of());
  }

  static final GroupSpec SPEC = GroupSpec.basic("web", "z", RestartPolicy.Always, 1, 2, List.of(),
      List.of(c("init")), List.of(c("app"), c("side")), 30);

  static io.fabric8.kubernetes.api.model.ContainerStatus running(String name, boolean ready, int restarts) {
    return new ContainerStatusBuilder().withName(name).withImage("busybox:1").withReady(ready).withRestartCount(restarts)
        .withNewState().withNewRunning().withStartedAt(T1).endRunning().endState().build();
  }

  static io.fabric8.kubernetes.api.model.ContainerStatus terminated(String name, String reason, int code) {
    return new ContainerStatusBuilder().withName(name).withImage("busybox:1").withReady(false).withRestartCount(0)
        .withNewState().withNewTerminated().withReason(reason).withExitCode(code).withStartedAt(T0)
        .withFinishedAt(T1).endTerminated().endState().build();
  }

  static io.fabric8.kubernetes.api.model.ContainerStatus waiting(String name, String reason, String message) {
    return new ContainerStatusBuilder().withName(name).withImage("busybox:1").withReady(false).withRestartCount(0)
        .withNewState().withNewWaiting().withReason(reason).withMessage(message).endWaiting().endState().build();
  }

  static io.fabric8.kubernetes.api.model.ContainerStatus crashLoop(String name, int restarts, String lastReason,
      int lastCode) {
    return new ContainerStatusBuilder().withName(name).withImage("busybox:1").withReady(false).withRestartCount(restarts)
        .withNewState().withNewWaiting().withReason("CrashLoopBackOff")
        .withMessage("back-off 20s restarting failed container=" + name + " pod=eci-x_oeci-abc(1234-5678)")
        .endWaiting().endState()
        .withNewLastState().withNewTerminated().withReason(lastReason).withExitCode(lastCode).withStartedAt(T0)
        .withFinishedAt(T1).endTerminated().endLastState().build();
  }

  static PodCondition scheduled(String status, String reason, String message) {
    return new PodConditionBuilder().withType("PodScheduled").withStatus(status).withReason(reason).withMessage(message)
        .build();
  }

  static Pod pod(String phase, List<PodCondition> conditions, List<io.fabric8.kubernetes.api.model.ContainerStatus> inits,
      List<io.fabric8.kubernetes.api.model.ContainerStatus> apps) {
    return new PodBuilder().withNewMetadata().withName("eci-x").endMetadata()
        .withNewSpec().withNodeName(phase.equals("Pending") && conditions.isEmpty() ? null : "node1")
        .addNewContainer().withName("app").withImage("busybox:1").endContainer()
        .addNewContainer().withName("side").withImage("busybox:1").endContainer().endSpec()
        .withNewStatus().withPhase(phase).withConditions(conditions).withPodIP(phase.equals("Running")
            || phase.equals("Succeeded") || phase.equals("Failed") ? "10.244.0.7" : null).withHostIP("10.244.0.1")
        .withInitContainerStatuses(inits).withContainerStatuses(apps).endStatus().build();
  }

  record Row(String name, Pod pod, GroupStatus status, String initCurrent, String appCurrent, String sideCurrent,
      boolean appReady, int sideRestarts, String sidePrevious, Integer sidePreviousExit) {}

  static Stream<Arguments> table() {
    PodCondition placed = scheduled("True", null, null);
    return Stream.of(
        new Row("created, not yet scheduled", pod("Pending", List.of(), List.of(), List.of()), GroupStatus.Scheduling,
            "Waiting", "PodInitializing", "PodInitializing", false, 0, null, null),
        new Row("unschedulable", pod("Pending", List.of(scheduled("False", "Unschedulable",
            "0/1 nodes are available: 1 Insufficient cpu.")), List.of(), List.of()), GroupStatus.ScheduleFailed,
            "Unschedulable", "Unschedulable", "Unschedulable", false, 0, null, null),
        new Row("init container running", pod("Pending", List.of(placed), List.of(running("init", false, 0)),
            List.of(waiting("app", "PodInitializing", null), waiting("side", "PodInitializing", null))),
            GroupStatus.Pending, "Running", "PodInitializing", "PodInitializing", false, 0, null, null),
        new Row("init done, app creating", pod("Pending", List.of(placed), List.of(terminated("init", "Completed", 0)),
            List.of(waiting("app", "ContainerCreating", null), running("side", false, 0))),
            GroupStatus.Pending, "Terminated", "Waiting", "Running", false, 0, null, null),
        new Row("running and ready", pod("Running", List.of(placed), List.of(terminated("init", "Completed", 0)),
            List.of(running("app", true, 0), running("side", false, 0))),
            GroupStatus.Running, "Terminated", "Running", "Running", true, 0, null, null),
        new Row("crashing sidecar", pod("Running", List.of(placed), List.of(terminated("init", "Completed", 0)),
            List.of(running("app", true, 0), crashLoop("side", 3, "Error", 1))),
            GroupStatus.Running, "Terminated", "Running", "Waiting", true, 3, "Error", 1),
        new Row("OOMKilled sidecar", pod("Running", List.of(placed), List.of(terminated("init", "Completed", 0)),
            List.of(running("app", true, 0), crashLoop("side", 1, "OOMKilled", 137))),
            GroupStatus.Running, "Terminated", "Running", "Waiting", true, 1, "OOMKilled", 137),
        new Row("completed", pod("Succeeded", List.of(placed), List.of(terminated("init", "Completed", 0)),
            List.of(terminated("app", "Completed", 0), terminated("side", "Completed", 0))),
            GroupStatus.Succeeded, "Terminated", "Terminated", "Terminated", false, 0, null, null),
        new Row("failed", pod("Failed", List.of(placed), List.of(terminated("init", "Completed", 0)),
            List.of(terminated("app", "Error", 2), terminated("side", "Completed", 0))),
            GroupStatus.Failed, "Terminated", "Terminated", "Terminated", false, 0, null, null),
        new Row("init failing", pod("Pending", List.of(placed), List.of(crashLoop("init", 2, "Error", 1)),
            List.of(waiting("app", "PodInitializing", null), waiting("side", "PodInitializing", null))),
            GroupStatus.Pending, "Waiting", "PodInitializing", "PodInitializing", false, 0, null, null),
        new Row("image pull failing", pod("Pending", List.of(placed), List.of(terminated("init", "Completed", 0)),
            List.of(waiting("app", "ImagePullBackOff", "Back-off pulling image \"nope\""), running("side", false, 0))),
            GroupStatus.Pending, "Terminated", "Waiting", "Running", false, 0, null, null),
        new Row("node lost", pod("Unknown", List.of(placed), List.of(), List.of()), GroupStatus.Running,
            "Waiting", "PodInitializing", "PodInitializing", false, 0, null, null)
    ).map(r -> Arguments.of(r.name(), r));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void mapsPodStates(String name, Row row) {
    // "Unknown" keeps what was last known.
    GroupState previous = row.name().equals("node lost") ? GroupState.initial().withStatus(GroupStatus.Running)
        : GroupState.initial();
    GroupState s = PodStatusMapper.status(SPEC, row.pod(), null, previous, true, NOW);
    assertThat(s.status()).isEqualTo(row.status());
    assertThat(s.initContainers()).hasSize(1);
    assertThat(s.containers()).extracting(x -> x.name()).containsExactly("app", "side");
    assertThat(stateOrReason(s.initContainers().get(0).current())).isEqualTo(row.initCurrent());
    assertThat(stateOrReason(s.containers().get(0).current())).isEqualTo(row.appCurrent());
    assertThat(stateOrReason(s.containers().get(1).current())).isEqualTo(row.sideCurrent());
    assertThat(s.containers().get(0).ready()).isEqualTo(row.appReady());
    assertThat(s.containers().get(1).restartCount()).isEqualTo(row.sideRestarts());
    ContainerState prev = s.containers().get(1).previous();
    if (row.sidePrevious() == null) {
      assertThat(prev).isNull();
    } else {
      assertThat(prev.state()).isEqualTo("Terminated");
      assertThat(prev.reason()).isEqualTo(row.sidePrevious());
      assertThat(prev.exitCode()).isEqualTo(row.sidePreviousExit());
      assertThat(prev.startTime()).isEqualTo(Instant.parse(T0));
      assertThat(prev.finishTime()).isEqualTo(Instant.parse(T1));
    }
  }

  /** Waiting states by their reason (the interesting part), the others by their state. */
  private static String stateOrReason(ContainerState s) {
    return s.state().equals("Waiting") && !s.reason().equals("CrashLoopBackOff") && !s.reason().equals("ImagePullBackOff")
        && !s.reason().equals("ContainerCreating") ? s.reason() : s.state();
  }

  @Test
  void runningStateMatchesTheLocalBackend() {
    Pod p = pod("Running", List.of(scheduled("True", null, null)), List.of(terminated("init", "Completed", 0)),
        List.of(running("app", true, 0), running("side", true, 0)));
    GroupState s = PodStatusMapper.status(SPEC, p, null, GroupState.initial(), true, NOW);
    assertThat(s.containers().get(0).current()).isEqualTo(ContainerState.running(Instant.parse(T1)));
    assertThat(s.initContainers().get(0).current()).isEqualTo(
        ContainerState.terminated("Completed", null, 0, Instant.parse(T0), Instant.parse(T1)));
    assertThat(s.intranetIp()).isEqualTo("10.244.0.7");
    assertThat(s.internetIp()).isNull();
    // The kubelet reports a completed init container as ready; ECI does not.
    Pod completedInitReady = new PodBuilder(p).editStatus().editFirstInitContainerStatus().withReady(true)
        .endInitContainerStatus().endStatus().build();
    assertThat(PodStatusMapper.status(SPEC, completedInitReady, null, GroupState.initial(), true, NOW)
        .initContainers().get(0).ready()).isFalse();
  }

  @Test
  void crashLoopMessageNamesTheGroupAsLocally() {
    Pod p = pod("Running", List.of(scheduled("True", null, null)), List.of(terminated("init", "Completed", 0)),
        List.of(running("app", true, 0), crashLoop("side", 2, "Error", 1)));
    GroupState s = PodStatusMapper.status(SPEC, p, null, GroupState.initial(), true, NOW);
    ContainerState side = s.containers().get(1).current();
    assertThat(side.reason()).isEqualTo("CrashLoopBackOff");
    assertThat(side.message()).isEqualTo("back-off 20s restarting failed container=side pod=web");
  }

  @Test
  void unschedulableCarriesTheSchedulersMessage() {
    Pod p = pod("Pending", List.of(scheduled("False", "Unschedulable", "0/1 nodes are available: 1 Insufficient cpu.")),
        List.of(), List.of());
    GroupState s = PodStatusMapper.status(SPEC, p, null, GroupState.initial(), true, NOW);
    assertThat(s.containers().get(0).current().message()).isEqualTo("0/1 nodes are available: 1 Insufficient cpu.");
  }

  @Test
  void terminalTimesComeFromTheContainers() {
    Pod p = pod("Succeeded", List.of(scheduled("True", null, null)), List.of(terminated("init", "Completed", 0)),
        List.of(terminated("app", "Completed", 0), terminated("side", "Completed", 0)));
    GroupState s = PodStatusMapper.status(SPEC, p, null, GroupState.initial(), true, NOW);
    assertThat(s.succeededTime()).isEqualTo(Instant.parse(T1));
    assertThat(s.failedTime()).isNull();
  }

  @Test
  void restartingStaysUntilTheNewPodRuns() {
    Pod old = pod("Running", List.of(scheduled("True", null, null)), List.of(terminated("init", "Completed", 0)),
        List.of(running("app", true, 0), running("side", true, 0)));
    GroupState restarting = GroupState.initial().withStatus(GroupStatus.Restarting);
    assertThat(PodStatusMapper.status(SPEC, old, null, restarting, false, NOW).status()).isEqualTo(GroupStatus.Restarting);
    assertThat(PodStatusMapper.status(SPEC, null, null, restarting, true, NOW).status()).isEqualTo(GroupStatus.Restarting);
    Pod fresh = pod("Pending", List.of(scheduled("True", null, null)), List.of(running("init", false, 0)), List.of());
    assertThat(PodStatusMapper.status(SPEC, fresh, null, restarting, true, NOW).status())
        .isEqualTo(GroupStatus.Restarting);
    assertThat(PodStatusMapper.status(SPEC, old, null, restarting, true, NOW).status()).isEqualTo(GroupStatus.Running);
  }

  @Test
  void updatingStaysUntilEveryContainerRunsItsImage() {
    Pod patched = new PodBuilder(pod("Running", List.of(scheduled("True", null, null)),
        List.of(terminated("init", "Completed", 0)), List.of(running("app", true, 0), running("side", true, 0))))
        .editSpec().editFirstContainer().withImage("busybox:2").endContainer().endSpec().build();
    GroupState updating = GroupState.initial().withStatus(GroupStatus.Updating);
    assertThat(PodStatusMapper.status(SPEC, patched, null, updating, true, NOW).status()).isEqualTo(GroupStatus.Updating);
    Pod applied = new PodBuilder(patched).editStatus().editFirstContainerStatus().withImage("docker.io/library/busybox:2")
        .endContainerStatus().endStatus().build();
    assertThat(PodStatusMapper.status(SPEC, applied, null, updating, true, NOW).status()).isEqualTo(GroupStatus.Running);
    Pod failing = new PodBuilder(patched).editStatus().withContainerStatuses(
        waiting("app", "ErrImagePull", "not found"), running("side", true, 0)).endStatus().build();
    assertThat(PodStatusMapper.status(SPEC, failing, null, updating, true, NOW).status()).isEqualTo(GroupStatus.Running);
  }

  @Test
  void internetIpFromTheService() {
    Pod p = pod("Running", List.of(scheduled("True", null, null)), List.of(), List.of(running("app", true, 0)));
    Service lb = new ServiceBuilder().withNewSpec().withType("LoadBalancer").endSpec().withNewStatus()
        .withNewLoadBalancer().addNewIngress().withIp("203.0.113.9").endIngress().endLoadBalancer().endStatus().build();
    Service nodePort = new ServiceBuilder().withNewSpec().withType("NodePort").endSpec().build();
    Service pending = new ServiceBuilder().withNewSpec().withType("LoadBalancer").endSpec().build();
    assertThat(PodStatusMapper.status(SPEC, p, lb, GroupState.initial(), true, NOW).internetIp()).isEqualTo("203.0.113.9");
    assertThat(PodStatusMapper.status(SPEC, p, nodePort, GroupState.initial(), true, NOW).internetIp())
        .isEqualTo("10.244.0.1");
    assertThat(PodStatusMapper.status(SPEC, p, pending, GroupState.initial(), true, NOW).internetIp()).isNull();
  }

  @Test
  void keepsTheLastIpAndFailedStatusWithoutAPod() {
    GroupState failed = GroupState.initial().failed(Instant.parse(T0));
    GroupState s = PodStatusMapper.status(SPEC, null, null, failed, true, NOW);
    assertThat(s.status()).isEqualTo(GroupStatus.Failed);
    assertThat(s.failedTime()).isEqualTo(Instant.parse(T0));
  }

  @Test
  void imageNormalization() {
    assertThat(PodStatusMapper.sameImage("busybox", "docker.io/library/busybox:latest")).isTrue();
    assertThat(PodStatusMapper.sameImage("localhost/openeci-test/busybox:1", "localhost/openeci-test/busybox:1")).isTrue();
    assertThat(PodStatusMapper.sameImage("busybox:1", "busybox:2")).isFalse();
    assertThat(PodStatusMapper.sameImage("registry:5000/a/b", "registry:5000/a/b:latest")).isTrue();
  }
}
