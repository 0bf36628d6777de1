package dev.openeci.commit;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A CommitContainer task: one container of a group committed to an image and pushed to a registry.
 * Status Running -> Succeeded | Failed (ECI's task statuses); {@code phases} are the
 * CommitPhaseInfos (Phase, Status, Message, RecordTime). Registry passwords are never part of it.
 */
public record CommitTask(String id, String accountId, String regionId, String groupId, String containerName,
    String image, String status, int progress, String statusMessage, Instant creationTime, Instant finishedTime,
    List<Phase> phases) {

  public static final String RUNNING = "Running";
  public static final String SUCCEEDED = "Succeeded";
  public static final String FAILED = "Failed";

  /** Phase names: the container committed to a local image, then that image pushed. */
  public static final String PHASE_COMMIT = "CommitContainer";
  public static final String PHASE_PUSH = "PushImage";

  public CommitTask {
    phases = phases == null ? List.of() : List.copyOf(phases);
  }

  /** One phase record; status Running, Success or Failed. */
  public record Phase(String phase, String status, String message, Instant recordTime) {}

  public boolean finished() {
    return !RUNNING.equals(status);
  }

  /** Records {@code phase} (replacing its earlier record) and the task's progress and message. */
  public CommitTask withPhase(String phase, String phaseStatus, String message, int progress, Instant at) {
    List<Phase> next = new ArrayList<>(phases);
    next.removeIf(p -> p.phase().equals(phase));
    next.add(new Phase(phase, phaseStatus, message, at));
    return new CommitTask(id, accountId, regionId, groupId, containerName, image, status, progress, message,
        creationTime, finishedTime, next);
  }

  /** Ends the task; a phase still Running becomes Failed when the task fails. */
  public CommitTask finish(String finalStatus, String message, Instant at) {
    List<Phase> next = new ArrayList<>();
    for (Phase p : phases) {
      next.add(FAILED.equals(finalStatus) && RUNNING.equals(p.status())
          ? new Phase(p.phase(), FAILED, message, at) : p);
    }
    return new CommitTask(id, accountId, regionId, groupId, containerName, image, finalStatus,
        SUCCEEDED.equals(finalStatus) ? 100 : progress, message, creationTime, at, next);
  }
}
