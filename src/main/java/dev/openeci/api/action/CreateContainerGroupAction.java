package dev.openeci.api.action;

import dev.openeci.api.error.ErrorCode;
import dev.openeci.api.mapping.CreateRequestMapper;
import dev.openeci.api.mapping.PodRules;
import dev.openeci.config.PodPolicy;
import dev.openeci.group.GroupService;
import dev.openeci.group.GroupSpec;
import java.util.function.Function;

/** CreateContainerGroup: validate, persist (idempotent on ClientToken), let the worker run it. */
public final class CreateContainerGroupAction implements ActionHandler {
  private final GroupService groups;
  private final Function<String, String> zoneOfRegion;
  private final PodPolicy policy;

  public CreateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion) {
    this(groups, zoneOfRegion, PodPolicy.DEFAULT);
  }

  public CreateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion, PodPolicy policy) {
    this.groups = groups;
    this.zoneOfRegion = zoneOfRegion;
    this.policy = policy;
  }

  @Override
  public String action() {
    return "CreateContainerGroup";
  }

  public record Response(String ContainerGroupId) {}

  @Override
  public Object handle(ActionContext ctx) {
    GroupSpec spec = CreateRequestMapper.map(ctx.params(), zoneOfRegion.apply(ctx.regionId()));
    PodRules.checkPolicy(spec, policy);
    if (Boolean.TRUE.equals(ctx.params().bool("DryRun"))) {
      // Everything was validated; as ECI does, a passing dry run answers with the DryRun.Success error.
      throw ErrorCode.DRY_RUN_SUCCESS.exception();
    }
    String id = groups.create(ctx.accountId(), ctx.regionId(), spec, ctx.params().string("ClientToken"));
    return new Response(id);
  }
}
