package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.mapping.CreateRequestMapper;
import dev.openeci.api.mapping.PodRules;
import dev.openeci.api.mapping.UpdateMerge;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupService;
import dev.openeci.group.GroupSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;

/**
 * UpdateContainerGroup: merge the request into the group's stored parameters ({@link UpdateMerge}),
 * map and validate the result exactly like a create, and store it as the next spec version; the
 * group's worker applies it (docs/update.md).
 */
public final class UpdateContainerGroupAction implements ActionHandler {
  private final GroupService groups;
  private final Function<String, String> zoneOfRegion;
  private final PodPolicy policy;

  public UpdateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion) {
    this(groups, zoneOfRegion, PodPolicy.DEFAULT);
  }

  public UpdateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion, PodPolicy policy) {
    this.groups = groups;
    this.zoneOfRegion = zoneOfRegion;
    this.policy = policy;
  }

  // data caches (docs/data-caches.md): the stored DataCacheBucket is resolved again on update
  private dev.openeci.datacache.DataCacheService dataCaches;
  private boolean dataCachesKnown;

  public UpdateContainerGroupAction withDataCaches(dev.openeci.datacache.DataCacheService dataCaches) {
    this.dataCaches = dataCaches;
    this.dataCachesKnown = true;
    return this;
  }

  @Override
  public String action() {
    return "UpdateContainerGroup";
  }

  @Override
  public Object handle(ActionContext ctx) {
    ParamReader p = ctx.params();
    String id = p.required("ContainerGroupId");
    UpdateMerge.Type type = UpdateMerge.type(p.string("UpdateType"));
    CreateRequestMapper.checkClientToken(p.string("ClientToken"));
    ContainerGroup g = groups.find(ctx.accountId(), ctx.regionId(), id);
    Map<String, String> stored = groups.requestParams(id);
    if (stored.isEmpty()) {
      throw ErrorCode.INCORRECT_STATUS.withMessage("The container group " + id
          + " was created by an openeci version that did not keep its request; it cannot be updated.");
    }
    Map<String, String> request = UpdateMerge.specParams(p);
    Map<String, String> merged = UpdateMerge.merge(stored, request, type);
    GroupSpec spec = CreateRequestMapper.map(new ParamReader(merged), zoneOfRegion.apply(ctx.regionId()));
    spec = CreateContainerGroupAction.withDataCaches(new ActionContext(ctx.requestId(), ctx.accountId(),
        ctx.regionId(), new ParamReader(merged)), spec, dataCaches, dataCachesKnown);
    PodRules.checkPolicy(spec, policy);
    groups.admit(spec);
    if (Boolean.TRUE.equals(p.bool("DryRun"))) {
      groups.checkQuota(ctx.accountId(), ctx.regionId(), id, spec); // quotas (docs/quotas.md)
      throw ErrorCode.DRY_RUN_SUCCESS.exception();
    }
    groups.update(ctx.accountId(), ctx.regionId(), id, g.specVersion(), spec, merged, p.string("ClientToken"),
        hash(type + "\n" + UpdateMerge.updateParams(request)));
    return Map.of();
  }

  private static String hash(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
