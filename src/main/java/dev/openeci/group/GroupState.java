package dev.openeci.group;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything the control loop observed and concluded about a group; written only by the group's
 * worker, read by Describe. {@code backoff} maps container name to its restart back-off, so it
 * survives a restart of openeci.
 */
public record GroupState(
    GroupStatus status,
    String intranetIp,
    String internetIp,
    List<ContainerStatus> initContainers,
    List<ContainerStatus> containers,
    Instant succeededTime,
    Instant failedTime,
    Map<String, Backoff> backoff,
    Map<String, Waiting> waiting,
    long restartsApplied,
    Map<String, Terminating> terminating) {

  public GroupState {
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
    backoff = backoff == null ? Map.of() : Map.copyOf(backoff);
    waiting = waiting == null ? Map.of() : Map.copyOf(waiting);
    terminating = terminating == null ? Map.of() : Map.copyOf(terminating);
  }

  /** A state with no container in its grace period. */
  public GroupState(GroupStatus status, String intranetIp, String internetIp, List<ContainerStatus> initContainers,
      List<ContainerStatus> containers, Instant succeededTime, Instant failedTime, Map<String, Backoff> backoff,
      Map<String, Waiting> waiting, long restartsApplied) {
    this(status, intranetIp, internetIp, initContainers, containers, succeededTime, failedTime, backoff, waiting,
        restartsApplied, Map.of());
  }

  public static GroupState initial() {
    return new GroupState(GroupStatus.Pending, null, null, List.of(), List.of(), null, null, Map.of(), Map.of(), 0);
  }

  public GroupState withStatus(GroupStatus newStatus) {
    return new GroupState(newStatus, intranetIp, internetIp, initContainers, containers, succeededTime, failedTime,
        backoff, waiting, restartsApplied, terminating);
  }

  /** Failed at {@code at}, whatever the containers say (a deadline passed, a mount can never work). */
  public GroupState failed(Instant at) {
    return new GroupState(GroupStatus.Failed, intranetIp, internetIp, initContainers, containers, null, at, backoff,
        waiting, restartsApplied, terminating);
  }

  public GroupState withInternetIp(String ip) {
    return new GroupState(status, intranetIp, ip, initContainers, containers, succeededTime, failedTime, backoff,
        waiting, restartsApplied, terminating);
  }

  public GroupState withContainers(List<ContainerStatus> newInit, List<ContainerStatus> newContainers) {
    return new GroupState(status, intranetIp, internetIp, newInit, newContainers, succeededTime, failedTime, backoff,
        waiting, restartsApplied, terminating);
  }

  public GroupState withBackoff(Map<String, Backoff> newBackoff, Map<String, Waiting> newWaiting) {
    return new GroupState(status, intranetIp, internetIp, initContainers, containers, succeededTime, failedTime,
        newBackoff, newWaiting, restartsApplied, terminating);
  }

  public GroupState withRestartsApplied(long generation) {
    return new GroupState(status, intranetIp, internetIp, initContainers, containers, succeededTime, failedTime,
        Map.of(), Map.of(), generation, terminating);
  }

  /** The same state with {@code newTerminating} as the containers in their grace period. */
  public GroupState withTerminating(Map<String, Terminating> newTerminating) {
    return new GroupState(status, intranetIp, internetIp, initContainers, containers, succeededTime, failedTime,
        backoff, waiting, restartsApplied, newTerminating);
  }

  /**
   * A container (engine id) being stopped: the stop signal went out at {@code since}, and whatever
   * still runs at {@code deadline} is killed. Stored with the group, so a restarted openeci keeps
   * the deadline instead of starting the grace period over.
   */
  public record Terminating(Instant since, Instant deadline) {}

  /**
   * Why a container that has no instance yet is waiting, learned while acting (e.g. an image
   * pull failed: reason ErrImagePull, message the engine's reason). Cleared once it runs.
   */
  public record Waiting(String reason, String message) {}

  /**
   * Restart back-off of one container (kubelet semantics): the delay that applies after the
   * restart made at {@code since}; the next restart is allowed at {@code since + delay}.
   */
  public record Backoff(long delaySeconds, Instant since) {
    public Instant notBefore() {
      return since.plusSeconds(delaySeconds);
    }
  }
}
