package dev.openeci.backend.kubernetes;

import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerState;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.GroupStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.LoadBalancerIngress;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Service;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pure translation of what the cluster shows (the group's Pod and its Service) into the ECI
 * status the store keeps and Describe returns, field by field as the local backend computes it
 * ({@code PodPlanner.status}): GroupStatus from the pod phase and PodScheduled condition,
 * CurrentState/PreviousState/RestartCount/Ready from the container statuses, IntranetIp from the
 * pod IP, InternetIp from the Service. No I/O: table-tested in {@code PodStatusMapperTest}.
 *
 * <p>Statuses the backend sets while it works on the pod (Updating, Restarting) stay until the
 * pod of the stored spec / restart generation ({@code current}) shows the work done.
 */
public final class PodStatusMapper {
  /** Waiting reasons that mean a container cannot run the spec as it is (an update counts as applied). */
  static final Set<String> FAILING = Set.of("CrashLoopBackOff", "ErrImagePull", "ImagePullBackOff",
      "InvalidImageName", "ErrImageNeverPull", "CreateContainerConfigError", "CreateContainerError",
      "RunContainerError");

  private PodStatusMapper() {}

  /**
   * The group's state from its pod.
   *
   * @param spec the stored spec (its containers give the order and the names Describe shows)
   * @param pod the group's pod as the informer sees it; null when there is none (yet)
   * @param service the group's Service (EIP/ports), null when it has none
   * @param previous the stored state: status while the backend works (Updating/Restarting), the
   *     last known IP, terminal timestamps, restartsApplied
   * @param current whether {@code pod} carries the stored spec version and restart generation
   * @param now the observation time (terminal timestamps when no container tells one)
   */
  public static GroupState status(GroupSpec spec, Pod pod, Service service, GroupState previous, boolean current,
      Instant now) {
    Map<String, io.fabric8.kubernetes.api.model.ContainerStatus> initObserved = statuses(pod, true);
    Map<String, io.fabric8.kubernetes.api.model.ContainerStatus> appObserved = statuses(pod, false);
    PodCondition scheduled = condition(pod, "PodScheduled");
    boolean unschedulable = scheduled != null && "False".equals(scheduled.getStatus())
        && "Unschedulable".equals(scheduled.getReason());

    List<ContainerStatus> inits = new ArrayList<>();
    boolean initDone = true;
    for (ContainerSpec c : spec.initContainers()) {
      var observed = initObserved.get(c.name());
      ContainerStatus s = observed != null ? container(c.name(), observed, spec)
          : synthesized(c.name(), initDone ? "ContainerCreating" : "PodInitializing", unschedulable, scheduled);
      inits.add(s);
      boolean completed = observed != null && observed.getState() != null && observed.getState().getTerminated() != null
          && Integer.valueOf(0).equals(observed.getState().getTerminated().getExitCode());
      if (!completed) initDone = false;
    }
    List<ContainerStatus> apps = new ArrayList<>();
    for (ContainerSpec c : spec.containers()) {
      var observed = appObserved.get(c.name());
      apps.add(observed != null ? container(c.name(), observed, spec)
          : synthesized(c.name(), initDone ? "ContainerCreating" : "PodInitializing", unschedulable, scheduled));
    }

    GroupStatus observedStatus = phaseStatus(pod, previous.status(), unschedulable, scheduled);
    GroupStatus status = observedStatus;
    if (previous.status() == GroupStatus.Restarting
        && !(current && pod != null && (observedStatus == GroupStatus.Running || observedStatus.terminal()))) {
      status = GroupStatus.Restarting;
    } else if (previous.status() == GroupStatus.Updating
        && !(current && pod != null && (observedStatus.terminal() || updateApplied(pod, apps)))) {
      status = GroupStatus.Updating;
    }

    Instant succeeded = previous.succeededTime();
    Instant failed = previous.failedTime();
    if (status == GroupStatus.Succeeded && succeeded == null) succeeded = finishedAt(apps, now);
    if (status == GroupStatus.Failed && failed == null) failed = finishedAt(apps, now);
    String podIp = pod == null || pod.getStatus() == null ? null : blankToNull(pod.getStatus().getPodIP());
    String ip = podIp != null ? podIp : previous.intranetIp();
    String internetIp = service == null ? null : internetIp(service, pod);
    return new GroupState(status, ip, internetIp, inits, apps, succeeded, failed, Map.of(), Map.of(),
        previous.restartsApplied(), Map.of());
  }

  /** GroupStatus from the pod's phase; the scheduler's verdict while it is not placed. */
  static GroupStatus phaseStatus(Pod pod, GroupStatus previous, boolean unschedulable, PodCondition scheduled) {
    if (pod == null) return previous;
    String phase = pod.getStatus() == null || pod.getStatus().getPhase() == null ? "Pending" : pod.getStatus().getPhase();
    return switch (phase) {
      case "Pending" -> {
        boolean placed = scheduled != null ? "True".equals(scheduled.getStatus())
            : pod.getSpec() != null && pod.getSpec().getNodeName() != null;
        if (placed) yield GroupStatus.Pending;
        yield unschedulable ? GroupStatus.ScheduleFailed : GroupStatus.Scheduling;
      }
      case "Running" -> GroupStatus.Running;
      case "Succeeded" -> GroupStatus.Succeeded;
      case "Failed" -> GroupStatus.Failed;
      default -> previous; // Unknown: the node does not report; keep what was last known
    };
  }

  /**
   * An update is applied when every app container runs the image its pod spec names (an image
   * patched in place restarts only that container), or cannot run it (a failing waiting reason),
   * as the local backend's "updated" rule.
   */
  static boolean updateApplied(Pod pod, List<ContainerStatus> apps) {
    if (pod.getSpec() == null || pod.getStatus() == null) return false;
    Map<String, io.fabric8.kubernetes.api.model.ContainerStatus> observed = statuses(pod, false);
    for (io.fabric8.kubernetes.api.model.Container c : pod.getSpec().getContainers()) {
      var s = observed.get(c.getName());
      if (s == null) return false;
      ContainerStatus mapped = apps.stream().filter(a -> a.name().equals(c.getName())).findFirst().orElse(null);
      String waiting = mapped != null && mapped.current() != null && "Waiting".equals(mapped.current().state())
          ? mapped.current().reason() : null;
      if (waiting != null && FAILING.contains(waiting)) continue;
      if (!sameImage(c.getImage(), s.getImage())) return false;
      if (waiting != null) return false; // still being created
    }
    return true;
  }

  /** Whether two image references name the same image (the kubelet reports them normalized). */
  static boolean sameImage(String a, String b) {
    return a != null && b != null && normalize(a).equals(normalize(b));
  }

  static String normalize(String image) {
    String s = image;
    int at = s.indexOf('@');
    String digest = "";
    if (at >= 0) {
      digest = s.substring(at);
      s = s.substring(0, at);
    }
    if (s.startsWith("docker.io/library/")) s = s.substring("docker.io/library/".length());
    else if (s.startsWith("docker.io/")) s = s.substring("docker.io/".length());
    int slash = s.lastIndexOf('/');
    if (digest.isEmpty() && s.indexOf(':', slash + 1) < 0) s = s + ":latest";
    return s + digest;
  }

  private static Map<String, io.fabric8.kubernetes.api.model.ContainerStatus> statuses(Pod pod, boolean init) {
    Map<String, io.fabric8.kubernetes.api.model.ContainerStatus> out = new java.util.HashMap<>();
    if (pod == null || pod.getStatus() == null) return out;
    var list = init ? pod.getStatus().getInitContainerStatuses() : pod.getStatus().getContainerStatuses();
    if (list != null) for (var s : list) out.put(s.getName(), s);
    return out;
  }

  private static PodCondition condition(Pod pod, String type) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getConditions() == null) return null;
    for (PodCondition c : pod.getStatus().getConditions()) {
      if (type.equals(c.getType())) return c;
    }
    return null;
  }

  /** A container the kubelet reports nothing of yet (not scheduled, or its pod is being made). */
  private static ContainerStatus synthesized(String name, String reason, boolean unschedulable, PodCondition scheduled) {
    ContainerState state = unschedulable
        ? ContainerState.waiting("Unschedulable", blankToNull(scheduled.getMessage()))
        : ContainerState.waiting(reason, null);
    return new ContainerStatus(name, false, 0, state, null);
  }

  private static ContainerStatus container(String name, io.fabric8.kubernetes.api.model.ContainerStatus s,
      GroupSpec spec) {
    ContainerState current = state(s.getState(), spec);
    ContainerState previous = s.getLastState() == null || s.getLastState().getTerminated() == null ? null
        : terminated(s.getLastState().getTerminated());
    int restarts = s.getRestartCount() == null ? 0 : s.getRestartCount();
    // The kubelet calls a completed init container ready; ECI (and the local backend) only a running one.
    boolean ready = Boolean.TRUE.equals(s.getReady()) && "Running".equals(current.state());
    return new ContainerStatus(name, ready, restarts, current, previous);
  }

  static ContainerState state(io.fabric8.kubernetes.api.model.ContainerState s, GroupSpec spec) {
    if (s == null) return ContainerState.waiting("ContainerCreating", null);
    if (s.getRunning() != null) return ContainerState.running(time(s.getRunning().getStartedAt()));
    if (s.getTerminated() != null) return terminated(s.getTerminated());
    ContainerStateWaiting w = s.getWaiting();
    if (w == null) return ContainerState.waiting("ContainerCreating", null);
    String reason = w.getReason() == null || w.getReason().isEmpty() ? "ContainerCreating" : w.getReason();
    return ContainerState.waiting(reason, waitingMessage(reason, blankToNull(w.getMessage()), spec));
  }

  /**
   * The kubelet's back-off message names the pod as {@code name_namespace(uid)}; the local
   * backend (and ECI) names the group: {@code pod=<group name>}.
   */
  static String waitingMessage(String reason, String message, GroupSpec spec) {
    if (message == null || !"CrashLoopBackOff".equals(reason)) return message;
    int at = message.lastIndexOf(" pod=");
    return at < 0 ? message : message.substring(0, at) + " pod=" + spec.name();
  }

  static ContainerState terminated(ContainerStateTerminated t) {
    int code = t.getExitCode() == null ? -1 : t.getExitCode();
    String reason = t.getReason() == null || t.getReason().isEmpty() ? (code == 0 ? "Completed" : "Error") : t.getReason();
    Integer signal = t.getSignal() == null || t.getSignal() == 0 ? null : t.getSignal();
    return new ContainerState("Terminated", reason, blankToNull(t.getMessage()), null, code, signal,
        time(t.getStartedAt()), time(t.getFinishedAt()));
  }

  /** InternetIp: a LoadBalancer's ingress address, or the node's address for a NodePort Service. */
  static String internetIp(Service service, Pod pod) {
    String type = service.getSpec() == null ? null : service.getSpec().getType();
    if ("LoadBalancer".equals(type)) {
      if (service.getStatus() == null || service.getStatus().getLoadBalancer() == null) return null;
      List<LoadBalancerIngress> ingress = service.getStatus().getLoadBalancer().getIngress();
      if (ingress == null || ingress.isEmpty()) return null;
      LoadBalancerIngress first = ingress.get(0);
      return blankToNull(first.getIp()) != null ? first.getIp() : blankToNull(first.getHostname());
    }
    if ("NodePort".equals(type)) {
      return pod == null || pod.getStatus() == null ? null : blankToNull(pod.getStatus().getHostIP());
    }
    return null;
  }

  private static Instant finishedAt(List<ContainerStatus> apps, Instant now) {
    Instant last = null;
    for (ContainerStatus c : apps) {
      Instant f = c.current() == null ? null : c.current().finishTime();
      if (f != null && (last == null || f.isAfter(last))) last = f;
    }
    return last != null ? last : now;
  }

  static Instant time(String rfc3339) {
    if (rfc3339 == null || rfc3339.isEmpty()) return null;
    try {
      return Instant.parse(rfc3339);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
