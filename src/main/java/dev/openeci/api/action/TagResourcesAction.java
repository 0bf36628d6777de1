package dev.openeci.api.action;

import dev.openeci.api.action.TagRequests.ResourceType;
import dev.openeci.group.Tag;
import java.util.List;
import java.util.Map;

/**
 * TagResources: adds Tag.N to each ResourceId.N of ResourceType (ContainerGroup or ImageCache); a
 * key the resource has gets the new value. Every resource is checked first (NotFound, 20 tags), so
 * a refused call changes nothing; each resource's change is then stored atomically (docs/tags.md).
 */
public final class TagResourcesAction implements ActionHandler {
  private final TagTargets targets;

  public TagResourcesAction(dev.openeci.group.GroupService groups, dev.openeci.group.GroupStore store,
      dev.openeci.imagecache.ImageCacheService caches) {
    this.targets = new TagTargets(groups, store, caches);
  }

  @Override
  public String action() {
    return "TagResources";
  }

  @Override
  public Object handle(ActionContext ctx) {
    ResourceType type = TagRequests.resourceType(ctx.params());
    List<String> ids = TagRequests.resourceIds(ctx.params(), true);
    List<Tag> add = TagRequests.tagsToAdd(ctx.params());
    for (String id : ids) targets.require(ctx, type, id);
    Map<String, List<Tag>> current = targets.list(ctx, type, ids);
    for (String id : ids) TagRequests.merge(id, current.getOrDefault(id, List.of()), add); // refuse before any change
    for (String id : ids) targets.change(ctx, type, id, cur -> TagRequests.merge(id, cur, add));
    return Map.of();
  }
}
