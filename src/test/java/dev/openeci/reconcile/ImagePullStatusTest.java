package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.ContainerState;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.GroupState.Backoff;
import dev.openeci.runtime.RuntimeContainer.State;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The waiting reason of a container whose image pull failed, over its back-off period. */
class ImagePullStatusTest {
  static final Instant FAILED_AT = Instant.parse("2026-01-01T00:10:00Z");

  @ParameterizedTest(name = "{0}s after the failure, back-off {1}s: {2}")
  @CsvSource({
      "0, 10, ErrImagePull",
      "4, 10, ErrImagePull",
      "5, 10, ImagePullBackOff",
      "9, 10, ImagePullBackOff",
      "10, 10, ErrImagePull",   // back-off over: the next pull is due, the last error still shows
      "200, 300, ImagePullBackOff",
  })
  void errImagePullThenImagePullBackOff(long secondsAfter, long delay, String reason) {
    var spec = PodPlannerTest.spec(RestartPolicy.Never, List.of(), List.of(PodPlannerTest.c("app")));
    var waiting = Map.of("app", new GroupState.Waiting("ErrImagePull", "Failed to pull image \"img\": denied"));
    var backoff = Map.of("app", new Backoff(delay, FAILED_AT));
    GroupState state = new GroupState(GroupStatus.Pending, null, null, List.of(), List.of(), null, null, backoff,
        waiting, 0);
    GroupState s = PodPlanner.status(spec, PodPlannerTest.obs(PodPlannerTest.sandbox(State.RUNNING)), state,
        FAILED_AT.plusSeconds(secondsAfter));
    ContainerState current = s.containers().get(0).current();
    assertThat(current.state()).isEqualTo("Waiting");
    assertThat(current.reason()).isEqualTo(reason);
    assertThat(current.message()).contains("img");
    assertThat(s.status()).isEqualTo(GroupStatus.Pending);
  }
}
