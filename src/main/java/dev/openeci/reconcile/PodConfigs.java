package dev.openeci.reconcile;

import dev.openeci.group.ContainerPort;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.PodOptions;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import dev.openeci.runtime.CreateContainer;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Pure mapping of a group's pod configuration onto engine settings (docs/pod-config.md): names,
 * DNS, hosts, sysctls and published ports of the sandbox; user, mounts, capabilities and limits
 * of each member. No I/O, so every rule is unit-tested with plain values.
 */
public final class PodConfigs {
  private static final long GiB = 1L << 30;
  /** tmpfs sizes are given to the engine in pages ({@code nr_blocks}); Podman refuses {@code size=}. */
  static final long PAGE = 4096;

  private PodConfigs() {}

  /** HostName if given, else the group name (cut to a 63-character label). */
  public static String hostname(GroupSpec spec) {
    if (spec.dns().hostName() != null) return spec.dns().hostName();
    String h = spec.name().length() > 63 ? spec.name().substring(0, 63) : spec.name();
    while (h.endsWith("-")) h = h.substring(0, h.length() - 1);
    return h;
  }

  /** True when the group asked for a public address (AutoCreateEip or EipInstanceId). */
  public static boolean publishes(GroupSpec spec) {
    return Boolean.TRUE.equals(spec.network().autoCreateEip()) || spec.network().eipInstanceId() != null;
  }

  /** resolv.conf settings. Empty lists leave the engine's defaults (the host's resolv.conf). */
  public record Dns(List<String> servers, List<String> searches, List<String> options) {}

  /**
   * Kubernetes semantics: DnsPolicy None uses only DnsConfig; Default (or unset) starts from the
   * host's resolv.conf and adds DnsConfig's name servers and search domains.
   */
  public static Dns dns(PodOptions.Dns d, List<String> hostServers, List<String> hostSearches) {
    List<String> options = new ArrayList<>();
    for (PodOptions.Dns.Option o : d.options()) options.add(o.value() == null ? o.name() : o.name() + ":" + o.value());
    if ("None".equals(d.dnsPolicy())) return new Dns(d.nameServers(), d.searches(), options);
    List<String> servers = d.nameServers().isEmpty() ? List.of() : merged(hostServers, d.nameServers());
    List<String> searches = d.searches().isEmpty() ? List.of() : merged(hostSearches, d.searches());
    return new Dns(servers, searches, options);
  }

  private static List<String> merged(List<String> a, List<String> b) {
    Set<String> out = new LinkedHashSet<>(a);
    out.addAll(b);
    return List.copyOf(out);
  }

  /** HostAliase as the engine's ExtraHosts ({@code hostname:ip}, one per name). */
  public static List<String> extraHosts(PodOptions.Dns d) {
    List<String> out = new ArrayList<>();
    for (PodOptions.Dns.HostAlias a : d.hostAliases()) {
      for (String h : a.hostnames()) out.add(h + ":" + a.ip());
    }
    return out;
  }

  /** SecurityContext.Sysctl and HostSecurityContext.Sysctl (both namespaced, validated on create). */
  public static Map<String, String> sysctls(PodOptions.Security s) {
    Map<String, String> out = new LinkedHashMap<>();
    for (PodOptions.Security.Sysctl x : s.hostSysctls()) out.put(x.name(), x.value());
    for (PodOptions.Security.Sysctl x : s.sysctls()) out.put(x.name(), x.value());
    return out;
  }

  /** The app containers' ports on {@code address}, host port = container port; none without an EIP. */
  public static List<CreateContainer.PortBinding> ports(GroupSpec spec, String address) {
    if (!publishes(spec)) return List.of();
    Map<String, CreateContainer.PortBinding> out = new LinkedHashMap<>();
    for (ContainerSpec c : spec.containers()) {
      for (ContainerPort p : c.ports()) {
        out.putIfAbsent(p.port() + "/" + p.protocol(),
            new CreateContainer.PortBinding(p.port(), p.protocol(), address, p.port()));
      }
    }
    return List.copyOf(out.values());
  }

