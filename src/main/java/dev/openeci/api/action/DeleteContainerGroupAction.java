package dev.openeci.api.action;

import dev.openeci.group.GroupService;
import java.util.Map;

/** DeleteContainerGroup: asynchronous; the group disappears from Describe at once. */
public final class DeleteContainerGroupAction implements ActionHandler {
  private final GroupService groups;

  public DeleteContainerGroupAction(GroupService groups) {
    this.groups = groups;
  }

  @Override
  public String action() {
    return "DeleteContainerGroup";
  }

  @Override
  public Object handle(ActionContext ctx) {
    groups.delete(ctx.accountId(), ctx.regionId(), ctx.params().required("ContainerGroupId"));
    return Map.of();
  }
}
