package dev.openeci.reconcile;

import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupStore;
import dev.openeci.reconcile.PodPlan.Action;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.Lock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of containers: RestartContainerGroup (members stop, are removed, start again),
 * DeleteContainerGroup (everything goes, then the record and, with the account's last group in
 * the region, its network) and garbage collection of the containers of groups that no longer exist.
 */
final class Teardown {
  private static final Logger log = LoggerFactory.getLogger(Teardown.class);

  private final GroupStore repo;
  private final EngineCalls engine;
  private final EventRecorder events;
  private final Scheduler scheduler;
  private final Terminator terminator;
  private final PodVolumes volumes;
  private final NetworkLocks networks;
  private final GroupRecords records;
  private final String owner;
  private final Consumer<String> requeue;

  Teardown(GroupStore repo, EngineCalls engine, EventRecorder events, Scheduler scheduler, Terminator terminator,
      PodVolumes volumes, NetworkLocks networks, GroupRecords records, String owner, Consumer<String> requeue) {
    this.repo = repo;
    this.engine = engine;
    this.events = events;
    this.scheduler = scheduler;
    this.terminator = terminator;
    this.volumes = volumes;
    this.networks = networks;
    this.records = records;
    this.owner = owner;
    this.requeue = requeue;
  }

  /**
   * RestartContainerGroup: app containers get their grace period, then every container but the
   * sandbox is removed; the next syncs run init containers and app containers again (RestartCount
   * starts over, the group keeps its IP). Status stays Restarting until an app container runs.
   */
  ActionResult restart(ContainerGroup g, PodObservation obs, PodPlan.RestartGroup a) {
    String gid = g.id();
    try {
      if (!terminator.terminate(g, obs, Terminator.members(obs), scheduler.now(), name -> "Stopping container " + name)) {
        return new ActionResult.Waiting(a);
      }
      for (RuntimeContainer c : obs.all()) {
        if (!Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE))) remove(gid, c.id());
      }
      Instant now = scheduler.now();
      repo.modify(gid, cur -> cur.withState(cur.state().withRestartsApplied(a.generation()), now));
      events.normal(gid, "", "Restarting", "Restarting container group");
      log.info("{}: restarting: containers stopped and removed, starting again", gid);
      requeue.accept(gid);
      return new ActionResult.HandedOver(a);
    } catch (RuntimeFailure e) {
      return new ActionResult.Retry(a, "restart", e);
    } catch (Exception e) {
      return new ActionResult.Retry(a, "restart", new RuntimeFailure(e.toString(), e));
    }
  }

  /**
   * Deletion: app containers get their grace period (on timers, in parallel), then everything is
   * removed. A sync during the grace period only checks the deadline and returns.
   */
  ActionResult delete(ContainerGroup g, PodObservation obs, PodPlan.DeleteGroup a) {
    String gid = g.id();
    try {
      if (!terminator.terminate(g, obs, Terminator.members(obs), scheduler.now(), name -> "Stopping container " + name)) {
        return new ActionResult.Waiting(a);
      }
      for (RuntimeContainer c : obs.all()) remove(gid, c.id());
      if (!engine.within("list the group's containers", () -> engine.runtime.list(Map.of(Labels.GROUP_ID, gid)))
          .isEmpty()) {
        return new ActionResult.Retry(a, "delete", new RuntimeFailure("containers still present after removal"));
      }
      engine.run("remove the group's volumes", () -> volumes.cleanup(gid));
      repo.delete(gid);
      records.drop(gid);
      releaseNetwork(g);
      log.info("{}: deleted ({} containers removed)", gid, obs.all().size());
      return new ActionResult.HandedOver(a);
    } catch (RuntimeFailure e) {
      return new ActionResult.Retry(a, "delete", e);
    } catch (Exception e) {
      return new ActionResult.Retry(a, "delete", new RuntimeFailure(e.toString(), e));
    }
  }

  /** The account's network goes with its last group in the region (the engine keeps it while in use). */
  private void releaseNetwork(ContainerGroup g) {
    String name = AccountNetworks.name(owner, g.accountId(), g.regionId());
    Lock exclusive = networks.of(name).writeLock();
    exclusive.lock();
    try {
      if (!repo.find(o -> o.accountId().equals(g.accountId()) && o.regionId().equals(g.regionId())).isEmpty()) return;
      engine.runtime.removeNetworkIfUnused(name);
    } finally {
      exclusive.unlock();
    }
  }

  /**
   * Garbage collection: the containers and volumes of a group that no longer exists (deleted while
   * this process was down, or a create that failed half-way). False when it must be retried.
   */
  ActionResult collectOrphans(String groupId, List<RuntimeContainer> observed) {
    Action gc = new PodPlan.DeleteGroup();
    if (observed.isEmpty()) {
      records.drop(groupId);
      return new ActionResult.Done(gc);
    }
    log.info("{}: removing {} containers of a group that no longer exists", groupId, observed.size());
    PodObservation obs = PodObservation.of(observed);
    try {
      for (RuntimeContainer c : obs.all()) remove(groupId, c.id());
      engine.run("remove the group's volumes", () -> volumes.cleanup(groupId));
      records.drop(groupId);
      return new ActionResult.Done(gc);
    } catch (RuntimeFailure e) {
      return new ActionResult.Retry(gc, "garbage collection", e);
    }
  }

  void remove(String groupId, String containerId) {
    engine.remove(containerId);
    GroupRecord rec = records.peek(groupId);
    if (rec != null) rec.forgetContainer(containerId);
  }
}
