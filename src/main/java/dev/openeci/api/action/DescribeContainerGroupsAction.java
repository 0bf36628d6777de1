package dev.openeci.api.action;

import dev.openeci.api.error.ErrorCode;
import dev.openeci.api.mapping.DescribeMapper;
import dev.openeci.api.mapping.Views;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.Tag;
import dev.openeci.store.GroupRepository;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * DescribeContainerGroups: reads the store only. Filters: ContainerGroupIds (JSON array, at most
 * 20), ContainerGroupName, Status, Tag.N; paging with Limit (1-20) and an opaque NextToken.
 */
public final class DescribeContainerGroupsAction implements ActionHandler {
  private final GroupRepository repo;

  public DescribeContainerGroupsAction(GroupRepository repo) {
    this.repo = repo;
  }

  @Override
  public String action() {
    return "DescribeContainerGroups";
  }

  public record Response(Integer TotalCount, String NextToken, List<Views.Group> ContainerGroups) {}

  @Override
  public Object handle(ActionContext ctx) {
    ParamReader p = ctx.params();
    List<String> ids = p.jsonStringArray("ContainerGroupIds");
    if (ids != null && ids.size() > 20) {
      throw ErrorCode.invalid("ContainerGroupIds", "at most 20 ids, got " + ids.size());
    }
    Set<String> idSet = ids == null || ids.isEmpty() ? null : new HashSet<>(ids);
    String name = emptyToNull(p.string("ContainerGroupName"));
    String status = emptyToNull(p.string("Status"));
    List<Tag> tags = new ArrayList<>();
    for (ParamReader t : p.list("Tag")) {
      String key = t.string("Key");
      if (key != null && !key.isEmpty()) tags.add(new Tag(key, t.string("Value")));
    }
    Integer limit = p.integer("Limit");
    if (limit == null) limit = 20;
    if (limit < 1 || limit > 20) throw ErrorCode.invalid("Limit", "must be 1-20, got " + limit);
    String token = emptyToNull(p.string("NextToken"));

    List<ContainerGroup> all = repo.find(g -> g.accountId().equals(ctx.accountId())
        && g.regionId().equals(ctx.regionId()) && g.deletionRequested() == null
        && (idSet == null || idSet.contains(g.id()))
        && (name == null || name.equals(g.spec().name()))
        && (status == null || status.equals(g.state().status().name()))
        && tags.stream().allMatch(t -> g.spec().tags().stream().anyMatch(
            gt -> gt.key().equals(t.key()) && (t.value() == null || t.value().isEmpty() || t.value().equals(gt.value())))));
    int start = 0;
    if (token != null) {
      start = -1;
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i).id().equals(token)) {
          start = i + 1;
          break;
        }
      }
      if (start < 0) throw ErrorCode.invalid("NextToken", "\"" + token + "\" is not a valid token of this listing");
    }
    int end = Math.min(all.size(), start + limit);
    List<Views.Group> page = new ArrayList<>();
    for (ContainerGroup g : all.subList(start, end)) page.add(DescribeMapper.group(g, repo.events(g.id())));
    String next = end < all.size() ? all.get(end - 1).id() : "";
    return new Response(all.size(), next, page);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
