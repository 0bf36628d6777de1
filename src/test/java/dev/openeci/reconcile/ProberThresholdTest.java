package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.Action;
import dev.openeci.group.Probe;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kubelet's threshold rules on a probe's consecutive results. */
class ProberThresholdTest {
  static Prober.Worker worker(Prober.Kind kind, Integer success, Integer failure) {
    return new Prober.Worker("g", "c", new Probe(new Action.Exec(List.of("true")), null, null, null, success, failure),
        kind);
  }

  @Test
  void readinessStartsFalseAndNeedsSuccessThresholdInARow() {
    Prober.Worker w = worker(Prober.Kind.READINESS, 2, 3);
    assertThat(w.result).isFalse();
    assertThat(w.record(true)).isFalse();
    assertThat(w.record(false)).isFalse();
    assertThat(w.record(true)).isFalse();
    assertThat(w.record(true)).as("second success in a row flips it").isTrue();
    assertThat(w.result).isTrue();
  }

  @Test
  void livenessStartsHealthyAndFailsAfterFailureThresholdInARow() {
    Prober.Worker w = worker(Prober.Kind.LIVENESS, null, null);
    assertThat(w.result).isTrue();
    assertThat(w.record(false)).isFalse();
    assertThat(w.record(false)).isFalse();
    assertThat(w.record(true)).as("a success resets the failure count").isFalse();
    assertThat(w.record(false)).isFalse();
    assertThat(w.record(false)).isFalse();
    assertThat(w.record(false)).as("default threshold 3").isTrue();
    assertThat(w.result).isFalse();
    assertThat(w.record(true)).as("default success threshold 1").isTrue();
  }
}
