package dev.openeci.api.action;

import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerState;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.GroupStatus;
import dev.openeci.group.GroupStore;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DescribeContainerGroupStatus: a Kubernetes PodStatus per group, keyed as the official model
 * keys it (lower-case {@code uuid}, {@code type}, {@code status}, {@code lastTransitionTime}, and
 * the model's literal {@code StartedAtstartedAt}). For pollers: SinceSecond, Limit up to 200.
 */
public final class DescribeContainerGroupStatusAction implements ActionHandler {
  private final GroupStore repo;
  private final InstantSource clock;

  public DescribeContainerGroupStatusAction(GroupStore repo, InstantSource clock) {
    this.repo = repo;
    this.clock = clock;
  }

  @Override
  public String action() {
    return "DescribeContainerGroupStatus";
  }

  @Override
  public Object handle(ActionContext ctx) {
    List<ContainerGroup> all = GroupQuery.find(repo, ctx, clock.instant());
    GroupQuery.Page page = GroupQuery.page(ctx, all, 200, 200);
    List<Map<String, Object>> data = new ArrayList<>();
    for (ContainerGroup g : page.items()) data.add(status(g));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("TotalCount", page.total());
    out.put("NextToken", page.nextToken());
    out.put("Data", data);
    return out;
  }

  static String phase(GroupStatus s) {
    return switch (s) {
      case Running, Terminating -> "Running";
      case Succeeded -> "Succeeded";
      case Failed, Expired, ScheduleFailed -> "Failed";
      default -> "Pending";
    };
  }

  static Map<String, Object> status(ContainerGroup g) {
    Map<String, Object> d = new LinkedHashMap<>();
    d.put("ContainerGroupId", g.id());
    d.put("Name", g.spec().name());
    d.put("Namespace", "default");
    d.put("uuid", g.id());
    d.put("Status", g.state().status().name());
    d.put("Annotations", "{}");
    Map<String, Object> pod = new LinkedHashMap<>();
    pod.put("Phase", phase(g.state().status()));
    String ip = g.state().intranetIp();
    if (ip != null) {
      pod.put("PodIp", ip);
      pod.put("PodIps", List.of(Map.of("Ip", ip)));
    }
    pod.put("HostIp", "127.0.0.1");
    boolean limited = g.spec().containers().stream().allMatch(c -> c.cpu() != null && c.memory() != null);
    pod.put("QosClass", limited ? "Guaranteed" : "Burstable");
    pod.put("StartTime", DescribeMapper.time(g.creationTime()));
    boolean initialized = g.state().initContainers().stream()
        .allMatch(c -> "Terminated".equals(c.current().state()) && Integer.valueOf(0).equals(c.current().exitCode()));
    boolean ready = !g.state().containers().isEmpty() && g.state().containers().stream().allMatch(ContainerStatus::ready);
    String at = DescribeMapper.time(g.updatedTime());
    pod.put("Conditions", List.of(condition("PodScheduled", true, at), condition("Initialized", initialized, at),
        condition("ContainersReady", ready, at), condition("Ready", ready, at)));
    List<Map<String, Object>> statuses = new ArrayList<>();
    for (ContainerSpec c : g.spec().containers()) {
      ContainerStatus s = g.state().containers().stream().filter(x -> x.name().equals(c.name())).findFirst().orElse(null);
      Map<String, Object> cs = new LinkedHashMap<>();
      cs.put("Name", c.name());
      cs.put("Image", c.image());
      cs.put("ImageID", c.image());
      cs.put("Ready", s != null && s.ready());
      cs.put("Started", s != null && "Running".equals(s.current().state()));
      cs.put("RestartCount", s == null ? 0 : s.restartCount());
      cs.put("State", state(s == null ? ContainerState.waiting("ContainerCreating", null) : s.current()));
      if (s != null && s.previous() != null) cs.put("LastState", state(s.previous()));
      statuses.add(cs);
    }
    pod.put("ContainerStatuses", statuses);
    d.put("PodStatus", pod);
    return d;
  }

  private static Map<String, Object> condition(String type, boolean ok, String at) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("type", type);
    c.put("status", ok ? "True" : "False");
    c.put("lastTransitionTime", at);
    return c;
  }

  private static Map<String, Object> state(ContainerState s) {
    Map<String, Object> inner = new LinkedHashMap<>();
    switch (s.state()) {
      case "Running" -> inner.put("StartedAtstartedAt", DescribeMapper.time(s.startTime()));
      case "Terminated" -> {
        inner.put("ExitCode", s.exitCode());
        if (s.signal() != null) inner.put("Signal", s.signal());
        inner.put("Reason", s.reason());
        if (s.message() != null) inner.put("Message", s.message());
        inner.put("StartedAt", DescribeMapper.time(s.startTime()));
        inner.put("FinishedAt", DescribeMapper.time(s.finishTime()));
      }
      default -> {
        inner.put("Reason", s.reason());
        if (s.message() != null) inner.put("Message", s.message());
      }
    }
    inner.values().removeIf(v -> v == null);
    return Map.of(s.state(), inner);
  }
}
