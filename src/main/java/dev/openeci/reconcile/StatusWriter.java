package dev.openeci.reconcile;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerState;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupState.Waiting;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.GroupStore;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a sync: the group's status from the observation the plan was made from
 * ({@link PodPlanner#status}), with the executor's results folded in ({@link PodPlanner#settle}),
 * written to the store unless an update or a deletion overtook it, plus the kubelet's BackOff
 * events and the Updated event.
 */
final class StatusWriter {
  private static final Logger log = LoggerFactory.getLogger(StatusWriter.class);

  private final GroupStore repo;
  private final EventRecorder events;
  private final PodPolicy policy;

  StatusWriter(GroupStore repo, EventRecorder events, PodPolicy policy) {
    this.repo = repo;
    this.events = events;
    this.policy = policy;
  }

  /** What the write decided, for the syncer's next steps (another pass, wake-ups). */
  record Written(PodPlanner.Settled settled, boolean onlyPullFailures) {}

  Written write(ContainerGroup g, PodObservation obs, PodPlan plan, List<ActionResult> results, Instant now) {
    String groupId = g.id();
    GroupState computed = PodPlanner.status(g.spec(), obs, g.state().withBackoff(plan.backoff(), g.state().waiting()),
        now);
    PodPlanner.Settled settled = PodPlanner.settle(plan.backoff(), computed.waiting(), results, now);
    GroupState computedNext = withInternetIp(g.spec(), computed.withBackoff(settled.backoff(), settled.waiting()));
    // A pull that failed in this sync shows as ErrImagePull until a later sync finds the group in
    // its back-off (ImagePullBackOff), as the kubelet reports it.
    List<String> fresh = settled.freshPullFailures();
    boolean ok = results.stream().noneMatch(r -> r instanceof ActionResult.Failed);
    boolean onlyPullFailures = !fresh.isEmpty() && ok && plan.actions().stream()
        .allMatch(a -> a instanceof PodPlan.Run r && fresh.contains(PodPlanner.key(r.spec().name(), r.init())));
    GroupState pulled = fresh.isEmpty() ? computedNext : withWaiting(computedNext, settled.waiting(), fresh);
    // A failure no retry can fix on this host (a volume type the kernel cannot mount) fails the group.
    String fatal = settled.fatal();
    GroupState next = fatal == null || pulled.status().terminal() ? pulled : pulled.failed(now);
    if (fatal != null && next != pulled) log.info("{}: failed: {}", groupId, fatal);
    recordBackOff(g, g.state(), next);
    GroupStatus previousStatus = g.state().status();
    // A state computed from an older spec is not written: the update that replaced it woke the
    // worker, whose next sync computes the state of the new spec.
    // The grace-period records are written only where a stop begins or ends: kept as stored.
    long specVersion = g.specVersion();
    ContainerGroup stored = repo.modify(groupId, cur -> {
      GroupState n = next.withTerminating(cur.state().terminating());
      return cur.deletionRequested() != null || cur.specVersion() != specVersion || cur.state().equals(n) ? cur
          : cur.withState(n, now);
    }).orElse(null);
    if (previousStatus != next.status() && stored != null && stored.state().status() == next.status()) {
      log.info("{}: status {} -> {}", groupId, previousStatus, next.status());
      if (previousStatus == GroupStatus.Updating) {
        events.normal(groupId, "", "Updated", "Container group updated to spec version " + g.specVersion());
        log.info("{}: update to spec version {} applied", groupId, g.specVersion());
      }
    }
    return new Written(settled, onlyPullFailures);
  }

  /**
   * The kubelet's events when a container enters a back-off period, once per period (the event
   * store aggregates repeats into Count/LastTimestamp): a crash loop gives a {@code BackOff}
   * warning; a pull back-off gives {@code BackOff} "Back-off pulling image" and
   * {@code Failed} "Error: ImagePullBackOff".
   */
  private void recordBackOff(ContainerGroup g, GroupState before, GroupState after) {
    Map<String, ContainerStatus> old = new HashMap<>();
    for (ContainerStatus c : before.initContainers()) old.put(PodPlanner.key(c.name(), true), c);
    for (ContainerStatus c : before.containers()) old.put(PodPlanner.key(c.name(), false), c);
    for (int i = 0; i < after.initContainers().size() + after.containers().size(); i++) {
      boolean init = i < after.initContainers().size();
      ContainerStatus c = init ? after.initContainers().get(i) : after.containers().get(i - after.initContainers().size());
      String reason = c.current() == null ? null : c.current().reason();
      if (!"CrashLoopBackOff".equals(reason) && !"ImagePullBackOff".equals(reason)) continue;
      ContainerStatus was = old.get(PodPlanner.key(c.name(), init));
      if (was != null && was.current() != null && reason.equals(was.current().reason())
          && was.restartCount() == c.restartCount()) {
        continue; // still in the same back-off period
      }
      if (reason.equals("CrashLoopBackOff")) {
        events.warning(g.id(), c.name(), "BackOff",
            "Back-off restarting failed container " + c.name() + " in pod " + g.spec().name());
      } else {
        ContainerSpec spec = g.spec().container(c.name());
        events.normal(g.id(), c.name(), "BackOff",
            "Back-off pulling image \"" + (spec != null ? spec.image() : c.name()) + "\"");
        events.warning(g.id(), c.name(), "Failed", "Error: ImagePullBackOff");
      }
    }
  }

  private static GroupState withWaiting(GroupState st, Map<String, Waiting> waiting, List<String> keys) {
    java.util.function.BiFunction<List<ContainerStatus>, Boolean, List<ContainerStatus>> patch =
        (list, init) -> list.stream().map(cs -> {
          Waiting w = waiting.get(PodPlanner.key(cs.name(), init));
          if (w == null || !keys.contains(PodPlanner.key(cs.name(), init))) return cs;
          return new ContainerStatus(cs.name(), cs.ready(), cs.restartCount(),
              ContainerState.waiting(w.reason(), w.message()), cs.previous());
        }).toList();
    return st.withContainers(patch.apply(st.initContainers(), true), patch.apply(st.containers(), false));
  }

  /** A group with AutoCreateEip/EipInstanceId is reachable on the publish address: its InternetIp. */
  private GroupState withInternetIp(GroupSpec spec, GroupState s) {
    String ip = PodConfigs.publishes(spec) && s.intranetIp() != null ? policy.publishAddress() : s.internetIp();
    return Objects.equals(ip, s.internetIp()) ? s : s.withInternetIp(ip);
  }
}
