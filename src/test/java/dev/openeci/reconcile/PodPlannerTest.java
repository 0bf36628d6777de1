package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeContainer.State;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every decision of the pure planner, with plain values (no engine). */
class PodPlannerTest {
  static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  static ContainerSpec c(String name) {
    return ContainerSpec.basic(name, "img", null, List.of(), List.of(), null, List.of(), null, null, List.of());
  }

  static GroupSpec spec(RestartPolicy policy, List<ContainerSpec> inits, List<ContainerSpec> apps) {
    return GroupSpec.basic("pod", "z", policy, 2, 4, List.of(), inits, apps, 30);
  }

  static RuntimeContainer sandbox(State s) {
    return new RuntimeContainer("sbx", "sbx", Map.of(Labels.ROLE, Labels.ROLE_SANDBOX), s, null,
        NOW.minusSeconds(60), null, "10.88.0.7", false, null);
  }

  static RuntimeContainer inst(String role, String name, int attempt, State s, Integer exit) {
    return new RuntimeContainer(name + "-" + attempt, name, Map.of(Labels.ROLE, role, Labels.CONTAINER_NAME, name,
        Labels.ATTEMPT, Integer.toString(attempt)), s, exit, NOW.minusSeconds(30),
        exit == null ? null : NOW.minusSeconds(5), null, false, null);
  }

  static RuntimeContainer app(String name, int attempt, State s, Integer exit) {
    return inst(Labels.ROLE_APP, name, attempt, s, exit);
  }

  static RuntimeContainer init(String name, int attempt, State s, Integer exit) {
    return inst(Labels.ROLE_INIT, name, attempt, s, exit);
  }

  static PodObservation obs(RuntimeContainer... cs) {
    return PodObservation.of(List.of(cs));
  }

  static GroupState state(GroupStatus status, Map<String, Backoff> backoff) {
    return new GroupState(status, null, null, List.of(), List.of(), null, null, backoff, Map.of(), 0);
  }

  static List<String> actions(PodPlan plan) {
    List<String> out = new ArrayList<>();
    for (PodPlan.Action a : plan.actions()) {
      out.add(switch (a) {
        case PodPlan.CreateSandbox x -> "CreateSandbox";
        case PodPlan.ResetPod x -> "ResetPod";
        case PodPlan.Start x -> "Start " + x.container().id();
        case PodPlan.Run x -> "Run " + (x.init() ? "init " : "") + x.spec().name() + "#" + x.attempt();
        case PodPlan.Remove x -> "Remove " + x.container().id();
        case PodPlan.StopSandbox x -> "StopSandbox";
        case PodPlan.TerminateMembers x -> "TerminateMembers";
        case PodPlan.RestartPod x -> "RestartPod";
        case PodPlan.Replace x -> "Replace " + (x.old() == null ? "-" : x.old().id()) + " with " + x.spec().name()
            + "#" + x.attempt();
        case PodPlan.StopAndRemove x -> "StopAndRemove " + x.container().id();
        case PodPlan.StopContainer x -> "Stop " + x.container().id() + " (" + x.reason() + ")";
        case PodPlan.PostStartFailed x -> "PostStartFailed " + x.container().id();
        case PodPlan.FailDeadline x -> "FailDeadline";
        case PodPlan.RestartGroup x -> "RestartGroup";
        case PodPlan.DeleteGroup x -> "DeleteGroup";
      });
    }
    return out;
  }

  record Case(String name, GroupSpec spec, PodObservation obs, GroupState state, List<String> actions,
      GroupStatus status) {}

  static final GroupSpec ONE_ALWAYS = spec(RestartPolicy.Always, List.of(), List.of(c("app")));
  static final GroupSpec ONE_NEVER = spec(RestartPolicy.Never, List.of(), List.of(c("app")));
  static final GroupSpec ONE_ONFAILURE = spec(RestartPolicy.OnFailure, List.of(), List.of(c("app")));
  static final GroupSpec INIT2 = spec(RestartPolicy.Always, List.of(c("i1"), c("i2")), List.of(c("app")));
  static final GroupSpec INIT_NEVER = spec(RestartPolicy.Never, List.of(c("i1")), List.of(c("app")));
  static final GroupState PENDING = state(GroupStatus.Pending, Map.of());
  static final GroupState RUNNING = state(GroupStatus.Running, Map.of());

