package dev.openeci.api.action;

import dev.openeci.error.ErrorCode;
import java.util.List;

/**
 * CreateVirtualNode, DeleteVirtualNode, DescribeVirtualNodes and UpdateVirtualNode: a virtual node
 * joins a Kubernetes cluster as a node whose pods become ECI instances; this server does not host
 * virtual nodes. Each action checks its required parameters (MissingParameter) and then answers
 * UnsupportedOperation.VirtualNode (docs/errors.md), never InvalidAction.NotFound.
 */
public final class VirtualNodeActions {
  private VirtualNodeActions() {}

  public static List<ActionHandler> all() {
    return List.of(handler("CreateVirtualNode", "SecurityGroupId", "VSwitchId", "KubeConfig"),
        handler("DeleteVirtualNode", "VirtualNodeId"), handler("DescribeVirtualNodes"),
        handler("UpdateVirtualNode", "VirtualNodeId"));
  }

  static ActionHandler handler(String action, String... required) {
    return new ActionHandler() {
      @Override
      public String action() {
        return action;
      }

      @Override
      public Object handle(ActionContext ctx) {
        for (String p : required) ctx.params().required(p);
        throw ErrorCode.VIRTUAL_NODE_UNSUPPORTED.withMessage("A virtual node joins a Kubernetes cluster (its"
            + " KubeConfig) as a node whose pods run as container groups; this server does not host virtual nodes"
            + " yet. Create container groups directly, or run openeci with --backend kubernetes to place them on a"
            + " cluster (docs/kubernetes.md).");
      }
    };
  }
}
