package dev.openeci.api.action;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import dev.openeci.backend.PodBackend;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.server.ExecSessions;
import dev.openeci.testing.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecLimitsTest {
  @Test
  void gateRefusesBeyondThePerAccountAndTheTotalBoundAndFreesOnClose() {
    ExecLimits.Gate gate = new ExecLimits.Gate(2, 3, "things");
    ExecLimits.Permit a1 = gate.acquire("a");
    ExecLimits.Permit a2 = gate.acquire("a");
    assertThatThrownBy(() -> gate.acquire("a")).isInstanceOfSatisfying(ApiException.class, e -> {
      assertThat(e.code()).isEqualTo("Throttling.User");
      assertThat(e.error().httpStatus()).isEqualTo(400);
      assertThat(e.getMessage()).contains("per account");
    });
    ExecLimits.Permit b1 = gate.acquire("b");
    assertThatThrownBy(() -> gate.acquire("c")).isInstanceOfSatisfying(ApiException.class,
        e -> assertThat(e.getMessage()).contains("on this server"));
    a1.close();
    a1.close(); // idempotent: releases once
    assertThat(gate.held("a")).isEqualTo(1);
    ExecLimits.Permit c1 = gate.acquire("c");
    assertThatThrownBy(() -> gate.acquire("b")).isInstanceOf(ApiException.class);
    a2.close();
    b1.close();
    c1.close();
    assertThat(gate.held("a") + gate.held("b") + gate.held("c")).isZero();
  }

  @Test
  void limitsAreValidated() {
    assertThatThrownBy(() -> new ExecLimits(0, 1, 1, 1, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ExecLimits(1, 1, 1, 1, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ExecLimits(1, 1, 1, 1, Duration.ofSeconds(601)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void webSocketTokensHoldASlotUntilTheyExpire() {
    ManualClock clock = new ManualClock();
    ExecSessions sessions = new ExecSessions(clock, new ExecLimits(1, 1, 2, 3, Duration.ofSeconds(5)));
    List<String> uris = new ArrayList<>();
    PodBackend.ExecTarget target = new PodBackend.ExecTarget() { // never run: the tokens are not redeemed
      @Override
      public ContainerRuntime.ExecResult exec(List<String> command, Duration timeout, int maxOutputBytes) {
        throw new AssertionError("not redeemed");
      }

      @Override
      public ContainerRuntime.ExecSession interactive(List<String> command, boolean tty, boolean stdin,
          ContainerRuntime.ExecOutput output) {
        throw new AssertionError("not redeemed");
      }
    };
    uris.add(sessions.open("a", target, List.of("sh"), false, true));
    uris.add(sessions.open("a", target, List.of("sh"), false, true));
    assertThatThrownBy(() -> sessions.open("a", target, List.of("sh"), false, true))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("Throttling.User"));
    sessions.open("b", target, List.of("sh"), false, true);
    assertThatThrownBy(() -> sessions.open("c", target, List.of("sh"), false, true)).isInstanceOf(ApiException.class);
    clock.advance(ExecSessions.TTL.plusSeconds(1)); // unused tokens expire and give their slots back
    sessions.open("a", target, List.of("sh"), false, true);
    sessions.open("c", target, List.of("sh"), false, true);
    assertThat(uris).allSatisfy(u -> assertThat(u).contains("/exec/?s="));
  }
}