  static List<Case> cases() {
    return List.of(
        new Case("nothing yet: create the sandbox", ONE_ALWAYS, obs(), PENDING, List.of("CreateSandbox"),
            GroupStatus.Pending),
        new Case("sandbox up: run the app", ONE_ALWAYS, obs(sandbox(State.RUNNING)), PENDING,
            List.of("Run app#0"), GroupStatus.Pending),
        new Case("sandbox created but not started: start it", ONE_ALWAYS, obs(sandbox(State.CREATED)), PENDING,
            List.of("Start sbx"), GroupStatus.Pending),
        new Case("sandbox died: reset the pod", ONE_ALWAYS,
            obs(sandbox(State.EXITED), app("app", 0, State.EXITED, 137)), RUNNING, List.of("ResetPod"),
            GroupStatus.Pending),
        new Case("members without a sandbox: reset", ONE_ALWAYS, obs(app("app", 0, State.RUNNING, null)), RUNNING,
            List.of("ResetPod"), GroupStatus.Pending),
        new Case("app running: nothing to do", ONE_ALWAYS, obs(sandbox(State.RUNNING), app("app", 0, State.RUNNING,
            null)), PENDING, List.of(), GroupStatus.Running),
        new Case("init containers go first, in order", INIT2, obs(sandbox(State.RUNNING)), PENDING,
            List.of("Run init i1#0"), GroupStatus.Pending),
        new Case("init 1 running: wait", INIT2, obs(sandbox(State.RUNNING), init("i1", 0, State.RUNNING, null)),
            PENDING, List.of(), GroupStatus.Pending),
        new Case("init 1 done: init 2", INIT2, obs(sandbox(State.RUNNING), init("i1", 0, State.EXITED, 0)), PENDING,
            List.of("Run init i2#0"), GroupStatus.Pending),
        new Case("inits done: the app", INIT2, obs(sandbox(State.RUNNING), init("i1", 0, State.EXITED, 0),
            init("i2", 0, State.EXITED, 0)), PENDING, List.of("Run app#0"), GroupStatus.Pending),
        new Case("init failed with Always: restart it", INIT2, obs(sandbox(State.RUNNING),
            init("i1", 0, State.EXITED, 3)), PENDING, List.of("Run init i1#1"), GroupStatus.Pending),
        new Case("init failed with Never: group Failed, sandbox released", INIT_NEVER, obs(sandbox(State.RUNNING),
            init("i1", 0, State.EXITED, 3)), PENDING, List.of("StopSandbox"), GroupStatus.Failed),
        new Case("crash with Always: first restart is immediate", ONE_ALWAYS, obs(sandbox(State.RUNNING),
            app("app", 0, State.EXITED, 1)), RUNNING, List.of("Run app#1"), GroupStatus.Running),
        new Case("crash in back-off: wait", ONE_ALWAYS, obs(sandbox(State.RUNNING), app("app", 0, State.EXITED, 1),
            app("app", 1, State.EXITED, 1)), state(GroupStatus.Running, Map.of("app",
            new Backoff(20, NOW.minusSeconds(5)))), List.of(), GroupStatus.Running),
        new Case("exit 0 with Always restarts too", ONE_ALWAYS, obs(sandbox(State.RUNNING),
            app("app", 0, State.EXITED, 0)), RUNNING, List.of("Run app#1"), GroupStatus.Running),
        new Case("exit 0 with OnFailure: Succeeded", ONE_ONFAILURE, obs(sandbox(State.RUNNING),
            app("app", 0, State.EXITED, 0)), RUNNING, List.of("StopSandbox"), GroupStatus.Succeeded),
        new Case("exit 2 with OnFailure: restart", ONE_ONFAILURE, obs(sandbox(State.RUNNING),
            app("app", 0, State.EXITED, 2)), RUNNING, List.of("Run app#1"), GroupStatus.Running),
        new Case("exit 2 with Never: Failed", ONE_NEVER, obs(sandbox(State.RUNNING), app("app", 0, State.EXITED, 2)),
            RUNNING, List.of("StopSandbox"), GroupStatus.Failed),
        new Case("final status stays final, sandbox released", ONE_NEVER, obs(sandbox(State.RUNNING),
            app("app", 0, State.EXITED, 0)), state(GroupStatus.Succeeded, Map.of()), List.of("StopSandbox"),
            GroupStatus.Succeeded),
        new Case("old instances are pruned, the previous one is kept", ONE_ALWAYS, obs(sandbox(State.RUNNING),
            app("app", 0, State.EXITED, 1), app("app", 1, State.EXITED, 1), app("app", 2, State.EXITED, 1),
            app("app", 3, State.RUNNING, null)), RUNNING, List.of("Remove app-0", "Remove app-1"),
            GroupStatus.Running));
  }

