package dev.openeci.runtime;

import java.time.Instant;
import java.util.Map;

/** One engine event about a labelled container (action: create, start, die, remove, ...). */
public record RuntimeEvent(String containerId, String action, Map<String, String> labels, Instant time) {
  public String groupId() {
    return labels.get(Labels.GROUP_ID);
  }
}
