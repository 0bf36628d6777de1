package dev.openeci.api.action;

import dev.openeci.api.action.TagRequests.ResourceType;
import java.util.List;
import java.util.Map;

/**
 * UntagResources: removes TagKey.N (at most 20) from each ResourceId.N, or every tag with All=true
 * and no TagKey; keys a resource does not have are ignored. Unknown or foreign resources are
 * NotFound and nothing changes (docs/tags.md).
 */
public final class UntagResourcesAction implements ActionHandler {
  private final TagTargets targets;

  public UntagResourcesAction(dev.openeci.group.GroupService groups, dev.openeci.group.GroupStore store,
      dev.openeci.imagecache.ImageCacheService caches) {
    this.targets = new TagTargets(groups, store, caches);
  }

  @Override
  public String action() {
    return "UntagResources";
  }

  @Override
  public Object handle(ActionContext ctx) {
    ResourceType type = TagRequests.resourceType(ctx.params());
    List<String> ids = TagRequests.resourceIds(ctx.params(), true);
    List<String> keys = TagRequests.keysToRemove(ctx.params());
    boolean all = Boolean.TRUE.equals(ctx.params().bool("All"));
    for (String id : ids) targets.require(ctx, type, id);
    for (String id : ids) targets.change(ctx, type, id, cur -> TagRequests.remove(cur, keys, all));
    return Map.of();
  }
}
