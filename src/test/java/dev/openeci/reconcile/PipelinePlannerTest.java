package dev.openeci.reconcile;

import static dev.openeci.reconcile.PodPlannerTest.NOW;
import static dev.openeci.reconcile.PodPlannerTest.actions;
import static dev.openeci.reconcile.PodPlannerTest.app;
import static dev.openeci.reconcile.PodPlannerTest.c;
import static dev.openeci.reconcile.PodPlannerTest.obs;
import static dev.openeci.reconcile.PodPlannerTest.sandbox;
import static dev.openeci.reconcile.PodPlannerTest.spec;
import static dev.openeci.reconcile.PodPlannerTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import dev.openeci.runtime.RuntimeContainer.State;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pod-level decisions of {@link PodPlanner#plan(PodPlanner.Input)}, pure: deletion, restart,
 * ActiveDeadlineSeconds, failed postStart hooks, failed liveness probes, policy refusals, and what
 * {@link PodPlanner#settle} makes of the executor's results.
 */
class PipelinePlannerTest {
  static final GroupSpec ONE = spec(RestartPolicy.Always, List.of(), List.of(c("app")));
  static final PodObservation RUNNING = obs(sandbox(State.RUNNING), app("app", 0, State.RUNNING, null));

  record Case(String name, PodPlanner.Input input, PodPlan.Phase phase, List<String> actions, Instant wake) {}

  static PodPlanner.Input in(GroupSpec spec, PodObservation obs, GroupState st, boolean deleting, long generation,
      Instant deadline, Map<String, String> postStart, boolean gpu) {
    PodPlanner.Input in = PodPlanner.Input.of(spec, obs, st, NOW).withDeleting(deleting)
        .withRestartGeneration(generation).withPostStartFailures(postStart).withPolicy(PodPolicy.DEFAULT, gpu);
    return deadline == null ? in : in.withActiveDeadline(deadline.minusSeconds(60), 60);
  }

  static ContainerSpec gpuApp() {
    ContainerSpec a = c("app");
    return new ContainerSpec(a.name(), a.image(), a.imagePullPolicy(), a.command(), a.args(), a.workingDir(), a.env(),
        a.cpu(), a.memory(), a.ports(), 1, false, false, false, List.of(), ContainerSecurity.NONE, null, null, null,
        null, null, null, false);
  }

  @Test
  void podLevelDecisions() {
    GroupState running = state(GroupStatus.Running, Map.of());
    GroupState failed = state(GroupStatus.Failed, Map.of());
    PodObservation unhealthy = RUNNING.withUnhealthy(Set.of("app-0"));
    GroupSpec gpu = spec(RestartPolicy.Always, List.of(), List.of(gpuApp()));
    PodObservation sandboxOnly = obs(sandbox(State.RUNNING));
    List<Case> cases = List.of(
        new Case("running, nothing to do", in(ONE, RUNNING, running, false, 0, null, Map.of(), false),
            PodPlan.Phase.RUNNING, List.of(), null),
        new Case("deletion first, whatever else", in(ONE, unhealthy, running, true, 3, NOW, Map.of(), false),
            PodPlan.Phase.DELETING, List.of("DeleteGroup"), null),
        new Case("a restart request", in(ONE, RUNNING, running, false, 1, null, Map.of(), false),
            PodPlan.Phase.RESTARTING, List.of("RestartGroup"), null),
        new Case("the active deadline passed", in(ONE, RUNNING, running, false, 0, NOW, Map.of(), false),
            PodPlan.Phase.FINISHED, List.of("FailDeadline"), null),
        new Case("before the active deadline: a wake-up at it",
            in(ONE, RUNNING, running, false, 0, NOW.plusSeconds(5), Map.of(), false),
            PodPlan.Phase.RUNNING, List.of(), NOW.plusSeconds(5)),
        new Case("a final status stops what runs (the deadline no longer matters)",
            in(ONE, RUNNING, failed, false, 0, NOW.minusSeconds(5), Map.of(), false),
            PodPlan.Phase.FINISHED, List.of("TerminateMembers"), null),
        new Case("a failed liveness probe: kill, nothing else",
            in(ONE, unhealthy, running, false, 0, null, Map.of(), false),
            PodPlan.Phase.RUNNING, List.of("Stop app-0 (LIVENESS)"), null),
        new Case("a failed postStart hook, then the rest of the plan",
            in(ONE, RUNNING, running, false, 0, null, Map.of("app-0", "exit 1"), false),
            PodPlan.Phase.RUNNING, List.of("PostStartFailed app-0"), null),
        new Case("a GPU on a host without one: the run carries the refusal",
            in(gpu, sandboxOnly, running, false, 0, null, Map.of(), false),
            PodPlan.Phase.RUNNING, List.of("Run app#0 refused: Unschedulable"), null),
        new Case("a GPU on a host with one", in(gpu, sandboxOnly, running, false, 0, null, Map.of(), true),
            PodPlan.Phase.RUNNING, List.of("Run app#0"), null));
    for (Case k : cases) {
      PodPlan plan = PodPlanner.plan(k.input());
      List<String> got = plan.actions().stream().map(a -> a instanceof PodPlan.Run r && r.refusal() != null
          ? actions(new PodPlan(List.of(a), Map.of(), null)).get(0) + " refused: " + r.refusal().waitingReason()
          : actions(new PodPlan(List.of(a), Map.of(), null)).get(0)).toList();
      assertThat(plan.phase()).as(k.name()).isEqualTo(k.phase());
      assertThat(got).as(k.name()).isEqualTo(k.actions());
      assertThat(plan.wakeAt()).as(k.name()).isEqualTo(k.wake());
    }
  }

  @Test
  void statusIsWrittenOnlyByPlansThatDoNotHandTheGroupOver() {
    GroupState running = state(GroupStatus.Running, Map.of());
    assertThat(PodPlanner.plan(in(ONE, RUNNING, running, false, 0, null, Map.of(), false)).writesStatus()).isTrue();
    assertThat(PodPlanner.plan(in(ONE, RUNNING, running, true, 0, null, Map.of(), false)).writesStatus()).isFalse();
    assertThat(PodPlanner.plan(in(ONE, RUNNING, running, false, 0, NOW, Map.of(), false)).writesStatus()).isFalse();
    assertThat(PodPlanner.plan(in(ONE, RUNNING.withUnhealthy(Set.of("app-0")), running, false, 0, null, Map.of(),
        false)).writesStatus()).isFalse();
  }

  @Test
  void settleFoldsTheExecutorsResultsIntoBackOffAndWaitingReasons() {
    PodPlan.Action run = new PodPlan.Run(c("app"), false, 0);
    Backoff old = new Backoff(20, NOW.minusSeconds(30));
    PodPlanner.Settled s = PodPlanner.settle(Map.of("sandbox:", old), Map.of("side", new GroupState.Waiting("x", "y")),
        List.of(new ActionResult.SandboxStarted(new PodPlan.CreateSandbox(), "sbx"),
            new ActionResult.PullFailed(run, "app", 0, "ErrImagePull", "denied", true),
            new ActionResult.Started(run, "side", "side-0"),
            new ActionResult.Refused(run, "init:setup", 2, "CreateContainerConfigError", "no", "fatal reason")),
        NOW);
    assertThat(s.backoff()).containsOnlyKeys("app");
    assertThat(s.backoff().get("app")).isEqualTo(new Backoff(10, NOW));
    assertThat(s.waiting()).containsOnlyKeys("app", "init:setup");
    assertThat(s.freshPullFailures()).containsExactly("app");
    assertThat(s.fatal()).isEqualTo("fatal reason");
    assertThat(PodPlanner.nextWake(null, s.backoff(), NOW)).isEqualTo(NOW.plusSeconds(10));
  }
}
