package dev.openeci.reconcile;

import static dev.openeci.reconcile.LoopHarness.app;
import static dev.openeci.reconcile.LoopHarness.group;
import static dev.openeci.reconcile.LoopHarness.with;
import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.PullPolicy;
import dev.openeci.group.RestartPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What one sync of a new group comes to when the engine, the host or the policy says no, as a
 * table: the runtime's answer (a denied pull, a taken port, a mount the kernel cannot do), the
 * planner's refusals (privileged, capabilities, GPU) and what the user sees (status, waiting
 * reason, event, back-off). All on the fake engine.
 */
class PodExecutorTableTest {
  static final String GID = "eci-table0000000000001";
  static final String DENIED = "registry.example/private:1";

  record Case(String name, Consumer<LoopHarness> setup, UnaryOperator<ContainerSpec> container, GroupStatus status,
      String waitingReason, String eventReason, String eventMessage, boolean backoff) {}

  @TempDir
  Path dir;

  @Test
  void failuresAndRefusals() {
    Consumer<LoopHarness> nothing = h -> { };
    List<Case> cases = List.of(
        new Case("runs", nothing, c -> c, GroupStatus.Running, null, "Started", "Started container app", false),
        new Case("a pull the registry denies: ErrImagePull, Failed events, back-off",
            h -> h.engine.failPulls(DENIED, "unauthorized: authentication required"),
            c -> with(c, p -> p.image(DENIED)), GroupStatus.Pending, "ErrImagePull", "Failed",
            "Failed to pull image \"" + DENIED + "\": unauthorized", true),
        new Case("an absent image with pull policy Never", nothing,
            c -> with(c, p -> p.image("registry.example/absent:1").pull(PullPolicy.Never)), GroupStatus.Pending,
            "ErrImageNeverPull", "ErrImageNeverPull", "is not present with pull policy of Never", true),
        new Case("privileged without serve --allow-privileged", nothing,
            c -> with(c, p -> p.security(new ContainerSecurity(List.of(), null, null, null, null, true))),
            GroupStatus.Pending, "CreateContainerConfigError", "Failed", "privileged containers are not allowed", true),
        new Case("a capability beyond the allow-list", nothing,
            c -> with(c, p -> p.security(new ContainerSecurity(List.of("SYS_ADMIN"), null, null, null, null, null))),
            GroupStatus.Pending, "CreateContainerConfigError", "Failed", "capabilities [SYS_ADMIN] are not allowed", true),
        new Case("a GPU on a host without one", nothing, c -> with(c, p -> p.gpu(1)), GroupStatus.Pending,
            "Unschedulable", "FailedScheduling", "Insufficient nvidia.com/gpu", true),
        new Case("a GPU on a host with one", h -> h.host.gpu = true, c -> with(c, p -> p.gpu(1)), GroupStatus.Running,
            null, "Started", "Started container app", false),
        new Case("a volume type the kernel cannot mount fails the group",
            h -> h.engine.failStarts("openeci-" + GID + "-app", "error mounting volume: unknown filesystem type 'nfs'"),
            c -> c, GroupStatus.Failed, "ContainerCreating", "FailedMount", "MountVolume.SetUp failed", true),
        new Case("a mount that fails for now is retried under the back-off",
            h -> h.engine.failStarts("openeci-" + GID + "-app", "error mounting volume: connection refused"),
            c -> c, GroupStatus.Pending, "ContainerCreating", "FailedMount", "MountVolume.SetUp failed", true),
        new Case("a published port another process holds fails the group",
            h -> h.engine.failStarts("openeci-" + GID + "-sandbox", "listen tcp 0.0.0.0:80: bind: address already in use"),
            c -> c, GroupStatus.Failed, null, "HostPortInUse", "", false),
        new Case("a sandbox that cannot start is retried under the back-off",
            h -> h.engine.failStarts("openeci-" + GID + "-sandbox", "network not found"),
            c -> c, GroupStatus.Pending, null, "FailedCreatePodSandBox", "network not found", false));

    SoftAssertions soft = new SoftAssertions();
    int i = 0;
    for (Case k : cases) {
      try (LoopHarness h = new LoopHarness(dir.resolve("case" + i++))) {
        k.setup().accept(h);
        h.create(GID, group(RestartPolicy.Always, 0, k.container().apply(app("app", "serve"))));
        h.settle();
        GroupState st = h.group(GID).state();
        soft.assertThat(st.status()).as(k.name() + ": status; events " + h.reasons(GID)).isEqualTo(k.status());
        if (k.waitingReason() != null) {
          ContainerStatus c = st.containers().get(0);
          soft.assertThat(c.current().reason()).as(k.name() + ": waiting reason").isEqualTo(k.waitingReason());
        }
        soft.assertThat(h.hasEvent(GID, k.eventReason(), k.eventMessage()))
            .as(k.name() + ": event " + k.eventReason() + " \"" + k.eventMessage() + "\" in " + h.events(GID)).isTrue();
        if (k.backoff()) {
          soft.assertThat(st.backoff()).as(k.name() + ": back-off").containsKey("app");
          soft.assertThat(st.backoff().get("app").delaySeconds()).as(k.name() + ": first back-off").isEqualTo(10);
        }
      }
    }
    soft.assertAll();
  }

  @Test
  void errImagePullTurnsIntoImagePullBackOffByItsOwnTimerAndThePullIsRetriedAfterTheBackOff() {
    try (LoopHarness h = new LoopHarness(dir)) {
      h.engine.failPulls(DENIED, "denied");
      h.create(GID, group(RestartPolicy.Always, 0, with(app("app", "serve"), p -> p.image(DENIED))));
      h.settle();
      assertThat(h.container(GID, "app").current().reason()).isEqualTo("ErrImagePull");
      h.advance(Duration.ofSeconds(PodPlanner.ERR_IMAGE_PULL_SECONDS));
      assertThat(h.container(GID, "app").current().reason()).isEqualTo("ImagePullBackOff");
      assertThat(h.hasEvent(GID, "BackOff", "Back-off pulling image")).isTrue();
      long pulls = h.engine.calls.stream().filter(c -> c.equals("pull " + DENIED)).count();
      h.engine.withImage(DENIED);
      h.advance(Duration.ofSeconds(10 - PodPlanner.ERR_IMAGE_PULL_SECONDS));
      assertThat(h.group(GID).state().status()).isEqualTo(GroupStatus.Running);
      assertThat(h.engine.calls.stream().filter(c -> c.equals("pull " + DENIED)).count()).isEqualTo(pulls);
    }
  }
}
