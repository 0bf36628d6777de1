package dev.openeci.group;

import dev.openeci.api.error.ErrorCode;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeContainer;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Finds the engine instances of one ECI container of a caller's group (for logs and exec): the
 * current one, or the previous one ({@code LastTime=true}).
 */
public final class ContainerAccess {
  private final GroupService groups;
  private final ContainerRuntime runtime;

  public ContainerAccess(GroupService groups, ContainerRuntime runtime) {
    this.groups = groups;
    this.runtime = runtime;
  }

  public ContainerRuntime runtime() {
    return runtime;
  }

  /** The group's container spec by name (app or init); InvalidParameter when there is none. */
  public ContainerSpec spec(ContainerGroup g, String containerName) {
    ContainerSpec c = g.spec().container(containerName);
    if (c == null) {
      throw ErrorCode.invalid("ContainerName", "the container group " + g.id() + " has no container \""
          + containerName + "\"");
    }
    return c;
  }

  public ContainerGroup group(String accountId, String regionId, String id) {
    return groups.find(accountId, regionId, id);
  }

  /** Engine instances of the container, oldest attempt first. */
  public List<RuntimeContainer> instances(ContainerGroup g, String containerName) {
    return runtime.list(Map.of(Labels.GROUP_ID, g.id(), Labels.CONTAINER_NAME, containerName)).stream()
        .filter(c -> !Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)))
        .sorted(Comparator.comparingInt(c -> Integer.parseInt(c.labels().getOrDefault(Labels.ATTEMPT, "0"))))
        .toList();
  }
}
