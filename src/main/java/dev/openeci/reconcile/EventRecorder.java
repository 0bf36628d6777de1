package dev.openeci.reconcile;

import dev.openeci.group.GroupStore;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Records kubelet-style events of a group (aggregated in the store) and logs them at INFO. */
public final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  private final GroupStore repo;
  private final InstantSource clock;

  public EventRecorder(GroupStore repo, InstantSource clock) {
    this.repo = repo;
    this.clock = clock;
  }

  public void normal(String groupId, String object, String reason, String message) {
    record(groupId, "Normal", object, reason, message);
  }

  public void warning(String groupId, String object, String reason, String message) {
    record(groupId, "Warning", object, reason, message);
  }

  private void record(String groupId, String type, String object, String reason, String message) {
    if (repo.get(groupId).isEmpty()) return;
    repo.recordEvent(groupId, type, reason, message, object == null ? "" : object, clock.instant());
    if (type.equals("Warning")) {
      log.warn("{}: {} {}", groupId, reason, message);
    } else {
      log.info("{}: {} {}", groupId, reason, message);
    }
  }
}
