package dev.openeci.group;

import java.util.List;

/**
 * What the user asked for: the desired state of a container group. Immutable; a new version is
 * stored on every update. {@code cpu}/{@code memory} are the effective (rounded) spec.
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
    int terminationGracePeriodSeconds,
    List<VolumeSpec> volumes,
    Integer activeDeadlineSeconds,
    PodOptions.Dns dns,
    PodOptions.Network network,
    PodOptions.Security security,
    PodOptions.Images images,
    PodOptions.Placement placement) {

  public GroupSpec {
    tags = Lists.copy(tags);
    initContainers = Lists.copy(initContainers);
    containers = Lists.copy(containers);
    volumes = Lists.copy(volumes);
    if (dns == null) dns = PodOptions.Dns.NONE;
    if (network == null) network = PodOptions.Network.NONE;
    if (security == null) security = PodOptions.Security.NONE;
    if (images == null) images = PodOptions.Images.NONE;
    if (placement == null) placement = PodOptions.Placement.NONE;
  }

  /** The walking skeleton's fields; everything else unset. */
  public static GroupSpec basic(String name, String zoneId, RestartPolicy restartPolicy, double cpu, double memory,
      List<Tag> tags, List<ContainerSpec> initContainers, List<ContainerSpec> containers, int grace) {
    return new GroupSpec(name, zoneId, restartPolicy, cpu, memory, tags, initContainers, containers, grace, List.of(),
        null, null, null, null, null, null);
  }

  /** The same spec with other tags (TagResources / UntagResources). */
  public GroupSpec withTags(List<Tag> newTags) {
    return new GroupSpec(name, zoneId, restartPolicy, cpu, memory, newTags, initContainers, containers,
        terminationGracePeriodSeconds, volumes, activeDeadlineSeconds, dns, network, security, images, placement);
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