  // --- updates: instances labelled with the hashes of the spec they were created from ----------

  static final ContainerSpec APP_V2 = ContainerSpec.basic("app", "img:2", null, List.of(), List.of(), null,
      List.of(), null, null, List.of());
  static final GroupSpec V1 = spec(RestartPolicy.Always, List.of(c("i1")), List.of(c("app"), c("side")));
  static final GroupState UPDATING = state(GroupStatus.Updating, Map.of());

  static RuntimeContainer labelled(RuntimeContainer c, GroupSpec from) {
    Map<String, String> l = new java.util.HashMap<>(c.labels());
    String name = c.label(Labels.CONTAINER_NAME);
    if (name == null) {
      l.put(Labels.SANDBOX_HASH, dev.openeci.group.SpecHashes.sandbox(from));
    } else {
      l.put(Labels.SPEC_HASH, dev.openeci.group.SpecHashes.container(from.container(name)));
      if (Labels.ROLE_APP.equals(c.label(Labels.ROLE))) l.put(Labels.INIT_HASH, dev.openeci.group.SpecHashes.init(from));
    }
    return new RuntimeContainer(c.id(), c.name(), l, c.state(), c.exitCode(), c.startedAt(), c.finishedAt(),
        c.ipAddress(), c.oomKilled(), c.error());
  }

  static PodObservation runningV1(GroupSpec from) {
    return obs(labelled(sandbox(State.RUNNING), from), labelled(init("i1", 0, State.EXITED, 0), from),
        labelled(app("app", 0, State.RUNNING, null), from), labelled(app("side", 0, State.RUNNING, null), from));
  }

  static List<Case> updateCases() {
    GroupSpec appChanged = spec(RestartPolicy.Always, List.of(c("i1")), List.of(APP_V2, c("side")));
    GroupSpec tagsChanged = GroupSpec.basic("pod", "z", RestartPolicy.Never, 2, 4,
        List.of(new dev.openeci.group.Tag("k", "v")), List.of(c("i1")), List.of(c("app"), c("side")), 30);
    GroupSpec initChanged = spec(RestartPolicy.Always, List.of(c("i1"), c("i2")), List.of(c("app"), c("side")));
    GroupSpec sideRemoved = spec(RestartPolicy.Always, List.of(c("i1")), List.of(c("app")));
    GroupSpec volumeAdded = new GroupSpec("pod", "z", RestartPolicy.Always, 2, 4, List.of(), List.of(c("i1")),
        List.of(c("app"), c("side")), 30, List.of(new dev.openeci.group.VolumeSpec.EmptyDir("v", null, null)), null, null, null, null, null, null);
    return List.of(
        new Case("unchanged spec: nothing to do, Updating ends", V1, runningV1(V1), UPDATING, List.of(),
            GroupStatus.Running),
        new Case("tags and restart policy only: nothing restarts", tagsChanged, runningV1(V1), UPDATING, List.of(),
            GroupStatus.Running),
        new Case("one container changed: only it is replaced", appChanged, runningV1(V1), UPDATING,
            List.of("Replace app-0 with app#1"), GroupStatus.Updating),
        new Case("init containers changed: the group restarts", initChanged, runningV1(V1), UPDATING,
            List.of("RestartPod"), GroupStatus.Updating),
        new Case("a container removed: it is stopped and removed", sideRemoved, runningV1(V1), UPDATING,
            List.of("StopAndRemove side-0"), GroupStatus.Updating),
        new Case("volumes changed: the sandbox is recreated", volumeAdded, runningV1(V1), UPDATING,
            List.of("ResetPod"), GroupStatus.Updating));
  }

  @Test
  void updateDecisionsTable() {
    for (Case k : updateCases()) {
      PodPlan plan = PodPlanner.plan(k.spec(), k.obs(), k.state(), NOW);
      assertThat(actions(plan)).as(k.name()).isEqualTo(k.actions());
      GroupState st = PodPlanner.status(k.spec(), k.obs(), k.state().withBackoff(plan.backoff(), Map.of()), NOW);
      assertThat(st.status()).as(k.name() + ": status").isEqualTo(k.status());
    }
  }