  /** The sandbox's namespaces: hostname, resolv.conf, /etc/hosts, sysctls, published ports, PID. */
  public static CreateContainer.Network sandbox(GroupSpec spec, List<String> hostServers, List<String> hostSearches,
      String publishAddress) {
    Dns dns = dns(spec.dns(), hostServers, hostSearches);
    return CreateContainer.Network.own(hostname(spec), ports(spec, publishAddress), dns.servers(), dns.searches(),
        dns.options(), extraHosts(spec.dns()), sysctls(spec.security()), sharePid(spec));
  }

  public static boolean sharePid(GroupSpec spec) {
    return Boolean.TRUE.equals(spec.security().shareProcessNamespace());
  }

  /**
   * The engine user: RunAsUser[:RunAsGroup]; RunAsGroup alone keeps the image's user with that
   * group; null = the image's user.
   */
  public static String user(ContainerSecurity s, String imageUser) {
    if (s.runAsUser() != null) return s.runAsUser() + (s.runAsGroup() == null ? "" : ":" + s.runAsGroup());
    if (s.runAsGroup() == null) return null;
    String base = imageUser == null ? "" : imageUser.split(":", 2)[0];
    return (base.isEmpty() ? "0" : base) + ":" + s.runAsGroup();
  }

  /** Kubelet's RunAsNonRoot check: the reason a container must not start, or empty. */
  public static Optional<String> runAsNonRootViolation(ContainerSecurity s, String imageUser, String pod,
      String container) {
    if (!Boolean.TRUE.equals(s.runAsNonRoot())) return Optional.empty();
    String where = " (pod: \"" + pod + "\", container: " + container + ")";
    if (s.runAsUser() != null) {
      return s.runAsUser() == 0 ? Optional.of("container's runAsUser breaks non-root policy" + where) : Optional.empty();
    }
    String u = imageUser == null ? "" : imageUser.split(":", 2)[0];
    if (u.isEmpty() || u.equals("root") || u.equals("0")) {
      return Optional.of("container has runAsNonRoot and image will run as root" + where);
    }
    if (!u.matches("\\d+")) {
      return Optional.of("container has runAsNonRoot and image has non-numeric user (" + u
          + "), cannot verify user is non-root" + where);
    }
    return Optional.empty();
  }

  /**
   * A group volume as the engine sees it: a host directory bound in ({@code bind}) or a named
   * engine volume ({@code volume}). {@code hostDir} is where its files are on the engine host
   * (SubPath resolves under it); {@code readOnly} forces every mount read-only (ConfigFile, NFS
   * ReadOnly).
   */
  public record Volume(String kind, String source, String hostDir, boolean readOnly) {
    public static Volume bind(String hostDir, boolean readOnly) {
      return new Volume("bind", hostDir, hostDir, readOnly);
    }

    public static Volume engine(String name, String mountpoint, boolean readOnly) {
      return new Volume("volume", name, mountpoint, readOnly);
    }
  }

  /**
   * A container's VolumeMounts as engine mounts. A SubPath mount's source is the server-owned path
   * where {@link PodVolumes#subPaths} bind-mounted the resolved sub-path ({@code subPaths}, by the
   * mount's index), never the volume's directory joined with the sub-path: a container can plant
   * links in its volume (docs/security.md).
   */
  public static List<CreateContainer.Mount> mounts(ContainerSpec c, Map<String, Volume> volumes,
      Map<Integer, String> subPaths) {
    List<CreateContainer.Mount> out = new ArrayList<>();
    for (int i = 0; i < c.volumeMounts().size(); i++) {
      VolumeMount m = c.volumeMounts().get(i);
      Volume v = volumes.get(m.name());
      if (v == null) throw new IllegalArgumentException("volume " + m.name() + " was not prepared");
      boolean ro = m.readOnly() || v.readOnly();
      String propagation = propagation(m.mountPropagation());
      if (m.subPath() != null) {
        String source = subPaths.get(i);
        if (source == null) throw new IllegalArgumentException("subPath of mount " + i + " was not prepared");
        out.add(new CreateContainer.Mount("bind", source, m.mountPath(), ro, 0, propagation));
      } else if (v.kind().equals("bind")) {
        out.add(new CreateContainer.Mount("bind", v.source(), m.mountPath(), ro, 0, propagation));
      } else {
        out.add(new CreateContainer.Mount("volume", v.source(), m.mountPath(), ro, 0, null));
      }
    }
    return out;
  }

