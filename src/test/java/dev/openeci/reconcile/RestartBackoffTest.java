package dev.openeci.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.openeci.group.GroupState.Backoff;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RestartBackoffTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void firstRestartIsImmediateThenDoublesFromTenSecondsToTheCap() {
    Backoff b = null;
    Instant now = T0;
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      assertThat(RestartBackoff.allowed(b, now)).as("restart %d allowed at its notBefore", i).isTrue();
      b = RestartBackoff.next(b, now);
      delays.add(b.delaySeconds());
      assertThat(RestartBackoff.allowed(b, now.plusSeconds(b.delaySeconds() - 1))).isFalse();
      now = b.notBefore();
    }
    assertThat(delays).containsExactly(10L, 20L, 40L, 80L, 160L, 300L, 300L, 300L);
  }

  @Test
  void tenMinutesOfStableRunningResetsTheDelay() {
    Backoff b = new Backoff(160, T0);
    Instant later = T0.plusSeconds(601);
    assertThat(RestartBackoff.allowed(b, later)).isTrue();
    assertThat(RestartBackoff.next(b, later).delaySeconds()).isEqualTo(10);
    assertThat(RestartBackoff.next(b, T0.plusSeconds(599)).delaySeconds()).isEqualTo(300);
  }

  @ParameterizedTest
  @CsvSource({"10,10s", "40,40s", "300,5m0s", "90,1m30s"})
  void formatsLikeTheKubelet(long seconds, String text) {
    assertThat(RestartBackoff.format(seconds)).isEqualTo(text);
  }
}
