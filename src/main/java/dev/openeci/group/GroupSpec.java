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
    return builder().name(name).zoneId(zoneId).restartPolicy(restartPolicy).cpu(cpu).memory(memory).tags(tags)
        .initContainers(initContainers).containers(containers).terminationGracePeriodSeconds(grace).build();
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

  /** A builder: fields not set keep their defaults (empty lists, null, false, 0). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this spec, to change a few fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.zoneId = zoneId;
    b.restartPolicy = restartPolicy;
    b.cpu = cpu;
    b.memory = memory;
    b.tags = tags;
    b.initContainers = initContainers;
    b.containers = containers;
    b.terminationGracePeriodSeconds = terminationGracePeriodSeconds;
    b.volumes = volumes;
    b.activeDeadlineSeconds = activeDeadlineSeconds;
    b.dns = dns;
    b.network = network;
    b.security = security;
    b.images = images;
    b.placement = placement;
    return b;
  }

  /** Builds a {@link GroupSpec} by field name instead of position. */
  public static final class Builder {
    private String name;
    private String zoneId;
    private RestartPolicy restartPolicy;
    private double cpu;
    private double memory;
    private List<Tag> tags = List.of();
    private List<ContainerSpec> initContainers = List.of();
    private List<ContainerSpec> containers = List.of();
    private int terminationGracePeriodSeconds;
    private List<VolumeSpec> volumes = List.of();
    private Integer activeDeadlineSeconds;
    private PodOptions.Dns dns;
    private PodOptions.Network network;
    private PodOptions.Security security;
    private PodOptions.Images images;
    private PodOptions.Placement placement;

    private Builder() {
    }

    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public Builder zoneId(String zoneId) {
      this.zoneId = zoneId;
      return this;
    }

    public Builder restartPolicy(RestartPolicy restartPolicy) {
      this.restartPolicy = restartPolicy;
      return this;
    }

    public Builder cpu(double cpu) {
      this.cpu = cpu;
      return this;
    }

    public Builder memory(double memory) {
      this.memory = memory;
      return this;
    }

    public Builder tags(List<Tag> tags) {
      this.tags = tags;
      return this;
    }

    public Builder initContainers(List<ContainerSpec> initContainers) {
      this.initContainers = initContainers;
      return this;
    }

    public Builder containers(List<ContainerSpec> containers) {
      this.containers = containers;
      return this;
    }

    public Builder terminationGracePeriodSeconds(int terminationGracePeriodSeconds) {
      this.terminationGracePeriodSeconds = terminationGracePeriodSeconds;
      return this;
    }

    public Builder volumes(List<VolumeSpec> volumes) {
      this.volumes = volumes;
      return this;
    }

    public Builder activeDeadlineSeconds(Integer activeDeadlineSeconds) {
      this.activeDeadlineSeconds = activeDeadlineSeconds;
      return this;
    }

    public Builder dns(PodOptions.Dns dns) {
      this.dns = dns;
      return this;
    }

    public Builder network(PodOptions.Network network) {
      this.network = network;
      return this;
    }

    public Builder security(PodOptions.Security security) {
      this.security = security;
      return this;
    }

    public Builder images(PodOptions.Images images) {
      this.images = images;
      return this;
    }

    public Builder placement(PodOptions.Placement placement) {
      this.placement = placement;
      return this;
    }

    public GroupSpec build() {
      return new GroupSpec(name, zoneId, restartPolicy, cpu, memory, tags, initContainers, containers,
          terminationGracePeriodSeconds, volumes, activeDeadlineSeconds, dns, network, security, images, placement);
    }
  }
}
