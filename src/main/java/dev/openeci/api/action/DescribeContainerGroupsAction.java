package dev.openeci.api.action;

import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.api.mapping.Views;
import dev.openeci.group.ContainerGroup;
import dev.openeci.store.GroupRepository;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;

/** DescribeContainerGroups: reads the store only; filters and paging in {@link GroupQuery} (Limit <= 20). */
public final class DescribeContainerGroupsAction implements ActionHandler {
  private final GroupRepository repo;
  private final InstantSource clock;

  public DescribeContainerGroupsAction(GroupRepository repo, InstantSource clock) {
    this.repo = repo;
    this.clock = clock;
  }

  @Override
  public String action() {
    return "DescribeContainerGroups";
  }

  public record Response(Integer TotalCount, String NextToken, List<Views.Group> ContainerGroups) {}

  @Override
  public Object handle(ActionContext ctx) {
    List<ContainerGroup> all = GroupQuery.find(repo, ctx, clock.instant());
    GroupQuery.Page page = GroupQuery.page(ctx, all, 20, 20);
    List<Views.Group> out = new ArrayList<>();
    for (ContainerGroup g : page.items()) out.add(DescribeMapper.group(g, repo.events(g.id())));
    return new Response(page.total(), page.nextToken(), out);
  }
}
