package dev.openeci.reconcile;

import static dev.openeci.reconcile.PodPlannerTest.NOW;
import static dev.openeci.reconcile.PodPlannerTest.actions;
import static dev.openeci.reconcile.PodPlannerTest.app;
import static dev.openeci.reconcile.PodPlannerTest.c;
import static dev.openeci.reconcile.PodPlannerTest.init;
import static dev.openeci.reconcile.PodPlannerTest.obs;
import static dev.openeci.reconcile.PodPlannerTest.sandbox;
import static dev.openeci.reconcile.PodPlannerTest.spec;
import static dev.openeci.reconcile.PodPlannerTest.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.group.GroupState.Terminating;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.SpecHashes;
import dev.openeci.reconcile.PodPlanner.Grace;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeContainer.State;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The planner's grace-period decisions (issue 10 finding 6): a stop never waits in a worker. Given
 * whether the container runs, the recorded termination (since, deadline) and the time, the planner
 * says begin, wait in grace, kill, or nothing; a restarted server feeds it the stored record, so
 * it neither restarts the grace from zero nor forgets the kill.
 */
class GracePlannerTest {
  static final Instant SINCE = NOW.minusSeconds(100);

  record Case(String name, boolean running, Terminating recorded, long grace, Instant now, Grace expected) {}

  @Test
  void graceDecisions() {
    Terminating rec600 = new Terminating(SINCE, SINCE.plusSeconds(600));
    Terminating rec20 = new Terminating(SINCE, SINCE.plusSeconds(20));
    List<Case> cases = List.of(
        new Case("running, no stop yet: begin (record deadline, preStop, signal)", true, null, 600, NOW, Grace.BEGIN),
        new Case("running, no grace at all: kill at once", true, null, 0, NOW, Grace.KILL),
        new Case("running, recorded, before the deadline: wait", true, rec600, 600, NOW, Grace.IN_GRACE),
        new Case("running, recorded, one second before the deadline: wait", true, rec600, 600,
            rec600.deadline().minusSeconds(1), Grace.IN_GRACE),
        new Case("running, recorded, at the deadline: kill", true, rec600, 600, rec600.deadline(), Grace.KILL),
        new Case("running, recorded, deadline long past (server was down): kill", true, rec20, 20, NOW, Grace.KILL),
        new Case("restarted server with a smaller cap: the recorded deadline still rules", true, rec600, 30, NOW,
            Grace.IN_GRACE),
        new Case("stopped inside the grace: nothing left, record dropped", false, rec600, 600, NOW, Grace.STOPPED),
        new Case("not running, never stopped: nothing", false, null, 600, NOW, Grace.STOPPED));
    for (Case k : cases) {
      assertThat(PodPlanner.grace(k.running(), k.recorded(), k.grace(), k.now())).as(k.name()).isEqualTo(k.expected());
    }
  }

  @Test
  void theDeadlineIsTheStartPlusTheGrace() {
    assertThat(PodPlanner.graceDeadline(NOW, 600)).isEqualTo(NOW.plusSeconds(600));
    assertThat(PodPlanner.graceDeadline(NOW, 0)).isEqualTo(NOW);
    assertThat(PodPlanner.graceDeadline(NOW, -5)).isEqualTo(NOW);
  }

  record PlanCase(String name, GroupSpec spec, PodObservation obs, GroupState state, List<String> actions) {}

