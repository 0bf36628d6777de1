package dev.openeci.api.action;

import dev.openeci.group.GroupService;
import java.util.Map;

/** RestartContainerGroup: Pending or Running groups only; the status becomes Restarting. */
public final class RestartContainerGroupAction implements ActionHandler {
  private final GroupService groups;

  public RestartContainerGroupAction(GroupService groups) {
    this.groups = groups;
  }

  @Override
  public String action() {
    return "RestartContainerGroup";
  }

  @Override
  public Object handle(ActionContext ctx) {
    groups.restart(ctx.accountId(), ctx.regionId(), ctx.params().required("ContainerGroupId"));
    return Map.of();
  }
}
