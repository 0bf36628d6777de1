package dev.openeci.api.action;

import dev.openeci.api.error.ErrorCode;
import dev.openeci.api.mapping.CreateRequestMapper;
import dev.openeci.group.GroupService;
import dev.openeci.group.GroupSpec;
import java.util.function.Function;

/** CreateContainerGroup: validate, persist (idempotent on ClientToken), let the worker run it. */
public final class CreateContainerGroupAction implements ActionHandler {
  private final GroupService groups;
  private final Function<String, String> zoneOfRegion;

  public CreateContainerGroupAction(GroupService groups, Function<String, String> zoneOfRegion) {
    this.groups = groups;
    this.zoneOfRegion = zoneOfRegion;
  }

  @Override
  public String action() {
    return "CreateContainerGroup";
  }

  public record Response(String ContainerGroupId) {}

  @Override
  public Object handle(ActionContext ctx) {
    GroupSpec spec = CreateRequestMapper.map(ctx.params(), zoneOfRegion.apply(ctx.regionId()));
    if (Boolean.TRUE.equals(ctx.params().bool("DryRun"))) {
      // Everything was validated; as ECI does, a passing dry run answers with the DryRun.Success error.
      throw ErrorCode.DRY_RUN_SUCCESS.exception();
    }
    String id = groups.create(ctx.accountId(), ctx.regionId(), spec, ctx.params().string("ClientToken"),
        UpdateContainerGroupAction.specParams(ctx.params()));
    return new Response(id);
  }
}
