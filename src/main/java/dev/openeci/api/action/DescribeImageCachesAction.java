package dev.openeci.api.action;

import dev.openeci.api.mapping.ImageCacheMapper;
import dev.openeci.imagecache.ImageCacheService;
import java.util.List;

/** DescribeImageCaches: the caller's caches in the region, filtered (ImageCacheId, ImageCacheName, SnapshotId, Image). */
public final class DescribeImageCachesAction implements ActionHandler {
  private final ImageCacheService caches;

  public DescribeImageCachesAction(ImageCacheService caches) {
    this.caches = caches;
  }

  @Override
  public String action() {
    return "DescribeImageCaches";
  }

  public record Response(List<ImageCacheMapper.CacheView> ImageCaches) {}

  @Override
  public Object handle(ActionContext ctx) {
    if (caches == null) return new Response(java.util.List.of()); // no image caches on this backend
    return new Response(caches.list(ctx.accountId(), ctx.regionId()).stream()
        .filter(c -> ImageCacheMapper.matches(ctx.params(), c)).map(ImageCacheMapper::view).toList());
  }
}
