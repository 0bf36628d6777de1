package dev.openeci.api.mapping;

import static dev.openeci.api.mapping.CreateRequestMapper.emptyToNull;
import static dev.openeci.api.mapping.CreateRequestMapper.nonNegative;
import static dev.openeci.api.mapping.CreateRequestMapper.oneOf;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.PodOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Reads and validates the group-level options ({@link PodOptions}), including dependent fields. */
final class Options {
  static final Pattern IPV4 = Pattern.compile("((25[0-5]|2[0-4]\\d|1?\\d?\\d)\\.){3}(25[0-5]|2[0-4]\\d|1?\\d?\\d)");
  /** Sysctls that live in a container's own namespaces (and so may be set per group). */
  static final Set<String> NAMESPACED_KERNEL = Set.of("kernel.shm_rmid_forced", "kernel.msgmax", "kernel.msgmnb",
      "kernel.msgmni", "kernel.sem", "kernel.shmall", "kernel.shmmax", "kernel.shmmni");

  /** Seed: VSwitchId takes up to 10 comma-separated IDs. */
  static final int MAX_VSWITCHES = 10;
  /** Seed: DataCacheProvisionedIops is 0 to min{50000, ...}. */
  static final int MAX_PROVISIONED_IOPS = 50000;

  private Options() {}

  /**
   * DNS settings end up as lines of the group's resolv.conf and /etc/hosts: every value is checked
   * for its own syntax (IP literals, RFC 1123 host names, {@code name[:value]} options), so none can
   * add a line of its own.
   */
  static PodOptions.Dns dns(ParamReader p) {
    String policy = oneOf(p, "DnsPolicy", List.of("None", "Default"));
    List<String> servers = p.strings("DnsConfig.NameServer");
    Text.requireAtMost("DnsConfig.NameServer", servers, Text.MAX_NAME_SERVERS);
    for (int i = 0; i < servers.size(); i++) ip(p, "DnsConfig.NameServer." + (i + 1), servers.get(i));
    List<String> searches = p.strings("DnsConfig.Search");
    Text.requireAtMost("DnsConfig.Search", searches, Text.MAX_SEARCHES);
    for (int i = 0; i < searches.size(); i++) Text.requireHostname(p.path("DnsConfig.Search." + (i + 1)), searches.get(i));
    List<PodOptions.Dns.Option> options = new ArrayList<>();
    List<ParamReader> optionParams = p.list("DnsConfig.Option");
    Text.requireAtMost("DnsConfig.Option", optionParams, Text.MAX_DNS_OPTIONS);
    for (ParamReader o : optionParams) {
      String name = o.required("Name");
      if (!Text.DNS_OPTION_NAME.matcher(name).matches()) {
        throw ErrorCode.invalid(o.path("Name"), "\"" + Text.printable(name) + "\" is not a resolver option name"
            + " (1-32 letters, digits, '-' and '_', e.g. ndots, timeout, rotate)");
      }
      String value = emptyToNull(o.string("Value"));
      if (value != null && !Text.DNS_OPTION_VALUE.matcher(value).matches()) {
        throw ErrorCode.invalid(o.path("Value"), "\"" + Text.printable(value) + "\" is not a resolver option value"
            + " (1-32 letters, digits, '.', '-' and '_')");
      }
      options.add(new PodOptions.Dns.Option(name, value));
    }
    List<PodOptions.Dns.HostAlias> aliases = new ArrayList<>();
    List<ParamReader> aliasParams = p.list("HostAliase");
    Text.requireAtMost("HostAliase", aliasParams, Text.MAX_HOST_ALIASES);
    for (ParamReader a : aliasParams) {
      String ip = a.required("Ip");
      ip(a, "Ip", ip);
      List<String> names = a.strings("Hostname");
      if (names.isEmpty()) throw ErrorCode.missing(a.path("Hostname.1"));
      Text.requireAtMost(a.path("Hostname"), names, Text.MAX_HOSTNAMES_PER_ALIAS);
      for (int i = 0; i < names.size(); i++) Text.requireHostname(a.path("Hostname." + (i + 1)), names.get(i));
      aliases.add(new PodOptions.Dns.HostAlias(ip, names));
    }
    String hostName = emptyToNull(p.string("HostName"));
    if (hostName != null && (hostName.length() > 64 || hostName.endsWith(".") || !Text.hostname(hostName))) {
      throw ErrorCode.invalid("HostName", "\"" + Text.printable(hostName) + "\" is not a valid host name (at most 64"
          + " letters, digits, dots and hyphens; RFC 1123 labels)");
    }
    List<String> ntp = p.strings("NtpServer");
    Text.requireAtMost("NtpServer", ntp, Text.MAX_NAME_SERVERS * 2);
    for (int i = 0; i < ntp.size(); i++) {
      if (!Text.ip(ntp.get(i)) && !Text.hostname(ntp.get(i))) {
        throw ErrorCode.invalid(p.path("NtpServer." + (i + 1)), "\"" + Text.printable(ntp.get(i))
            + "\" is neither an IP address nor a host name");
      }
    }
    return new PodOptions.Dns(policy, servers, searches, options, aliases, hostName, ntp);
  }

