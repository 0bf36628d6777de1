package dev.openeci.group;

import java.util.List;

/** Group-level settings beyond containers and volumes, by concern. Null = not given. */
public final class PodOptions {
  private PodOptions() {}

  /** DNS and names: DnsPolicy (None/Default), DnsConfig, HostAliase, HostName, NtpServer. */
  public record Dns(String dnsPolicy, List<String> nameServers, List<String> searches, List<Option> options,
      List<HostAlias> hostAliases, String hostName, List<String> ntpServers) {
    public Dns {
      nameServers = Lists.copy(nameServers);
      searches = Lists.copy(searches);
      options = Lists.copy(options);
      hostAliases = Lists.copy(hostAliases);
      ntpServers = Lists.copy(ntpServers);
    }

    public static final Dns NONE = new Dns(null, List.of(), List.of(), List.of(), List.of(), null, List.of());

    public record Option(String name, String value) {}

    public record HostAlias(String ip, List<String> hostnames) {
      public HostAlias {
        hostnames = Lists.copy(hostnames);
      }
    }
  }

  /** Networking: VPC placement, EIP, bandwidth, IPv6, fixed IP. */
  public record Network(String securityGroupId, String vSwitchId, String eipInstanceId, Boolean autoCreateEip,
      Integer eipBandwidth, String eipIsp, String eipCommonBandwidthPackage, Long ingressBandwidth,
      Long egressBandwidth, Integer ipv6AddressCount, Boolean ipv6GatewayBandwidthEnable, String ipv6GatewayBandwidth,
      String fixedIp, Integer fixedIpRetainHour, String privateIpAddress) {
    public static final Network NONE = new Network(null, null, null, null, null, null, null, null, null, null, null,
        null, null, null, null);
  }

  /** Pod security: sysctls (namespaced and host), a shared PID namespace, core pattern, RAM role. */
  public record Security(List<Sysctl> sysctls, List<Sysctl> hostSysctls, Boolean shareProcessNamespace,
      String corePattern, String ramRoleName) {
    public Security {
      sysctls = Lists.copy(sysctls);
      hostSysctls = Lists.copy(hostSysctls);
    }

    public static final Security NONE = new Security(List.of(), List.of(), null, null, null);

    public record Sysctl(String name, String value) {}
  }

  /** Where images come from: credentials per registry, ACR, insecure registries, caches. */
  public record Images(List<RegistryCredential> credentials, List<AcrRegistry> acrRegistries,
      List<String> plainHttpRegistries, List<String> insecureRegistries, String imageSnapshotId,
      Boolean autoMatchImageCache, String imageAccelerateMode) {
    public Images {
      credentials = Lists.copy(credentials);
      acrRegistries = Lists.copy(acrRegistries);
      plainHttpRegistries = Lists.copy(plainHttpRegistries);
      insecureRegistries = Lists.copy(insecureRegistries);
    }

    public static final Images NONE = new Images(List.of(), List.of(), List.of(), List.of(), null, null, null);

    /** The password is never logged, described or returned. */
    public record RegistryCredential(String server, String userName, String password) {
      @Override
      public String toString() {
        return "RegistryCredential[server=" + server + ", userName=" + userName + ", password=***]";
      }
    }

    public record AcrRegistry(List<String> domains, String instanceName, String instanceId, String regionId,
        String arnService, String arnUser) {
      public AcrRegistry {
        domains = Lists.copy(domains);
      }
    }
  }

  /** Where and how the group is placed and billed: instance type, spot, CPU options, data cache. */
  public record Placement(String instanceType, String resourceGroupId, String spotStrategy, Double spotPriceLimit,
      Integer spotDuration, Boolean strictSpot, String scheduleStrategy, Integer cpuOptionsCore,
      Integer cpuOptionsThreadsPerCore, String cpuOptionsNuma, Integer ephemeralStorage, String osType,
      String cpuArchitecture, List<String> computeCategory, String gpuDriverVersion, Integer maxPendingMinute,
      Boolean containerResourceView, String dataCacheBucket, String dataCachePl, Integer dataCacheProvisionedIops,
      Boolean dataCacheBurstingEnabled) {
    public Placement {
      computeCategory = Lists.copy(computeCategory);
    }

    public static final Placement NONE = new Placement(null, null, null, null, null, null, null, null, null, null,
        null, null, null, List.of(), null, null, null, null, null, null, null);
  }
}
