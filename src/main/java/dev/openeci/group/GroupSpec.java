package dev.openeci.group;

import java.util.List;

/**
 * What the user asked for: the desired state of a container group. Immutable; a new version is
 * stored on every update. Group {@code cpu}/{@code memory} are the effective (rounded) spec.
 */
public record GroupSpec(
    String name,
    String zoneId,
    RestartPolicy restartPolicy,
    double cpu,
    double memory,
    List<Tag> tags,
    List<ContainerSpec> initContainers,
    List<ContainerSpec> containers,
    int terminationGracePeriodSeconds) {

  public GroupSpec {
    tags = List.copyOf(tags);
    initContainers = List.copyOf(initContainers);
    containers = List.copyOf(containers);
  }

  public ContainerSpec container(String containerName) {
    for (ContainerSpec c : containers) {
      if (c.name().equals(containerName)) return c;
    }
    for (ContainerSpec c : initContainers) {
      if (c.name().equals(containerName)) return c;
    }
    return null;
  }
}