  static PodOptions.Network network(ParamReader p) {
    Boolean autoEip = p.bool("AutoCreateEip");
    String eipId = emptyToNull(p.string("EipInstanceId"));
    if (eipId != null && Boolean.TRUE.equals(autoEip)) {
      throw ErrorCode.invalid("EipInstanceId", "cannot be combined with AutoCreateEip=true");
    }
    Integer eipBandwidth = p.integer("EipBandwidth");
    if (eipBandwidth != null && (eipBandwidth < 1 || eipBandwidth > 200)) {
      throw ErrorCode.invalid("EipBandwidth", "must be 1-200 Mbps, got " + eipBandwidth);
    }
    String isp = oneOf(p, "EipISP", List.of("BGP", "BGP_PRO"));
    String cbwp = emptyToNull(p.string("EipCommonBandwidthPackage"));
    if (!Boolean.TRUE.equals(autoEip)) {
      for (String dep : List.of("EipBandwidth", "EipISP", "EipCommonBandwidthPackage")) {
        if (emptyToNull(p.string(dep)) != null) throw ErrorCode.invalid(dep, "requires AutoCreateEip=true");
      }
    }
    Long ingress = p.longValue("IngressBandwidth");
    Long egress = p.longValue("EgressBandwidth");
    if (ingress != null && ingress < 0) throw ErrorCode.invalid("IngressBandwidth", "must be >= 0, got " + ingress);
    if (egress != null && egress < 0) throw ErrorCode.invalid("EgressBandwidth", "must be >= 0, got " + egress);
    Integer ipv6 = nonNegative(p, "Ipv6AddressCount");
    if (ipv6 != null && ipv6 > 1) throw ErrorCode.invalid("Ipv6AddressCount", "must be 0 or 1, got " + ipv6);
    Boolean ipv6Gw = p.bool("Ipv6GatewayBandwidthEnable");
    String ipv6GwBw = emptyToNull(p.string("Ipv6GatewayBandwidth"));
    if (ipv6GwBw != null && !Boolean.TRUE.equals(ipv6Gw)) {
      throw ErrorCode.invalid("Ipv6GatewayBandwidth", "requires Ipv6GatewayBandwidthEnable=true");
    }
    if (ipv6GwBw != null && (!ipv6GwBw.matches("[1-9]\\d{0,3}") || Integer.parseInt(ipv6GwBw) > 1000)) {
      // Seed: 1-200 (free), 1-500 (enterprise), 1-1000 (enhanced enterprise) Mbps; the widest range is taken.
      throw ErrorCode.invalid("Ipv6GatewayBandwidth", "\"" + Text.printable(ipv6GwBw) + "\" must be 1-1000 (Mbps)");
    }
    String fixedIp = emptyToNull(p.string("FixedIp"));
    if (fixedIp != null && !fixedIp.equalsIgnoreCase("true") && !fixedIp.equalsIgnoreCase("false")) {
      throw ErrorCode.invalid("FixedIp", "\"" + fixedIp + "\" must be true or false");
    }
    Integer retain = nonNegative(p, "FixedIpRetainHour");
    if (retain != null && !"true".equalsIgnoreCase(fixedIp)) {
      throw ErrorCode.invalid("FixedIpRetainHour", "requires FixedIp=true");
    }
    String privateIp = emptyToNull(p.string("PrivateIpAddress"));
    if (privateIp != null && !IPV4.matcher(privateIp).matches()) {
      throw ErrorCode.invalid("PrivateIpAddress", "\"" + privateIp + "\" is not an IPv4 address");
    }
    String vswitches = emptyToNull(p.string("VSwitchId"));
    if (vswitches != null && vswitches.split(",", -1).length > MAX_VSWITCHES) {
      // Seed: "up to 10 vSwitch IDs, separated by commas".
      throw ErrorCode.invalid("VSwitchId", "at most " + MAX_VSWITCHES + " comma-separated vSwitch IDs, got "
          + vswitches.split(",", -1).length);
    }
    return new PodOptions.Network(emptyToNull(p.string("SecurityGroupId")), vswitches, eipId,
        autoEip, eipBandwidth, isp, cbwp, ingress, egress, ipv6, ipv6Gw, ipv6GwBw, fixedIp, retain, privateIp);
  }

