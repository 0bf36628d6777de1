package dev.openeci.api.action;

import dev.openeci.api.mapping.ImageCacheMapper;
import dev.openeci.imagecache.ImageCache;
import dev.openeci.imagecache.ImageCacheService;

/** CreateImageCache: validates, records the cache (Preparing) and pulls its images in the background. */
public final class CreateImageCacheAction implements ActionHandler {
  private final ImageCacheService caches;

  public CreateImageCacheAction(ImageCacheService caches) {
    this.caches = caches;
  }

  @Override
  public String action() {
    return "CreateImageCache";
  }

  /** ContainerGroupId is empty: no intermediate instance is needed to pull locally. */
  public record Response(String ImageCacheId, String ContainerGroupId) {}

  @Override
  public Object handle(ActionContext ctx) {
    if (caches == null) {
      throw dev.openeci.error.ErrorCode.UNSUPPORTED_OPERATION.withMessage("Image caches are images pulled into"
          + " the local engine ahead of time; on the Kubernetes backend the cluster's nodes pull images themselves"
          + " (docs/kubernetes.md).");
    }
    ImageCacheService.Request r = ImageCacheMapper.create(ctx.params());
    ImageCache ic = caches.create(ctx.accountId(), ctx.regionId(), r);
    return new Response(ic.id(), "");
  }
}