  @Test
  void aReplacementThatCannotPullEndsUpdatingAndShowsTheReason() {
    GroupSpec appChanged = spec(RestartPolicy.Always, List.of(c("i1")), List.of(APP_V2, c("side")));
    PodObservation o = obs(labelled(sandbox(State.RUNNING), V1), labelled(init("i1", 0, State.EXITED, 0), V1),
        labelled(app("app", 0, State.EXITED, 143), V1), labelled(app("side", 0, State.RUNNING, null), V1));
    GroupState st = new GroupState(GroupStatus.Updating, null, null, List.of(), List.of(), null, null,
        Map.of("app", new Backoff(10, NOW.minusSeconds(6))),
        Map.of("app", new GroupState.Waiting("ErrImagePull", "Failed to pull image \"img:2\": not found")), 0);
    PodPlan plan = PodPlanner.plan(appChanged, o, st, NOW);
    assertThat(actions(plan)).as("the retry waits for the back-off").isEmpty();
    assertThat(plan.wakeAt()).isEqualTo(NOW.plusSeconds(4));
    GroupState after = PodPlanner.status(appChanged, o, st, NOW);
    assertThat(after.status()).isEqualTo(GroupStatus.Running);
    assertThat(after.containers().get(0).current().reason()).isEqualTo("ImagePullBackOff");
    assertThat(after.containers().get(1).current().state()).isEqualTo("Running");
  }

  @Test
  void decisionsAndStatusTable() {
    for (Case k : cases()) {
      PodPlan plan = PodPlanner.plan(k.spec(), k.obs(), k.state(), NOW);
      assertThat(actions(plan)).as(k.name()).isEqualTo(k.actions());
      GroupState st = PodPlanner.status(k.spec(), k.obs(), k.state().withBackoff(plan.backoff(), Map.of()), NOW);
      assertThat(st.status()).as(k.name() + ": status").isEqualTo(k.status());
    }
  }

  @Test
  void crashLoopIsReportedWithTheKubeletReasonAndThePreviousState() {
    PodObservation o = obs(sandbox(State.RUNNING), app("app", 0, State.EXITED, 1), app("app", 1, State.EXITED, 1));
    GroupState st = state(GroupStatus.Running, Map.of("app", new Backoff(20, NOW.minusSeconds(5))));
    PodPlan plan = PodPlanner.plan(ONE_ALWAYS, o, st, NOW);
    assertThat(plan.wakeAt()).isEqualTo(NOW.plusSeconds(15));
    ContainerStatus app = PodPlanner.status(ONE_ALWAYS, o, st, NOW).containers().get(0);
    assertThat(app.restartCount()).isEqualTo(1);
    assertThat(app.current().state()).isEqualTo("Waiting");
    assertThat(app.current().reason()).isEqualTo("CrashLoopBackOff");
    assertThat(app.current().message()).isEqualTo("back-off 20s restarting failed container=app pod=pod");
    assertThat(app.previous().state()).isEqualTo("Terminated");
    assertThat(app.previous().reason()).isEqualTo("Error");
    assertThat(app.previous().exitCode()).isEqualTo(1);
    assertThat(app.ready()).isFalse();
  }

  @Test
  void restartAdvancesTheBackoff() {
    PodObservation o = obs(sandbox(State.RUNNING), app("app", 0, State.EXITED, 1), app("app", 1, State.EXITED, 1));
    GroupState st = state(GroupStatus.Running, Map.of("app", new Backoff(20, NOW.minusSeconds(25))));
    PodPlan plan = PodPlanner.plan(ONE_ALWAYS, o, st, NOW);
    assertThat(actions(plan)).containsExactly("Run app#2");
    assertThat(plan.backoff().get("app")).isEqualTo(new Backoff(40, NOW));
  }

  @Test
  void appContainersWaitWithPodInitializingWhileInitRuns() {
    PodObservation o = obs(sandbox(State.RUNNING), init("i1", 0, State.RUNNING, null));
    GroupState st = PodPlanner.status(INIT2, o, PENDING, NOW);
    assertThat(st.initContainers().get(0).current().state()).isEqualTo("Running");
    assertThat(st.containers().get(0).current().reason()).isEqualTo("PodInitializing");
    assertThat(st.intranetIp()).isEqualTo("10.88.0.7");
  }

  @Test
  void finalStatusTimesAreSetOnce() {
    PodObservation o = obs(sandbox(State.RUNNING), app("app", 0, State.EXITED, 0));
    GroupState st = PodPlanner.status(ONE_NEVER, o, RUNNING, NOW);
    assertThat(st.succeededTime()).isEqualTo(NOW);
    GroupState again = PodPlanner.status(ONE_NEVER, o, st, NOW.plusSeconds(100));
    assertThat(again.succeededTime()).isEqualTo(NOW);
  }
}
