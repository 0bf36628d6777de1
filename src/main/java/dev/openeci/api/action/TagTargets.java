package dev.openeci.api.action;

import dev.openeci.api.action.TagRequests.ResourceType;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupService;
import dev.openeci.group.GroupStore;
import dev.openeci.group.Tag;
import dev.openeci.imagecache.ImageCache;
import dev.openeci.imagecache.ImageCacheService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Where the tags of each resource type live: a container group's are part of its spec (the same
 * tags as CreateContainerGroup's Tag.N and DescribeContainerGroups' Tag filter), an image cache's
 * are part of its record. Every lookup is scoped to the caller's account and region.
 */
final class TagTargets {
  private final GroupService groups;
  private final GroupStore store;
  /** Null on a backend without image caches (Kubernetes). */
  private final ImageCacheService caches;

  TagTargets(GroupService groups, GroupStore store, ImageCacheService caches) {
    this.groups = groups;
    this.store = store;
    this.caches = caches;
  }

  /** Fails (NotFound) unless the resource exists and is the caller's. */
  void require(ActionContext ctx, ResourceType type, String id) {
    change(ctx, type, id, null);
  }

  /** Applies {@code change} to the resource's tags atomically; null only checks it exists. */
  void change(ActionContext ctx, ResourceType type, String id, UnaryOperator<List<Tag>> change) {
    switch (type) {
      case ContainerGroup -> {
        if (change == null) groups.find(ctx.accountId(), ctx.regionId(), id);
        else groups.retag(ctx.accountId(), ctx.regionId(), id, change);
      }
      case ImageCache -> {
        if (caches == null) throw noCaches();
        caches.retag(ctx.accountId(), ctx.regionId(), id, change == null ? UnaryOperator.identity()
            : cur -> toCache(change.apply(fromCache(cur))));
      }
    }
  }

  /** The caller's resources of {@code type} in the region (all when {@code ids} is empty), with their tags. */
  Map<String, List<Tag>> list(ActionContext ctx, ResourceType type, List<String> ids) {
    Map<String, List<Tag>> out = new java.util.LinkedHashMap<>();
    switch (type) {
      case ContainerGroup -> {
        java.util.function.Predicate<ContainerGroup> mine = g -> g.accountId().equals(ctx.accountId())
            && g.regionId().equals(ctx.regionId()) && g.deletionRequested() == null;
        for (ContainerGroup g : ids.isEmpty() ? store.find(mine) : store.findAmong(ids, mine)) {
          out.put(g.id(), g.spec().tags());
        }
      }
      case ImageCache -> {
        if (caches == null) throw noCaches();
        for (ImageCache ic : caches.list(ctx.accountId(), ctx.regionId())) {
          if (ids.isEmpty() || ids.contains(ic.id())) out.put(ic.id(), fromCache(ic.tags()));
        }
      }
    }
    return out;
  }

  /** As the other image cache actions answer on a backend without image caches. */
  private static dev.openeci.error.ApiException noCaches() {
    return ErrorCode.UNSUPPORTED_OPERATION.withMessage("Image caches are images pulled into the local engine ahead"
        + " of time; on the Kubernetes backend the cluster's nodes pull images themselves (docs/kubernetes.md).");
  }

  static List<Tag> fromCache(List<ImageCache.Tag> tags) {
    List<Tag> out = new ArrayList<>();
    for (ImageCache.Tag t : tags) out.add(new Tag(t.key(), t.value() == null ? "" : t.value()));
    return out;
  }

  static List<ImageCache.Tag> toCache(List<Tag> tags) {
    List<ImageCache.Tag> out = new ArrayList<>();
    for (Tag t : tags) out.add(new ImageCache.Tag(t.key(), t.value()));
    return out;
  }
}
