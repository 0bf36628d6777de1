package dev.openeci.api.action;

import dev.openeci.group.GroupService;
import dev.openeci.group.Quotas;
import dev.openeci.imagecache.ImageCacheService;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongBiFunction;

/**
 * ListUsage: what the caller's account uses in the region against the quotas the operator set
 * ({@code serve --quota-*}; docs/quotas.md), in ECI's {@code Attributes} object: UsedCpu/MaxCpu,
 * UsedImageCacheCount/MaxImageCacheCount, UsedDataCacheCount/MaxDataCacheCount,
 * UsedAutoImageCacheCount/MaxAutoImageCacheCount (openeci never makes caches by itself: 0/0), and
 * openeci's own UsedContainerGroupCount/MaxContainerGroupCount, UsedMemory/MaxMemory (GiB),
 * UsedGpu/MaxGpu. A Max of -1 means unlimited.
 */
public final class ListUsageAction implements ActionHandler {
  private final GroupService groups;
  private final ImageCacheService caches;
  private final ToLongBiFunction<String, String> dataCaches;

  /**
   * @param caches null on a backend without image caches
   * @param dataCaches the account's data caches in a region (account, region) -> count
   */
  public ListUsageAction(GroupService groups, ImageCacheService caches, ToLongBiFunction<String, String> dataCaches) {
    this.groups = groups;
    this.caches = caches;
    this.dataCaches = dataCaches;
  }

  @Override
  public String action() {
    return "ListUsage";
  }

  @Override
  public Object handle(ActionContext ctx) {
    return Map.of("Attributes", attributes(groups.quotas(), groups.usage(ctx.accountId(), ctx.regionId(), null),
        caches == null ? 0 : caches.count(ctx.accountId(), ctx.regionId()),
        dataCaches.applyAsLong(ctx.accountId(), ctx.regionId())));
  }

  static Map<String, Object> attributes(Quotas q, Quotas.Usage u, long imageCaches, long dataCaches) {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put("UsedContainerGroupCount", u.groups());
    a.put("MaxContainerGroupCount", q.groups() < 0 ? -1 : q.groups());
    a.put("UsedCpu", number(u.cpu()));
    a.put("MaxCpu", q.cpu() < 0 ? -1 : number(q.cpu()));
    a.put("UsedMemory", number(u.memoryGiB()));
    a.put("MaxMemory", q.memoryGiB() < 0 ? -1 : number(q.memoryGiB()));
    a.put("UsedGpu", u.gpu());
    a.put("MaxGpu", q.gpu() < 0 ? -1 : q.gpu());
    a.put("UsedImageCacheCount", imageCaches);
    a.put("MaxImageCacheCount", q.imageCaches() < 0 ? -1 : q.imageCaches());
    a.put("UsedAutoImageCacheCount", 0);
    a.put("MaxAutoImageCacheCount", 0);
    a.put("UsedDataCacheCount", dataCaches);
    a.put("MaxDataCacheCount", q.dataCaches() < 0 ? -1 : q.dataCaches());
    return a;
  }

  /** Whole numbers as integers (ECI's example: "MaxCpu": 1000, "UsedCpu": 16.5). */
  private static Object number(double d) {
    return d == Math.rint(d) ? (Object) (long) d : (Object) d;
  }
}
