package dev.openeci.reconcile;

import static dev.openeci.reconcile.LoopHarness.app;
import static dev.openeci.reconcile.LoopHarness.group;
import static dev.openeci.reconcile.LoopHarness.with;
import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.Action;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.Probe;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.VolumeSpec;
import dev.openeci.runtime.ContainerRuntime.ExecResult;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local control loop end to end without an engine ({@link LoopHarness}): the pipeline, the
 * prober, hooks, the reconciler's adoption and relist, GC, each driven only by the loop's own
 * wake-ups (engine events, timers the test lets fire with a manual clock).
 */
class ControlLoopTest {
  static final String GID = "eci-loop00000000000001";

  @TempDir
  Path dir;
  LoopHarness h;

  @BeforeEach
  void open() {
    h = new LoopHarness(dir);
  }

  @AfterEach
  void close() {
    h.close();
  }

  private static int attempt(RuntimeContainer c) {
    return PodObservation.attempt(c);
  }

  @Test
  void aNewGroupGoesFromSandboxToRunningInOneSync() {
    h.create(GID, group(RestartPolicy.Always, 30, app("app", "serve")));
    h.settle();
    assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Running);
    assertThat(h.group(GID).state().intranetIp()).startsWith("10.88.0.");
    assertThat(h.current(GID, "app").running()).isTrue();
    assertThat(h.reasons(GID)).containsSubsequence("Created", "Started");
    // Create -> Running pipelined: each pass after one that only created and started containers
    // knows what the engine holds (its observation plus one inspect per new container), so only the
    // first pass lists the group, plus the one sync the engine's create/start events ask for
    // (3 lists when only the sandbox's pass was pipelined, 4 without any pipelining).
    assertThat(h.engine.calls.stream().filter(c -> c.startsWith("list {openeci.group-id=" + GID))).hasSize(2);
    // The sandbox got the host's resolver (DnsPolicy Default merges it) from the host facts, not /etc/resolv.conf.
    assertThat(h.engine.specOf(h.engine.sandbox(GID).id()).network().hostname()).isEqualTo("pod");
  }

  /** Removal check (a): without the liveness kill in the planner, no Killing event and no restart. */
  @Test
  void aFailedLivenessProbeKillsTheContainerAndTheRestartPolicyStartsItAgain() {
    Probe liveness = new Probe(new Action.Exec(List.of("check")), 0, 10, 1, 1, 1);
    h.create(GID, group(RestartPolicy.Always, 30, with(app("app", "serve"), p -> p.liveness(liveness))));
    h.settle();
    String first = h.current(GID, "app").id();
    h.engine.onExec((id, cmd) -> new ExecResult(id.equals(first) ? 1 : 0, "", "unhealthy", false));

    h.advance(Duration.ZERO); // the probe's first period is due at once
    assertThat(h.hasEvent(GID, "Unhealthy", "Liveness probe failed")).isTrue();
    assertThat(h.hasEvent(GID, "Killing", "failed liveness probe, will be restarted"))
        .as("Killing event after a failed liveness probe; events: %s", h.reasons(GID)).isTrue();
    h.await("the unhealthy container is stopped and started again",
        () -> attempt(h.current(GID, "app")) == 1 && h.current(GID, "app").running());
    assertThat(h.engine.calls).contains("kill " + first + " TERM");
    assertThat(h.container(GID, "app").restartCount()).isEqualTo(1);
    assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Running);
  }

  /** Removal checks (b) and (c): the deadline is decided by the planner and reached by a timer alone. */
  @Test
  void activeDeadlineSecondsFailsTheGroupWhenItsTimerFires() {
    GroupSpec spec = LoopHarness.withDeadlineAndVolumes(group(RestartPolicy.Always, 30, app("app", "serve")), 60,
        List.of());
    h.create(GID, spec);
    h.settle();
    assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Running);

    h.advance(Duration.ofSeconds(59));
    assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Running);
    h.advance(Duration.ofSeconds(1));
    assertThat(h.group(GID).state().status())
        .as("status at the ActiveDeadlineSeconds; events: %s", h.reasons(GID)).isEqualTo(GroupStatus.Failed);
    assertThat(h.hasEvent(GID, "DeadlineExceeded", "longer than the specified deadline")).isTrue();
    // The members get their grace period; the sandbox goes once they are gone.
    h.await("the app is stopped", () -> !h.current(GID, "app").running());
    h.await("the sandbox is released", () -> !h.engine.sandbox(GID).running());
    assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Failed);
  }

  /** Removal check (c): a crash loop restarts when the back-off timer fires, 10 s then 20 s, not before. */
  @Test
  void aCrashLoopRestartsWhenItsBackOffTimerFiresAndNotBefore() {
    h.create(GID, group(RestartPolicy.Always, 30, app("app", "crash")));
    h.settle();
    h.engine.exit(h.current(GID, "app").id(), 1);
    h.settle();
    assertThat(attempt(h.current(GID, "app"))).as("the first restart is immediate").isEqualTo(1);

    h.engine.exit(h.current(GID, "app").id(), 1);
    h.settle();
    assertThat(h.container(GID, "app").current().reason()).isEqualTo("CrashLoopBackOff");
    assertThat(h.container(GID, "app").current().message()).startsWith("back-off 10s restarting failed container=app");
    assertThat(h.hasEvent(GID, "BackOff", "Back-off restarting failed container app")).isTrue();
    h.advance(Duration.ofSeconds(9));
    assertThat(attempt(h.current(GID, "app"))).isEqualTo(1);
    h.advance(Duration.ofSeconds(1));
    assertThat(attempt(h.current(GID, "app")))
        .as("restarted by the back-off timer at 10 s; pending timers: %s", h.clock.dueTimes()).isEqualTo(2);
    assertThat(h.current(GID, "app").running()).isTrue();

    h.engine.exit(h.current(GID, "app").id(), 1);
    h.settle();
    assertThat(h.container(GID, "app").current().message()).startsWith("back-off 20s");
    h.advance(Duration.ofSeconds(19));
    assertThat(attempt(h.current(GID, "app"))).isEqualTo(2);
    h.advance(Duration.ofSeconds(1));
    assertThat(attempt(h.current(GID, "app"))).isEqualTo(3);
    assertThat(h.container(GID, "app").restartCount()).isEqualTo(3);
  }

  /** Removal check (d): a restarted server adopts what runs (no new sandbox) and notices what changed while down. */
  @Test
  void aRestartedServerAdoptsTheRunningContainersOfStoredGroups() {
    h.create(GID, group(RestartPolicy.Always, 30, app("app", "serve"), app("side", "serve")));
    h.settle();
    String sandbox = h.engine.sandbox(GID).id();
    String side = h.current(GID, "side").id();
    h.restartProcess();
    // While no openeci runs, one container exits: no event reaches anyone.
    h.engine.exit(h.current(GID, "app").id(), 2);
    int createsBefore = (int) h.engine.calls.stream().filter(c -> c.startsWith("create")).count();

    h.start(); // no timer fires: only the start-up adoption of stored groups can sync the group
    h.settle();
    assertThat(attempt(h.current(GID, "app")))
        .as("the exited container is restarted by the adopting sync; engine calls: %s", h.engine.calls).isEqualTo(1);
    assertThat(h.engine.sandbox(GID).id()).as("the running sandbox is adopted, not recreated").isEqualTo(sandbox);
    assertThat(h.current(GID, "side").id()).isEqualTo(side);
    assertThat(h.engine.calls.stream().filter(c -> c.startsWith("create")).count()).isEqualTo(createsBefore + 1);
    assertThat(h.container(GID, "app").restartCount()).isEqualTo(1);
    assertThat(h.container(GID, "app").previous().exitCode()).isEqualTo(2);
  }

  @Test
  void theRelistSyncsOnlyGroupsWhoseContainersChangedWithoutAnEvent() {
    h.create(GID, group(RestartPolicy.Never, 30, app("app", "serve")));
    h.settle();
    h.advance(LoopHarness.RESYNC);
    int syncsBefore = (int) h.engine.calls.stream().filter(c -> c.startsWith("list {openeci.group-id")).count();
    h.advance(LoopHarness.RESYNC);
    int syncsAfter = (int) h.engine.calls.stream().filter(c -> c.startsWith("list {openeci.group-id")).count();
    assertThat(syncsAfter).as("nothing changed: the relist syncs nothing").isEqualTo(syncsBefore);

    h.restartProcess(); // a missed event: the new process is not subscribed yet
    h.engine.exit(h.current(GID, "app").id(), 0);
    h.start();
    h.advance(Duration.ZERO); // the relist at start
    assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Succeeded);
  }

  @Test
  void aFailedPostStartHookIsAWarningAndStopsTheContainer() {
    h.engine.onExec((id, cmd) -> new ExecResult(cmd.contains("hook") ? 3 : 0, "", "no", false));
    h.create(GID, group(RestartPolicy.Never, 30, with(app("app", "serve"),
        p -> p.postStart(new Action.Exec(List.of("hook"))))));
    h.settle();
    String first = h.current(GID, "app").id();
    h.await("FailedPostStartHook", () -> h.hasEvent(GID, "FailedPostStartHook", "exited with 3"));
    assertThat(h.hasEvent(GID, "Killing", "FailedPostStartHook: stopping container app")).isTrue();
    h.await("the container is stopped", () -> !h.current(GID, "app").running());
    assertThat(h.engine.calls).contains("kill " + first + " TERM");
    assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Failed);
  }

  @Test
  void preStopRunsBeforeTheStopSignalAndTheDeleteFinishesOnceTheContainerStopped() {
    h.create(GID, group(RestartPolicy.Always, 30, with(app("app", "serve"),
        p -> p.preStop(new Action.Exec(List.of("drain"))))));
    h.settle();
    String id = h.current(GID, "app").id();
    h.delete(GID);
    h.settle();
    h.await("the group is deleted", () -> h.repo.get(GID).isEmpty());
    assertThat(h.engine.execs).contains(id + " [drain]");
    assertThat(h.engine.all()).isEmpty();
    assertThat(h.engine.calls).contains("kill " + id + " TERM");
  }

  @Test
  void aContainerIgnoringTermIsKilledWhenTheGraceTimerFires() {
    h.create(GID, group(RestartPolicy.Always, 30, app("app", "serve")));
    h.settle();
    String id = h.current(GID, "app").id();
    h.engine.ignoreTerm(id);
    h.delete(GID);
    h.settle();
    h.await("the stop signal", () -> h.engine.calls.contains("kill " + id + " TERM"));
    assertThat(h.repo.get(GID)).isPresent();
    h.advance(Duration.ofSeconds(29));
    assertThat(h.engine.calls).doesNotContain("kill " + id + " KILL");
    h.advance(Duration.ofSeconds(1));
    assertThat(h.engine.calls).contains("kill " + id + " KILL");
    assertThat(h.repo.get(GID)).isEmpty();
  }

  @Test
  void emptyDirVolumesLiveUnderTheHostVolumeRootAndGoWithTheGroup() {
    GroupSpec spec = LoopHarness.withDeadlineAndVolumes(group(RestartPolicy.Always, 0,
        with(app("app", "serve"), p -> p.mount("data", "/data"))), null,
        List.of(new VolumeSpec.EmptyDir("data", null, null)));
    h.create(GID, spec);
    h.settle();
    var mounts = h.engine.specOf(h.current(GID, "app").id()).mounts();
    assertThat(mounts).singleElement().satisfies(m -> {
      assertThat(m.target()).isEqualTo("/data");
      assertThat(Path.of(m.source())).startsWith(h.host.volumeRoot().resolve(GID));
      assertThat(Files.isDirectory(Path.of(m.source()))).isTrue();
    });
    h.delete(GID);
    h.settle();
    h.await("the group is deleted", () -> h.repo.get(GID).isEmpty());
    assertThat(h.host.volumeRoot().resolve(GID)).doesNotExist();
  }

  @Test
  void containersOfAGroupThatNoLongerExistsAreCollected() {
    String gone = "eci-gone0000000000001";
    h.engine.withImage("x");
    h.engine.adopt("openeci-" + gone + "-sandbox", Map.of(Labels.OWNER, LoopHarness.OWNER, Labels.GROUP_ID, gone,
        Labels.ROLE, Labels.ROLE_SANDBOX, Labels.MANAGED, "true"));
    h.engine.adopt("openeci-" + gone + "-app-0", Map.of(Labels.OWNER, LoopHarness.OWNER, Labels.GROUP_ID, gone,
        Labels.ROLE, Labels.ROLE_APP, Labels.CONTAINER_NAME, "app", Labels.ATTEMPT, "0", Labels.MANAGED, "true"));
    // Another openeci's container on the same engine is not touched.
    h.engine.adopt("other", Map.of(Labels.OWNER, "someone-else", Labels.GROUP_ID, gone, Labels.MANAGED, "true"));
    h.advance(Duration.ZERO); // the relist at start finds the orphans
    assertThat(h.engine.all()).extracting(RuntimeContainer::name).containsExactly("other");
  }

  @Test
  void theSandboxIsShapedThroughTheHostFacts() {
    GroupSpec base = group(RestartPolicy.Always, 0, app("app", "serve"));
    var net = base.network();
    var shaped = new dev.openeci.group.PodOptions.Network(net.securityGroupId(), net.vSwitchId(), net.eipInstanceId(),
        net.autoCreateEip(), net.eipBandwidth(), net.eipIsp(), net.eipCommonBandwidthPackage(), 1000L, 2000L,
        net.ipv6AddressCount(), net.ipv6GatewayBandwidthEnable(), net.ipv6GatewayBandwidth(), net.fixedIp(),
        net.fixedIpRetainHour(), net.privateIpAddress());
    h.create(GID, new GroupSpec(base.name(), base.zoneId(), base.restartPolicy(), base.cpu(), base.memory(),
        base.tags(), base.initContainers(), base.containers(), 0, List.of(), null, base.dns(), shaped,
        base.security(), base.images(), base.placement()));
    h.settle();
    assertThat(h.host.shaped).containsExactly("4242 1000 2000");
    assertThat(h.hasEvent(GID, "BandwidthApplied", "shaped by the fake host")).isTrue();
  }
}
