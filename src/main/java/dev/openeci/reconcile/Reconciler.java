package dev.openeci.reconcile;

import dev.openeci.group.ContainerGroup;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import dev.openeci.group.GroupStore;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the group workers: engine events re-enqueue the group they concern; a slow periodic
 * relist (the safety net for missed events) compares each group's containers with what its
 * last sync saw and re-enqueues only the groups that changed, plus orphans to collect. On start
 * every stored group is enqueued once, which adopts the containers a previous run left behind.
 */
public final class Reconciler implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final Set<String> RELEVANT = Set.of("start", "die", "died", "oom", "kill", "stop", "remove",
      "destroy", "create", "restart", "pause", "unpause");

  private final GroupStore repo;
  private final ContainerRuntime runtime;
  private final WorkQueue queue;
  private final String owner;
  private final Fingerprints fingerprints;
  private final Scheduler timers;
  private final Duration resyncPeriod;
  private Closeable subscription;

  /**
   * @param owner this instance's owner label (events and lists filter on it)
   * @param fingerprints what each group's last sync saw ({@link GroupSyncer} writes them)
   */
  public Reconciler(GroupStore repo, ContainerRuntime runtime, WorkQueue queue, String owner,
      Fingerprints fingerprints, Scheduler timers, Duration resyncPeriod) {
    this.repo = repo;
    this.runtime = runtime;
    this.queue = queue;
    this.owner = owner;
    this.fingerprints = fingerprints;
    this.timers = timers;
    this.resyncPeriod = resyncPeriod;
  }

  public void start() {
    subscription = runtime.events(Map.of(Labels.OWNER, owner), e -> {
      if (e.groupId() != null && RELEVANT.contains(e.action())) queue.enqueue(e.groupId());
    }, this::relist);
    int n = 0;
    for (ContainerGroup g : repo.all()) {
      queue.enqueue(g.id());
      n++;
    }
    log.info("reconciler started: {} stored groups enqueued for adoption, resync every {}s", n,
        resyncPeriod.toSeconds());
    timers.every(resyncPeriod, resyncPeriod, this::relist);
    timers.after(Duration.ZERO, this::relist);
  }

  /** Asks for a sync of one group now (after an API change). */
  public void enqueue(String groupId) {
    queue.enqueue(groupId);
  }

  /** One engine call; enqueues groups whose containers changed since their last sync, and orphans. */
  void relist() {
    List<RuntimeContainer> all;
    try {
      all = runtime.list(Map.of(Labels.OWNER, owner));
    } catch (RuntimeFailure e) {
      log.warn("relist failed: {}", e.getMessage());
      return;
    } catch (RuntimeException e) {
      log.warn("relist failed: {}", e.toString());
      return;
    }
    Map<String, List<RuntimeContainer>> byGroup = new HashMap<>();
    for (RuntimeContainer c : all) {
      String gid = c.label(Labels.GROUP_ID);
      if (gid != null) byGroup.computeIfAbsent(gid, k -> new ArrayList<>()).add(c);
    }
    Set<String> ids = new HashSet<>(byGroup.keySet());
    for (ContainerGroup g : repo.all()) ids.add(g.id());
    int enqueued = 0;
    for (String gid : ids) {
      String fp = Fingerprints.of(byGroup.getOrDefault(gid, List.of()));
      boolean known = repo.get(gid).isPresent();
      if (!known || !fp.equals(fingerprints.last(gid))) {
        queue.enqueue(gid);
        enqueued++;
      }
    }
    if (enqueued > 0) log.debug("relist: {} groups changed", enqueued);
  }

  @Override
  public void close() throws IOException {
    if (subscription != null) subscription.close();
  }
}