  static PodOptions.Security security(ParamReader p) {
    List<PodOptions.Security.Sysctl> sysctls = sysctls(p, "SecurityContext.Sysctl", true);
    List<PodOptions.Security.Sysctl> host = sysctls(p, "HostSecurityContext.Sysctl", false);
    return new PodOptions.Security(sysctls, host, p.bool("ShareProcessNamespace"),
        corePattern(p), emptyToNull(p.string("RamRoleName")));
  }

  /** Seed: "the path cannot start with |": a core pattern may not pipe dumps into a program. */
  private static String corePattern(ParamReader p) {
    String v = emptyToNull(p.string("CorePattern"));
    if (v != null && v.startsWith("|")) {
      throw ErrorCode.invalid("CorePattern", "\"" + Text.printable(v) + "\" must not start with \"|\" (no program"
          + " may receive core dumps; give a directory)");
    }
    return v;
  }

  private static List<PodOptions.Security.Sysctl> sysctls(ParamReader p, String prefix, boolean namespacedOnly) {
    List<PodOptions.Security.Sysctl> out = new ArrayList<>();
    for (ParamReader s : p.list(prefix)) {
      String name = s.required("Name");
      if (!name.matches("[a-z0-9_]+(\\.[a-z0-9_*-]+)+")) {
        throw ErrorCode.invalid(s.path("Name"), "\"" + name + "\" is not a sysctl name");
      }
      if (namespacedOnly && !namespaced(name)) {
        throw ErrorCode.invalid(s.path("Name"), "\"" + name + "\" is not a namespaced sysctl (allowed: net.*,"
            + " fs.mqueue.*, " + String.join(", ", NAMESPACED_KERNEL.stream().sorted().toList()) + ")");
      }
      String value = s.string("Value");
      if (value == null) throw ErrorCode.missing(s.path("Value"));
      out.add(new PodOptions.Security.Sysctl(name, value));
    }
    return out;
  }

  static boolean namespaced(String sysctl) {
    return sysctl.startsWith("net.") || sysctl.startsWith("fs.mqueue.") || NAMESPACED_KERNEL.contains(sysctl);
  }

  static PodOptions.Images images(ParamReader p) {
    List<PodOptions.Images.RegistryCredential> creds = new ArrayList<>();
    for (ParamReader c : p.list("ImageRegistryCredential")) {
      String server = c.required("Server");
      if (server.contains("://")) {
        // UpdateContainerGroup seed: "The address of the image repository. This address does not contain http:// or https://."
        throw ErrorCode.invalid(c.path("Server"), "\"" + Text.printable(server) + "\" must be a registry address"
            + " without a scheme (no http:// or https://)");
      }
      String user = emptyToNull(c.string("UserName"));
      String password = c.string("Password");
      if (user == null) throw ErrorCode.missing(c.path("UserName"));
      if (password == null || password.isEmpty()) throw ErrorCode.missing(c.path("Password"));
      creds.add(new PodOptions.Images.RegistryCredential(server, user, password));
    }
    List<PodOptions.Images.AcrRegistry> acr = new ArrayList<>();
    for (ParamReader a : p.list("AcrRegistryInfo")) {
      acr.add(new PodOptions.Images.AcrRegistry(a.strings("Domain"), emptyToNull(a.string("InstanceName")),
          a.required("InstanceId"), emptyToNull(a.string("RegionId")), emptyToNull(a.string("ArnService")),
          emptyToNull(a.string("ArnUser"))));
    }
    return new PodOptions.Images(creds, acr, csv(p.string("PlainHttpRegistry")), csv(p.string("InsecureRegistry")),
        emptyToNull(p.string("ImageSnapshotId")), p.bool("AutoMatchImageCache"),
        oneOf(p, "ImageAccelerateMode", List.of("nydus", "dadi", "p2p", "imc")));
  }

  static List<String> csv(String s) {
    List<String> out = new ArrayList<>();
    if (s == null) return out;
    for (String part : s.split(",")) {
      if (!part.isBlank()) out.add(part.trim());
    }
    return out;
  }

