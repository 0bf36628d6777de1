package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupStore;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DescribeContainerGroupEvents: Kubernetes-shaped events per group. EventSource {@code K8sAgent}
 * = the kubelet-style container events, {@code EciService} = group-level warnings (sandbox,
 * scheduling); SinceSecond keeps events seen in the last N seconds.
 */
public final class DescribeContainerGroupEventsAction implements ActionHandler {
  private final GroupStore repo;
  private final InstantSource clock;

  public DescribeContainerGroupEventsAction(GroupStore repo, InstantSource clock) {
    this.repo = repo;
    this.clock = clock;
  }

  @Override
  public String action() {
    return "DescribeContainerGroupEvents";
  }

  static String source(GroupEvent e) {
    boolean imageCache = e.reason().equals("SuccessfulHitImageCache") || e.reason().equals("ImageCacheMissed");
    return e.object().isEmpty() && (e.type().equals("Warning") || imageCache) ? "EciService" : "K8sAgent";
  }

  @Override
  public Object handle(ActionContext ctx) {
    String source = GroupQuery.empty(ctx.params().string("EventSource"));
    if (source != null && !source.equals("EciService") && !source.equals("K8sAgent")) {
      throw ErrorCode.invalid("EventSource", "\"" + source + "\" is not one of [EciService, K8sAgent]");
    }
    Integer since = ctx.params().integer("SinceSecond");
    Instant now = clock.instant();
    Instant after = since == null ? null : now.minusSeconds(Math.max(0, since));
    // SinceSecond filters events here, not groups.
    List<ContainerGroup> all = GroupQuery.find(repo, withoutSince(ctx), now);
    GroupQuery.Page page = GroupQuery.page(ctx, all, 200, 200);
    List<Map<String, Object>> data = new ArrayList<>();
    for (ContainerGroup g : page.items()) {
      List<Map<String, Object>> events = new ArrayList<>();
      for (GroupEvent e : repo.events(g.id())) {
        if (source != null && !source.equals(source(e))) continue;
        if (after != null && e.lastTimestamp().isBefore(after)) continue;
        events.add(event(g, e));
      }
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("ContainerGroupId", g.id());
      d.put("Name", g.spec().name());
      d.put("Namespace", "default");
      d.put("uuid", g.id());
      d.put("Annotations", "{}");
      d.put("Events", events);
      data.add(d);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("TotalCount", page.total());
    out.put("NextToken", page.nextToken());
    out.put("Data", data);
    return out;
  }

  private static ActionContext withoutSince(ActionContext ctx) {
    Map<String, String> params = new java.util.HashMap<>();
    for (String k : ctx.params().allKeys()) {
      if (!k.equals("SinceSecond")) params.put(k, ctx.params().string(k));
    }
    return new ActionContext(ctx.requestId(), ctx.accountId(), ctx.regionId(),
        new dev.openeci.api.rpc.ParamReader(params));
  }

  private static Map<String, Object> event(ContainerGroup g, GroupEvent e) {
    String name = g.id() + "." + Long.toHexString(e.seq());
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("Count", e.count());
    m.put("Type", e.type());
    m.put("Reason", e.reason());
    m.put("Message", e.message());
    m.put("FirstTimestamp", DescribeMapper.time(e.firstTimestamp()));
    m.put("LastTimestamp", DescribeMapper.time(e.lastTimestamp()));
    m.put("ReportingComponent", source(e).equals("EciService") ? "eci" : "kubelet");
    m.put("ReportingInstance", "openeci");
    m.put("Metadata", Map.of("Name", name, "Namespace", "default"));
    m.put("Source", Map.of("Component", source(e).equals("EciService") ? "eci" : "kubelet", "Host", "openeci"));
    Map<String, Object> involved = new LinkedHashMap<>();
    involved.put("ApiVersion", "v1");
    involved.put("Kind", "Pod");
    involved.put("Name", g.spec().name());
    involved.put("Namespace", "default");
    involved.put("Uid", g.id());
    if (!e.object().isEmpty()) involved.put("FieldPath", "spec.containers{" + e.object() + "}");
    m.put("involvedObject", involved);
    return m;
  }
}
