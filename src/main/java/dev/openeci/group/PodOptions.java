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
    public static final Network NONE = builder().build();

    /** A builder: fields not set keep their defaults (empty lists, null, false, 0). */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder holding this network settings, to change a few fields. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.securityGroupId = securityGroupId;
      b.vSwitchId = vSwitchId;
      b.eipInstanceId = eipInstanceId;
      b.autoCreateEip = autoCreateEip;
      b.eipBandwidth = eipBandwidth;
      b.eipIsp = eipIsp;
      b.eipCommonBandwidthPackage = eipCommonBandwidthPackage;
      b.ingressBandwidth = ingressBandwidth;
      b.egressBandwidth = egressBandwidth;
      b.ipv6AddressCount = ipv6AddressCount;
      b.ipv6GatewayBandwidthEnable = ipv6GatewayBandwidthEnable;
      b.ipv6GatewayBandwidth = ipv6GatewayBandwidth;
      b.fixedIp = fixedIp;
      b.fixedIpRetainHour = fixedIpRetainHour;
      b.privateIpAddress = privateIpAddress;
      return b;
    }

    /** Builds a {@link Network} by field name instead of position. */
    public static final class Builder {
      private String securityGroupId;
      private String vSwitchId;
      private String eipInstanceId;
      private Boolean autoCreateEip;
      private Integer eipBandwidth;
      private String eipIsp;
      private String eipCommonBandwidthPackage;
      private Long ingressBandwidth;
      private Long egressBandwidth;
      private Integer ipv6AddressCount;
      private Boolean ipv6GatewayBandwidthEnable;
      private String ipv6GatewayBandwidth;
      private String fixedIp;
      private Integer fixedIpRetainHour;
      private String privateIpAddress;

      private Builder() {
      }

      public Builder securityGroupId(String securityGroupId) {
        this.securityGroupId = securityGroupId;
        return this;
      }

      public Builder vSwitchId(String vSwitchId) {
        this.vSwitchId = vSwitchId;
        return this;
      }

      public Builder eipInstanceId(String eipInstanceId) {
        this.eipInstanceId = eipInstanceId;
        return this;
      }

      public Builder autoCreateEip(Boolean autoCreateEip) {
        this.autoCreateEip = autoCreateEip;
        return this;
      }

      public Builder eipBandwidth(Integer eipBandwidth) {
        this.eipBandwidth = eipBandwidth;
        return this;
      }

      public Builder eipIsp(String eipIsp) {
        this.eipIsp = eipIsp;
        return this;
      }

      public Builder eipCommonBandwidthPackage(String eipCommonBandwidthPackage) {
        this.eipCommonBandwidthPackage = eipCommonBandwidthPackage;
        return this;
      }

      public Builder ingressBandwidth(Long ingressBandwidth) {
        this.ingressBandwidth = ingressBandwidth;
        return this;
      }

      public Builder egressBandwidth(Long egressBandwidth) {
        this.egressBandwidth = egressBandwidth;
        return this;
      }

      public Builder ipv6AddressCount(Integer ipv6AddressCount) {
        this.ipv6AddressCount = ipv6AddressCount;
        return this;
      }

      public Builder ipv6GatewayBandwidthEnable(Boolean ipv6GatewayBandwidthEnable) {
        this.ipv6GatewayBandwidthEnable = ipv6GatewayBandwidthEnable;
        return this;
      }

      public Builder ipv6GatewayBandwidth(String ipv6GatewayBandwidth) {
        this.ipv6GatewayBandwidth = ipv6GatewayBandwidth;
        return this;
      }

      public Builder fixedIp(String fixedIp) {
        this.fixedIp = fixedIp;
        return this;
      }

      public Builder fixedIpRetainHour(Integer fixedIpRetainHour) {
        this.fixedIpRetainHour = fixedIpRetainHour;
        return this;
      }

      public Builder privateIpAddress(String privateIpAddress) {
        this.privateIpAddress = privateIpAddress;
        return this;
      }

      public Network build() {
        return new Network(securityGroupId, vSwitchId, eipInstanceId, autoCreateEip, eipBandwidth, eipIsp,
            eipCommonBandwidthPackage, ingressBandwidth, egressBandwidth, ipv6AddressCount,
            ipv6GatewayBandwidthEnable, ipv6GatewayBandwidth, fixedIp, fixedIpRetainHour, privateIpAddress);
      }
    }
  }

  /** Pod security: sysctls (namespaced and host), a shared PID namespace, core pattern, RAM role. */
  public record Security(List<Sysctl> sysctls, List<Sysctl> hostSysctls, Boolean shareProcessNamespace,
      String corePattern, String ramRoleName) {
    public Security {
      sysctls = Lists.copy(sysctls);
      hostSysctls = Lists.copy(hostSysctls);
    }

    public static final Security NONE = builder().build();

    /** A builder: fields not set keep their defaults (empty lists, null, false, 0). */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder holding this security settings, to change a few fields. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.sysctls = sysctls;
      b.hostSysctls = hostSysctls;
      b.shareProcessNamespace = shareProcessNamespace;
      b.corePattern = corePattern;
      b.ramRoleName = ramRoleName;
      return b;
    }

    /** Builds a {@link Security} by field name instead of position. */
    public static final class Builder {
      private List<Sysctl> sysctls = List.of();
      private List<Sysctl> hostSysctls = List.of();
      private Boolean shareProcessNamespace;
      private String corePattern;
      private String ramRoleName;

      private Builder() {
      }

      public Builder sysctls(List<Sysctl> sysctls) {
        this.sysctls = sysctls;
        return this;
      }

      public Builder hostSysctls(List<Sysctl> hostSysctls) {
        this.hostSysctls = hostSysctls;
        return this;
      }

      public Builder shareProcessNamespace(Boolean shareProcessNamespace) {
        this.shareProcessNamespace = shareProcessNamespace;
        return this;
      }

      public Builder corePattern(String corePattern) {
        this.corePattern = corePattern;
        return this;
      }

      public Builder ramRoleName(String ramRoleName) {
        this.ramRoleName = ramRoleName;
        return this;
      }

      public Security build() {
        return new Security(sysctls, hostSysctls, shareProcessNamespace, corePattern, ramRoleName);
      }
    }

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

    public static final Images NONE = builder().build();

    /** A builder: fields not set keep their defaults (empty lists, null, false, 0). */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder holding this image settings, to change a few fields. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.credentials = credentials;
      b.acrRegistries = acrRegistries;
      b.plainHttpRegistries = plainHttpRegistries;
      b.insecureRegistries = insecureRegistries;
      b.imageSnapshotId = imageSnapshotId;
      b.autoMatchImageCache = autoMatchImageCache;
      b.imageAccelerateMode = imageAccelerateMode;
      return b;
    }

    /** Builds a {@link Images} by field name instead of position. */
    public static final class Builder {
      private List<RegistryCredential> credentials = List.of();
      private List<AcrRegistry> acrRegistries = List.of();
      private List<String> plainHttpRegistries = List.of();
      private List<String> insecureRegistries = List.of();
      private String imageSnapshotId;
      private Boolean autoMatchImageCache;
      private String imageAccelerateMode;

      private Builder() {
      }

      public Builder credentials(List<RegistryCredential> credentials) {
        this.credentials = credentials;
        return this;
      }

      public Builder acrRegistries(List<AcrRegistry> acrRegistries) {
        this.acrRegistries = acrRegistries;
        return this;
      }

      public Builder plainHttpRegistries(List<String> plainHttpRegistries) {
        this.plainHttpRegistries = plainHttpRegistries;
        return this;
      }

      public Builder insecureRegistries(List<String> insecureRegistries) {
        this.insecureRegistries = insecureRegistries;
        return this;
      }

      public Builder imageSnapshotId(String imageSnapshotId) {
        this.imageSnapshotId = imageSnapshotId;
        return this;
      }

      public Builder autoMatchImageCache(Boolean autoMatchImageCache) {
        this.autoMatchImageCache = autoMatchImageCache;
        return this;
      }

      public Builder imageAccelerateMode(String imageAccelerateMode) {
        this.imageAccelerateMode = imageAccelerateMode;
        return this;
      }

      public Images build() {
        return new Images(credentials, acrRegistries, plainHttpRegistries, insecureRegistries, imageSnapshotId,
            autoMatchImageCache, imageAccelerateMode);
      }
    }

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

    public static final Placement NONE = builder().build();

    /** A builder: fields not set keep their defaults (empty lists, null, false, 0). */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder holding this placement, to change a few fields. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.instanceType = instanceType;
      b.resourceGroupId = resourceGroupId;
      b.spotStrategy = spotStrategy;
      b.spotPriceLimit = spotPriceLimit;
      b.spotDuration = spotDuration;
      b.strictSpot = strictSpot;
      b.scheduleStrategy = scheduleStrategy;
      b.cpuOptionsCore = cpuOptionsCore;
      b.cpuOptionsThreadsPerCore = cpuOptionsThreadsPerCore;
      b.cpuOptionsNuma = cpuOptionsNuma;
      b.ephemeralStorage = ephemeralStorage;
      b.osType = osType;
      b.cpuArchitecture = cpuArchitecture;
      b.computeCategory = computeCategory;
      b.gpuDriverVersion = gpuDriverVersion;
      b.maxPendingMinute = maxPendingMinute;
      b.containerResourceView = containerResourceView;
      b.dataCacheBucket = dataCacheBucket;
      b.dataCachePl = dataCachePl;
      b.dataCacheProvisionedIops = dataCacheProvisionedIops;
      b.dataCacheBurstingEnabled = dataCacheBurstingEnabled;
      return b;
    }

    /** Builds a {@link Placement} by field name instead of position. */
    public static final class Builder {
      private String instanceType;
      private String resourceGroupId;
      private String spotStrategy;
      private Double spotPriceLimit;
      private Integer spotDuration;
      private Boolean strictSpot;
      private String scheduleStrategy;
      private Integer cpuOptionsCore;
      private Integer cpuOptionsThreadsPerCore;
      private String cpuOptionsNuma;
      private Integer ephemeralStorage;
      private String osType;
      private String cpuArchitecture;
      private List<String> computeCategory = List.of();
      private String gpuDriverVersion;
      private Integer maxPendingMinute;
      private Boolean containerResourceView;
      private String dataCacheBucket;
      private String dataCachePl;
      private Integer dataCacheProvisionedIops;
      private Boolean dataCacheBurstingEnabled;

      private Builder() {
      }

      public Builder instanceType(String instanceType) {
        this.instanceType = instanceType;
        return this;
      }

      public Builder resourceGroupId(String resourceGroupId) {
        this.resourceGroupId = resourceGroupId;
        return this;
      }

      public Builder spotStrategy(String spotStrategy) {
        this.spotStrategy = spotStrategy;
        return this;
      }

      public Builder spotPriceLimit(Double spotPriceLimit) {
        this.spotPriceLimit = spotPriceLimit;
        return this;
      }

      public Builder spotDuration(Integer spotDuration) {
        this.spotDuration = spotDuration;
        return this;
      }

      public Builder strictSpot(Boolean strictSpot) {
        this.strictSpot = strictSpot;
        return this;
      }

      public Builder scheduleStrategy(String scheduleStrategy) {
        this.scheduleStrategy = scheduleStrategy;
        return this;
      }

      public Builder cpuOptionsCore(Integer cpuOptionsCore) {
        this.cpuOptionsCore = cpuOptionsCore;
        return this;
      }

      public Builder cpuOptionsThreadsPerCore(Integer cpuOptionsThreadsPerCore) {
        this.cpuOptionsThreadsPerCore = cpuOptionsThreadsPerCore;
        return this;
      }

      public Builder cpuOptionsNuma(String cpuOptionsNuma) {
        this.cpuOptionsNuma = cpuOptionsNuma;
        return this;
      }

      public Builder ephemeralStorage(Integer ephemeralStorage) {
        this.ephemeralStorage = ephemeralStorage;
        return this;
      }

      public Builder osType(String osType) {
        this.osType = osType;
        return this;
      }

      public Builder cpuArchitecture(String cpuArchitecture) {
        this.cpuArchitecture = cpuArchitecture;
        return this;
      }

      public Builder computeCategory(List<String> computeCategory) {
        this.computeCategory = computeCategory;
        return this;
      }

      public Builder gpuDriverVersion(String gpuDriverVersion) {
        this.gpuDriverVersion = gpuDriverVersion;
        return this;
      }

      public Builder maxPendingMinute(Integer maxPendingMinute) {
        this.maxPendingMinute = maxPendingMinute;
        return this;
      }

      public Builder containerResourceView(Boolean containerResourceView) {
        this.containerResourceView = containerResourceView;
        return this;
      }

      public Builder dataCacheBucket(String dataCacheBucket) {
        this.dataCacheBucket = dataCacheBucket;
        return this;
      }

      public Builder dataCachePl(String dataCachePl) {
        this.dataCachePl = dataCachePl;
        return this;
      }

      public Builder dataCacheProvisionedIops(Integer dataCacheProvisionedIops) {
        this.dataCacheProvisionedIops = dataCacheProvisionedIops;
        return this;
      }

      public Builder dataCacheBurstingEnabled(Boolean dataCacheBurstingEnabled) {
        this.dataCacheBurstingEnabled = dataCacheBurstingEnabled;
        return this;
      }

      public Placement build() {
        return new Placement(instanceType, resourceGroupId, spotStrategy, spotPriceLimit, spotDuration, strictSpot,
            scheduleStrategy, cpuOptionsCore, cpuOptionsThreadsPerCore, cpuOptionsNuma, ephemeralStorage, osType,
            cpuArchitecture, computeCategory, gpuDriverVersion, maxPendingMinute, containerResourceView,
            dataCacheBucket, dataCachePl, dataCacheProvisionedIops, dataCacheBurstingEnabled);
      }
    }
  }
}