  @Test
  void planDecisionsAroundStopping() {
    GroupSpec one = spec(RestartPolicy.Always, List.of(), List.of(c("app")));
    GroupSpec withInit = spec(RestartPolicy.Always, List.of(c("prep")), List.of(c("app")));
    ContainerSpec v2 = ContainerSpec.basic("app", "img:2", null, List.of(), List.of(), null, List.of(), null, null,
        List.of());
    GroupSpec changed = spec(RestartPolicy.Always, List.of(), List.of(v2));
    RuntimeContainer v1Running = hashed(app("app", 0, State.RUNNING, null), c("app"));
    RuntimeContainer v1Exited = hashed(app("app", 0, State.EXITED, 137), c("app"));
    Map<String, Backoff> oldCrashLoop = Map.of("app", new Backoff(40, NOW.minusSeconds(5)));
    List<PlanCase> cases = List.of(
        new PlanCase("final status, a member still runs (ActiveDeadline): stop the members first", one,
            obs(sandbox(State.RUNNING), app("app", 0, State.RUNNING, null)), state(GroupStatus.Failed, Map.of()),
            List.of("TerminateMembers")),
        new PlanCase("final status, an init container still runs: stop it first", withInit,
            obs(sandbox(State.RUNNING), init("prep", 0, State.RUNNING, null)), state(GroupStatus.Failed, Map.of()),
            List.of("TerminateMembers")),
        new PlanCase("final status, members stopped: release the sandbox", one,
            obs(sandbox(State.RUNNING), app("app", 0, State.EXITED, 137)), state(GroupStatus.Failed, Map.of()),
            List.of("StopSandbox")),
        new PlanCase("final status, nothing runs: nothing", one,
            obs(sandbox(State.EXITED), app("app", 0, State.EXITED, 0)), state(GroupStatus.Succeeded, Map.of()),
            List.of()),
        new PlanCase("changed container still running: stop it (the new one runs later)", changed,
            obs(sandbox(State.RUNNING), v1Running), state(GroupStatus.Updating, oldCrashLoop),
            List.of("Replace app-0 with app#1")),
        new PlanCase("changed container stopped after its grace: run the new one", changed,
            obs(sandbox(State.RUNNING), v1Exited), state(GroupStatus.Updating, Map.of()),
            List.of("Replace - with app#1")));
    for (PlanCase k : cases) {
      assertThat(actions(PodPlanner.plan(k.spec(), k.obs(), k.state(), NOW))).as(k.name()).isEqualTo(k.actions());
    }
  }

  @Test
  void aRunningReplacedContainerStartsOverWithoutBackOffOnceItHasStopped() {
    ContainerSpec v2 = ContainerSpec.basic("app", "img:2", null, List.of(), List.of(), null, List.of(), null, null,
        List.of());
    GroupSpec changed = spec(RestartPolicy.Always, List.of(), List.of(v2));
    Map<String, Backoff> oldCrashLoop = Map.of("app", new Backoff(40, NOW.minusSeconds(5)));
    PodPlan waiting = PodPlanner.plan(changed, obs(sandbox(State.RUNNING), hashed(app("app", 0, State.RUNNING, null),
        c("app"))), state(GroupStatus.Updating, oldCrashLoop), NOW);
    // While the old instance is in its grace period no back-off is charged, and the old one is dropped.
    assertThat(waiting.backoff()).doesNotContainKey("app");
    PodPlan after = PodPlanner.plan(changed, obs(sandbox(State.RUNNING), hashed(app("app", 0, State.EXITED, 137),
        c("app"))), state(GroupStatus.Updating, waiting.backoff()), NOW.plusSeconds(30));
    assertThat(actions(after)).containsExactly("Replace - with app#1");
    assertThat(after.backoff().get("app").delaySeconds()).isEqualTo(RestartBackoff.INITIAL_SECONDS);
  }

  @Test
  void statusCarriesTheGraceRecordsThrough() {
    Map<String, Terminating> rec = Map.of("app-0", new Terminating(SINCE, SINCE.plusSeconds(600)));
    GroupState st = state(GroupStatus.Running, Map.of()).withTerminating(rec);
    GroupState next = PodPlanner.status(spec(RestartPolicy.Always, List.of(), List.of(c("app"))),
        obs(sandbox(State.RUNNING), app("app", 0, State.RUNNING, null)), st, NOW);
    assertThat(next.terminating()).isEqualTo(rec);
    assertThat(next.withBackoff(Map.of(), Map.of()).withRestartsApplied(3).failed(NOW).terminating()).isEqualTo(rec);
  }

  private static RuntimeContainer hashed(RuntimeContainer c, ContainerSpec spec) {
    Map<String, String> labels = new HashMap<>(c.labels());
    labels.put(Labels.SPEC_HASH, SpecHashes.container(spec));
    return new RuntimeContainer(c.id(), c.name(), labels, c.state(), c.exitCode(), c.startedAt(), c.finishedAt(),
        c.ipAddress(), c.oomKilled(), c.error());
  }
}
