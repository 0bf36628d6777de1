package dev.openeci.api.action;

import dev.openeci.api.mapping.ImageCacheMapper;
import dev.openeci.imagecache.ImageCacheService;
import java.util.Map;

/**
 * UpdateImageCache: renames a cache, sets its retention or tags, or (Image.N) pulls a new image list
 * again (Preparing -> Creating -> Ready | Failed, as CreateImageCache). docs/images.md.
 */
public final class UpdateImageCacheAction implements ActionHandler {
  private final ImageCacheService caches;

  public UpdateImageCacheAction(ImageCacheService caches) {
    this.caches = caches;
  }

  @Override
  public String action() {
    return "UpdateImageCache";
  }

  @Override
  public Object handle(ActionContext ctx) {
    String id = ctx.params().required("ImageCacheId");
    ImageCacheService.Update u = ImageCacheMapper.update(ctx.params());
    if (caches == null) {
      throw dev.openeci.error.ErrorCode.UNSUPPORTED_OPERATION.withMessage("Image caches are images pulled into"
          + " the local engine ahead of time; on the Kubernetes backend the cluster's nodes pull images themselves"
          + " (docs/kubernetes.md).");
    }
    caches.update(ctx.accountId(), ctx.regionId(), id, u);
    return Map.of();
  }
}