  static PodOptions.Placement placement(ParamReader p) {
    String spot = oneOf(p, "SpotStrategy", List.of("NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"));
    Double priceLimit = p.decimal("SpotPriceLimit");
    if (priceLimit != null) {
      if (!"SpotWithPriceLimit".equals(spot)) throw ErrorCode.invalid("SpotPriceLimit", "requires SpotStrategy=SpotWithPriceLimit");
      if (priceLimit <= 0) throw ErrorCode.invalid("SpotPriceLimit", "must be > 0, got " + priceLimit);
      // Seed: "a decimal with up to 3 digits after the point".
      if (new java.math.BigDecimal(p.string("SpotPriceLimit").trim()).stripTrailingZeros().scale() > 3) {
        throw ErrorCode.invalid("SpotPriceLimit", "at most 3 decimal places, got " + p.string("SpotPriceLimit"));
      }
    } else if ("SpotWithPriceLimit".equals(spot)) {
      // Seed: "required when SpotStrategy is SpotWithPriceLimit".
      throw ErrorCode.missing("SpotPriceLimit");
    }
    boolean isSpot = spot != null && !spot.equals("NoSpot");
    Integer duration = p.integer("SpotDuration");
    if (duration != null) {
      if (!isSpot) throw ErrorCode.invalid("SpotDuration", "requires a spot SpotStrategy");
      if (duration != 0 && duration != 1) throw ErrorCode.invalid("SpotDuration", "must be 0 or 1, got " + duration);
    }
    Boolean strict = p.bool("StrictSpot");
    if (strict != null && !isSpot) throw ErrorCode.invalid("StrictSpot", "requires a spot SpotStrategy");
    Integer cores = p.integer("CpuOptionsCore");
    if (cores != null && cores < 1) throw ErrorCode.invalid("CpuOptionsCore", "must be >= 1, got " + cores);
    Integer threads = p.integer("CpuOptionsThreadsPerCore");
    if (threads != null && threads != 1 && threads != 2) {
      throw ErrorCode.invalid("CpuOptionsThreadsPerCore", "must be 1 or 2, got " + threads);
    }
    Integer storage = p.integer("EphemeralStorage");
    if (storage != null && (storage < 1 || storage > 2048)) {
      throw ErrorCode.invalid("EphemeralStorage", "must be 1-2048 GiB, got " + storage);
    }
    List<String> categories = p.strings("ComputeCategory");
    for (int i = 0; i < categories.size(); i++) {
      if (!List.of("economy", "general").contains(categories.get(i))) {
        throw CreateRequestMapper.notOneOf("ComputeCategory." + (i + 1), categories.get(i), List.of("economy", "general"));
      }
    }
    Integer maxPending = p.integer("MaxPendingMinute");
    if (maxPending != null && (maxPending < 10 || maxPending > 1440)) {
      throw ErrorCode.invalid("MaxPendingMinute", "must be 10-1440, got " + maxPending);
    }
    String bucket = emptyToNull(p.string("DataCacheBucket"));
    String pl = oneOf(p, "DataCachePL", List.of("PL0", "PL1", "PL2", "PL3"));
    Integer iops = nonNegative(p, "DataCacheProvisionedIops");
    if (iops != null && iops > MAX_PROVISIONED_IOPS) {
      throw ErrorCode.invalid("DataCacheProvisionedIops", "must be 0-" + MAX_PROVISIONED_IOPS + ", got " + iops);
    }
    Boolean bursting = p.bool("DataCacheBurstingEnabled");
    if (bucket == null) {
      for (String dep : List.of("DataCachePL", "DataCacheProvisionedIops", "DataCacheBurstingEnabled")) {
        if (emptyToNull(p.string(dep)) != null) throw ErrorCode.invalid(dep, "requires DataCacheBucket");
      }
    }
    return new PodOptions.Placement(emptyToNull(p.string("InstanceType")), emptyToNull(p.string("ResourceGroupId")), spot,
        priceLimit, duration, strict, oneOf(p, "ScheduleStrategy", List.of("VSwitchOrdered", "VSwitchRandom")), cores,
        threads, emptyToNull(p.string("CpuOptionsNuma")), storage, oneOf(p, "OsType", List.of("Linux", "Windows")),
        oneOf(p, "CpuArchitecture", List.of("AMD64", "ARM64")), categories, emptyToNull(p.string("GpuDriverVersion")),
        maxPending, p.bool("ContainerResourceView"), bucket, pl, iops, bursting);
  }

  private static void ip(ParamReader p, String param, String value) {
    Text.requireIp(p.path(param), value);
  }
}
