package dev.openeci.api.action;

import dev.openeci.api.action.TagRequests.ResourceType;
import dev.openeci.api.action.TagRequests.Row;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.Tag;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ListTagResources: the tags of the caller's resources of ResourceType, one row per resource and
 * tag ({@code TagResources[]{ResourceId, ResourceType, TagKey, TagValue}}), limited to
 * ResourceId.N and/or to the resources carrying every Tag.N (at least one of the two is needed);
 * ids that are not the caller's are simply absent. Paged by Limit (default 20, at most 100) and an
 * opaque NextToken.
 */
public final class ListTagResourcesAction implements ActionHandler {
  private final TagTargets targets;

  public ListTagResourcesAction(dev.openeci.group.GroupService groups, dev.openeci.group.GroupStore store,
      dev.openeci.imagecache.ImageCacheService caches) {
    this.targets = new TagTargets(groups, store, caches);
  }

  @Override
  public String action() {
    return "ListTagResources";
  }

  @Override
  public Object handle(ActionContext ctx) {
    ResourceType type = TagRequests.resourceType(ctx.params());
    List<String> ids = TagRequests.resourceIds(ctx.params(), false);
    List<Tag> filter = TagRequests.filter(ctx.params());
    if (ids.isEmpty() && filter.isEmpty()) throw ErrorCode.missing("ResourceId.1");
    Integer limit = ctx.params().integer("Limit");
    if (limit == null) limit = ctx.params().integer("MaxResults");
    List<Row> rows = new ArrayList<>();
    targets.list(ctx, type, ids).forEach((id, tags) -> {
      if (!TagRequests.matches(tags, filter)) return;
      for (Tag t : tags) rows.add(new Row(id, type.name(), t.key(), t.value()));
    });
    TagRequests.Page page = TagRequests.page(rows, ctx.params().string("NextToken"), limit);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("NextToken", page.nextToken());
    out.put("TagResources", page.rows().stream().map(Row::toMap).toList());
    return out;
  }
}
