package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupStore;
import dev.openeci.metrics.GroupSample;
import dev.openeci.metrics.MetricsSampler;
import dev.openeci.metrics.MetricsWindow;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * DescribeContainerGroupMetric: the group's sampled engine stats in StartTime..EndTime, one record
 * per Period ({@link MetricsWindow}). Without a sampler (the Kubernetes backend, or
 * {@code --metrics-period-seconds 0}) Records is empty (docs/metrics.md).
 */
public final class DescribeContainerGroupMetricAction implements ActionHandler {
  private final GroupStore repo;
  private final MetricsSampler sampler;
  private final InstantSource clock;

  public DescribeContainerGroupMetricAction(GroupStore repo, MetricsSampler sampler, InstantSource clock) {
    this.repo = repo;
    this.sampler = sampler;
    this.clock = clock;
  }

  @Override
  public String action() {
    return "DescribeContainerGroupMetric";
  }

  @Override
  public Object handle(ActionContext ctx) {
    String id = ctx.params().required("ContainerGroupId");
    MetricsWindow window = MetricsWindow.of(ctx.params().string("StartTime"), ctx.params().string("EndTime"),
        ctx.params().string("Period"), clock.instant());
    ContainerGroup g = owned(repo, ctx, id);
    if (g == null) {
      throw ErrorCode.CONTAINER_GROUP_NOT_FOUND.withMessage("The specified container group \"" + id
          + "\" is not found.");
    }
    List<Map<String, Object>> records = new ArrayList<>();
    if (sampler != null) {
      for (GroupSample s : window.select(sampler.history(id))) records.add(MetricsView.record(g, s, false));
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ContainerGroupId", id);
    out.put("Records", records);
    return out;
  }

  /** The caller's group in the request's region, not being deleted; null otherwise. */
  static ContainerGroup owned(GroupStore repo, ActionContext ctx, String id) {
    return repo.get(id).filter(g -> g.accountId().equals(ctx.accountId()) && g.regionId().equals(ctx.regionId())
        && g.deletionRequested() == null).orElse(null);
  }
}
