package dev.openeci.group;

import dev.openeci.error.ErrorCode;
import dev.openeci.backend.PodBackend;

/**
 * Finds a caller's group and one of its containers for logs and exec, and the backend that runs
 * it (which knows the container's current and previous instance).
 */
public final class ContainerAccess {
  private final GroupService groups;
  private final PodBackend backend;

  public ContainerAccess(GroupService groups, PodBackend backend) {
    this.groups = groups;
    this.backend = backend;
  }

  public PodBackend backend() {
    return backend;
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
}
