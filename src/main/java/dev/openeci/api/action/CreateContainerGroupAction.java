package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.mapping.CreateRequestMapper;
import dev.openeci.api.mapping.UpdateMerge;
import dev.openeci.group.ContainerSpec;
import dev.openeci.api.mapping.PodRules;
import dev.openeci.config.PodPolicy;
import dev.openeci.group.GroupService;
import dev.openeci.group.GroupSpec;
import dev.openeci.imagecache.ImageCache;
import dev.openeci.imagecache.ImageCacheService;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** CreateContainerGroup: validate, persist (idempotent on ClientToken), let the worker run it. */
public final class CreateContainerGroupAction implements ActionHandler {
  private final GroupService groups;
  private final Function<String, String> zoneOfRegion;
  private final ImageCacheService caches;
  private final EventSink events;
  private final PodPolicy policy;

  /** Where the action records a group's EciService events (image cache hits). */
  public interface EventSink {
    void normal(String groupId, String reason, String message);
  }

  public CreateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion) {
    this(groups, zoneOfRegion, PodPolicy.DEFAULT, null, null);
  }

  public CreateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion, PodPolicy policy) {
    this(groups, zoneOfRegion, policy, null, null);
  }

  public CreateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion, PodPolicy policy,
      ImageCacheService caches, EventSink events) {
    this.groups = groups;
    this.zoneOfRegion = zoneOfRegion;
    this.policy = policy;
    this.caches = caches;
    this.events = events;
  }

  // data caches (docs/data-caches.md): DataCacheBucket + HostPathVolume naming a cache's Path
  private dev.openeci.datacache.DataCacheService dataCaches;
  private boolean dataCachesKnown;

  /** Sets the data caches DataCacheBucket resolves against (null: this backend has none). */
  public CreateContainerGroupAction withDataCaches(dev.openeci.datacache.DataCacheService dataCaches) {
    this.dataCaches = dataCaches;
    this.dataCachesKnown = true;
    return this;
  }

  /** The spec with DataCacheBucket's HostPathVolumes resolved to data caches of the caller. */
  static GroupSpec withDataCaches(ActionContext ctx, GroupSpec spec, dev.openeci.datacache.DataCacheService caches,
      boolean known) {
    String bucket = ctx.params().string("DataCacheBucket");
    if (bucket == null || bucket.isEmpty()) return spec;
    if (caches == null) {
      if (!known) return spec;
      throw ErrorCode.UNSUPPORTED_OPERATION.withMessage("DataCacheBucket mounts data caches, which are directories"
          + " on the engine host; the Kubernetes backend has no such host (docs/kubernetes.md).");
    }
    String b = dev.openeci.api.mapping.DataCacheMapper.bucket(new dev.openeci.api.rpc.ParamReader(
        java.util.Map.of("Bucket", bucket)));
    return caches.resolveMounts(ctx.accountId(), ctx.regionId(), b, spec);
  }

  @Override
  public String action() {
    return "CreateContainerGroup";
  }

  public record Response(String ContainerGroupId) {}

  @Override
  public Object handle(ActionContext ctx) {
    GroupSpec spec = CreateRequestMapper.map(ctx.params(), zoneOfRegion.apply(ctx.regionId()));
    spec = withDataCaches(ctx, spec, dataCaches, dataCachesKnown);
    PodRules.checkPolicy(spec, policy);
    groups.admit(spec);
    ImageCache hit = imageCache(ctx, spec);
    if (Boolean.TRUE.equals(ctx.params().bool("DryRun"))) {
      groups.checkQuota(ctx.accountId(), ctx.regionId(), null, spec); // quotas (docs/quotas.md)
      // Everything was validated; as ECI does, a passing dry run answers with the DryRun.Success error.
      throw ErrorCode.DRY_RUN_SUCCESS.exception();
    }
    String id = groups.create(ctx.accountId(), ctx.regionId(), spec, ctx.params().string("ClientToken"),
        UpdateMerge.specParams(ctx.params()));
    if (events != null && hit != null) {
      caches.matched(hit.id());
      events.normal(id, "SuccessfulHitImageCache", "[eci.imagecache]Successfully hit image cache " + hit.id()
          + ", eci will be scheduled with this image cache.");
    } else if (events != null && caches != null && Boolean.TRUE.equals(spec.images().autoMatchImageCache())) {
      events.normal(id, "ImageCacheMissed", "[eci.imagecache]No Ready image cache holds every image of this"
          + " container group; its images are pulled as their ImagePullPolicy says.");
    }
    return new Response(id);
  }

  /**
   * ImageSnapshotId names a cache that must exist and be Ready (ImageSnapshot.NotFound,
   * ImageSnapshot.IncorrectStatus); AutoMatchImageCache picks the newest Ready cache holding every
   * image of the group.
   */
  private ImageCache imageCache(ActionContext ctx, GroupSpec spec) {
    if (caches == null) return null;
    String snapshot = spec.images().imageSnapshotId();
    if (snapshot != null) return caches.require(ctx.accountId(), ctx.regionId(), snapshot);
    if (!Boolean.TRUE.equals(spec.images().autoMatchImageCache())) return null;
    List<String> images = new ArrayList<>();
    for (ContainerSpec c : spec.initContainers()) if (!images.contains(c.image())) images.add(c.image());
    for (ContainerSpec c : spec.containers()) if (!images.contains(c.image())) images.add(c.image());
    return caches.match(ctx.accountId(), ctx.regionId(), images).orElse(null);
  }
}
