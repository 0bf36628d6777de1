package dev.openeci.reconcile;

import dev.openeci.runtime.RuntimeContainer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each group's last sync saw of the engine (container ids and states), written by the
 * {@link GroupSyncer} and compared by the {@link Reconciler}'s relist: a group whose containers
 * changed without an event (one was missed) is synced again. Made in the composition root and
 * handed to both, so neither needs the other.
 */
public final class Fingerprints {
  private final Map<String, String> last = new ConcurrentHashMap<>();

  /** The fingerprint seen by the last sync of a group, null when none (or the group is gone). */
  public String last(String groupId) {
    return last.get(groupId);
  }

  void record(String groupId, List<RuntimeContainer> containers) {
    last.put(groupId, of(containers));
  }

  void forget(String groupId) {
    last.remove(groupId);
  }

  /** Container ids and states, order-free: equal fingerprints mean nothing changed for the loop. */
  public static String of(List<RuntimeContainer> containers) {
    List<String> parts = new ArrayList<>();
    for (RuntimeContainer c : containers) parts.add(c.id() + ":" + c.state());
    parts.sort(null);
    return String.join(",", parts);
  }
}
