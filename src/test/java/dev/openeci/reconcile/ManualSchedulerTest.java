package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManualSchedulerTest {
  @Test
  void advanceFiresDueTimersInOrderWithTheClockAtTheirDueTime() {
    ManualScheduler s = new ManualScheduler();
    List<String> fired = new ArrayList<>();
    var start = s.now();
    s.after(Duration.ofSeconds(10), () -> fired.add("b@" + Duration.between(start, s.now()).toSeconds()));
    s.after(Duration.ofSeconds(5), () -> fired.add("a@" + Duration.between(start, s.now()).toSeconds()));
    Scheduler.Timer cancelled = s.after(Duration.ofSeconds(7), () -> fired.add("cancelled"));
    cancelled.cancel();
    s.advance(Duration.ofSeconds(9));
    assertThat(fired).containsExactly("a@5");
    s.advance(Duration.ofSeconds(1));
    assertThat(fired).containsExactly("a@5", "b@10");
    assertThat(s.pending()).isZero();
  }

  @Test
  void periodicTimersRepeatUntilCancelledAndTimersSetByTimersFireInTheSameAdvance() {
    ManualScheduler s = new ManualScheduler();
    List<Long> ticks = new ArrayList<>();
    var start = s.now();
    Scheduler.Timer t = s.every(Duration.ZERO, Duration.ofSeconds(10),
        () -> ticks.add(Duration.between(start, s.now()).toSeconds()));
    s.after(Duration.ofSeconds(1), () -> s.after(Duration.ofSeconds(1), () -> ticks.add(-2L)));
    s.advance(Duration.ofSeconds(25));
    assertThat(ticks).containsExactly(0L, -2L, 10L, 20L);
    t.cancel();
    s.advance(Duration.ofMinutes(5));
    assertThat(ticks).hasSize(4);
  }
}
