package dev.openeci.group;

import java.time.Instant;

/**
 * A container's CurrentState or PreviousState as ECI reports it: {@code state} is Waiting, Running
 * or Terminated; {@code reason} follows the kubelet (ContainerCreating, PodInitializing,
 * CrashLoopBackOff, Completed, Error, OOMKilled, ...).
 */
public record ContainerState(String state, String reason, String message, String detailStatus,
    Integer exitCode, Integer signal, Instant startTime, Instant finishTime) {

  public static ContainerState waiting(String reason, String message) {
    return new ContainerState("Waiting", reason, message, null, null, null, null, null);
  }

  public static ContainerState running(Instant startTime) {
    return new ContainerState("Running", "Started", null, "working", null, null, startTime, null);
  }

  public static ContainerState terminated(String reason, String message, int exitCode, Instant start,
      Instant finish) {
    return new ContainerState("Terminated", reason, message, null, exitCode, null, start, finish);
  }
}