  /** MountPropagation: None = private, HostToContainer = rslave, Bidirectional = rshared. */
  static String propagation(String p) {
    if (p == null) return null;
    return switch (p) {
      case "HostToContainer" -> "rslave";
      case "Bidirectional" -> "rshared";
      default -> null;
    };
  }

  /** CPU limit: the container's Cpu, else the group's (a container never exceeds its group). */
  public static long nanoCpus(ContainerSpec c, GroupSpec g) {
    double cpu = c.cpu() != null && c.cpu() > 0 ? c.cpu() : g.cpu();
    return Math.round(cpu * 1e9);
  }

  /** Memory limit: the container's Memory, else the group's. */
  public static long memoryBytes(ContainerSpec c, GroupSpec g) {
    double mem = c.memory() != null && c.memory() > 0 ? c.memory() : g.memory();
    return Math.round(mem * GiB);
  }

  /** A Kubernetes quantity ("64Mi", "1Gi", "500M", "1024") in bytes. */
  public static long bytes(String quantity) {
    return dev.openeci.group.Quantities.bytes(quantity);
  }

  /**
   * Engine volume options of a Medium=Memory EmptyDir: tmpfs of SizeLimit, else of the group's
   * memory, and never more than the group's memory (its pages are memory the group uses).
   */
  public static Map<String, String> tmpfsOptions(VolumeSpec.EmptyDir e, GroupSpec g) {
    long groupBytes = Math.max(PAGE, Math.round(g.memory() * GiB));
    long size = e.sizeLimit() != null ? Math.min(bytes(e.sizeLimit()), groupBytes) : groupBytes;
    long pages = Math.max(1, (size + PAGE - 1) / PAGE);
    return Map.of("type", "tmpfs", "device", "tmpfs", "o", "nr_blocks=" + pages);
  }

  /** Engine volume options of an NFSVolume (the engine host's kernel mounts it). */
  public static Map<String, String> nfsOptions(VolumeSpec.Nfs n) {
    return Map.of("type", "nfs", "device", ":" + n.path(), "o", "addr=" + n.server() + (n.readOnly() ? ",ro" : ""));
  }

  /** File mode of a ConfigFile file: its Mode, else the volume's DefaultMode, else 0644. */
  public static int fileMode(VolumeSpec.ConfigFile v, VolumeSpec.ConfigFile.File f) {
    if (f.mode() != null) return f.mode();
    if (v.defaultMode() != null) return v.defaultMode();
    return 0644;
  }

  /** Engine volume name of a group volume (not a DiskVolume with a DiskId: see {@link #diskVolumeName}). */
  public static String volumeName(String groupId, VolumeSpec v) {
    return "openeci-" + groupId + "-" + v.name();
  }

  /**
   * Engine volume name of a DiskVolume with a DiskId: one per (openeci instance, account, region,
   * DiskId), kept after the group is deleted. DiskIds are only unique within an account: another
   * account's {@code d-1} is another disk, and so is the same account name's {@code d-1} on another
   * openeci server sharing the engine. The scope enters as a hash (engine names allow few characters).
   */
  public static String diskVolumeName(String owner, String accountId, String regionId, String diskId) {
    return "openeci-disk-" + scope(owner, accountId, regionId) + "-" + diskId;
  }

  /** 16 hex digits naming (instance, account, region) in engine object names. */
  public static String scope(String owner, String accountId, String regionId) {
    try {
      byte[] h = java.security.MessageDigest.getInstance("SHA-256")
          .digest((owner + "\n" + accountId + "\n" + regionId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(h, 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
