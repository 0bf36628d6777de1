package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupStore;
import dev.openeci.metrics.MetricsSampler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * DescribeMultiContainerGroupMetric: the newest sample of each of up to 20 groups
 * (ContainerGroupIds, a JSON array; MetricType only {@code summary}). Ids that are not the
 * caller's groups in this region are left out, as ECI does; ResourceGroupId filters the groups.
 */
public final class DescribeMultiContainerGroupMetricAction implements ActionHandler {
  private final GroupStore repo;
  private final MetricsSampler sampler;

  public DescribeMultiContainerGroupMetricAction(GroupStore repo, MetricsSampler sampler) {
    this.repo = repo;
    this.sampler = sampler;
  }

  @Override
  public String action() {
    return "DescribeMultiContainerGroupMetric";
  }

  @Override
  public Object handle(ActionContext ctx) {
    List<String> ids = ctx.params().jsonStringArray("ContainerGroupIds");
    if (ids == null || ids.isEmpty()) throw ErrorCode.missing("ContainerGroupIds");
    if (ids.size() > 20) throw ErrorCode.invalid("ContainerGroupIds", "at most 20 ids, got " + ids.size());
    String type = ctx.params().string("MetricType");
    if (type != null && !type.isEmpty() && !type.equals("summary")) {
      throw ErrorCode.invalid("MetricType", "must be summary");
    }
    String rg = GroupQuery.empty(ctx.params().string("ResourceGroupId"));
    List<Map<String, Object>> datas = new ArrayList<>();
    for (String id : new LinkedHashSet<>(ids)) {
      ContainerGroup g = DescribeContainerGroupMetricAction.owned(repo, ctx, id);
      if (g == null || (rg != null && !rg.equals(g.spec().placement().resourceGroupId()))) continue;
      List<Map<String, Object>> records = new ArrayList<>();
      if (sampler != null) sampler.latest(id).ifPresent(s -> records.add(MetricsView.record(g, s, true)));
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("ContainerGroupId", id);
      d.put("Records", records);
      datas.add(d);
    }
    return Map.of("MonitorDatas", datas);
  }
}
