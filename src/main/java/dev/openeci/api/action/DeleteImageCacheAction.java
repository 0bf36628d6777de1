package dev.openeci.api.action;

import dev.openeci.imagecache.ImageCacheService;
import java.util.Map;

/** DeleteImageCache: forgets the cache (ImageSnapshot.NotFound when unknown); its images stay in the engine. */
public final class DeleteImageCacheAction implements ActionHandler {
  private final ImageCacheService caches;

  public DeleteImageCacheAction(ImageCacheService caches) {
    this.caches = caches;
  }

  @Override
  public String action() {
    return "DeleteImageCache";
  }

  @Override
  public Object handle(ActionContext ctx) {
    if (caches == null) {
      throw dev.openeci.error.ErrorCode.UNSUPPORTED_OPERATION.withMessage("Image caches are images pulled into"
          + " the local engine ahead of time; on the Kubernetes backend the cluster's nodes pull images themselves"
          + " (docs/kubernetes.md).");
    }
    caches.delete(ctx.accountId(), ctx.regionId(), ctx.params().required("ImageCacheId"));
    return Map.of();
  }
}
