package dev.openeci.backend.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.api.mapping.PodRules;
import dev.openeci.config.Capabilities;
import dev.openeci.group.Action;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerPort;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.PodOptions;
import dev.openeci.group.Probe;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.ExecAction;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HTTPGetActionBuilder;
import io.fabric8.kubernetes.api.model.HTTPHeader;
import io.fabric8.kubernetes.api.model.HostAlias;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.LifecycleHandler;
import io.fabric8.kubernetes.api.model.LifecycleHandlerBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodDNSConfig;
import io.fabric8.kubernetes.api.model.PodDNSConfigOption;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import io.fabric8.kubernetes.api.model.Sysctl;
import io.fabric8.kubernetes.api.model.TCPSocketAction;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pure mapping of a stored container group onto Kubernetes objects (issue 11 item 2;
 * docs/kubernetes.md "What each parameter does on Kubernetes"). No client, no I/O: every rule is
 * unit-tested with plain values ({@code PodMapperTest}).
 *
 * <ul>
 *   <li>{@link #map}: the objects to create (validates first, so it throws the same
 *       {@link ApiException}s as {@link #validate});
 *   <li>{@link #validate}: what this backend refuses, called at create/update (and DryRun) before
 *       anything is stored;
 *   <li>{@link #imageOnlyChange}: whether an update can be patched into the running Pod.
 * </ul>
 */
public final class PodMapper {
  private PodMapper() {}

  /** The extended resource of NVIDIA's device plugin. */
  public static final String GPU_RESOURCE = "nvidia.com/gpu";
  /** Size of a DiskVolume claim without DiskSize and of a FlexVolume claim (ECI's smallest cloud disk). */
  public static final int DEFAULT_DISK_GIB = 20;
  /** Kubernetes 1.20's resolv.conf limits (apiserver validation): search domains and their length. */
  public static final int MAX_DNS_SEARCHES = 6;
  public static final int MAX_DNS_SEARCH_CHARS = 256;
  /** The dockerconfigjson key of a pull Secret. */
  public static final String DOCKER_CONFIG_KEY = ".dockerconfigjson";

  private static final long GiB = 1L << 30;
  private static final long MiB = 1L << 20;
  private static final Set<String> MESSAGE_POLICIES = Set.of("File", "FallbackToLogsOnError");
  private static final Set<String> DOCKER_HUB = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final java.util.regex.Pattern SYSCTL_NAME = java.util.regex.Pattern.compile(
      "([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*[a-z0-9]([-_a-z0-9]*[a-z0-9])?");

  // --- validate ------------------------------------------------------------------------------------------

  /**
   * What the Kubernetes backend refuses (docs/kubernetes.md), on top of the shared rules:
   * the operator's policy as on the local backend ({@link PodRules#checkPolicy}: 403
   * Forbidden.HostPath / Forbidden.Privileged / Forbidden.Capability, the grace bound); 403
   * {@link ErrorCode#FORBIDDEN_PERSISTENT_VOLUME} for Disk/Flex without a StorageClass; 400 InvalidParameter
   * for what Kubernetes 1.20 cannot express (container names over 63 characters, a HostName that is
   * not one DNS label, DnsPolicy None without a name server, more than 6 search domains or 256
   * characters of them, Bidirectional propagation in a non-privileged container, a
   * TerminationMessagePolicy other than File/FallbackToLogsOnError, a bandwidth under 125 bytes/s,
   * upper-case search domains or host alias names, sysctl names with wildcards, TCP and UDP in one
   * LoadBalancer Service).
   */
  public static void validate(GroupSpec spec, KubernetesOptions o) {
    PodRules.checkPolicy(spec, o.podPolicy());
    for (Named c : containers(spec)) {
      ContainerSpec cs = c.spec();
      if (!KubernetesNames.isDnsLabel(cs.name())) {
        throw ErrorCode.invalid(c.path() + ".Name", "\"" + cs.name() + "\" is longer than 63 characters: on this"
            + " server's Kubernetes backend a container name is a DNS label (at most 63 characters)");
      }
      for (int i = 0; i < cs.volumeMounts().size(); i++) {
        VolumeMount m = cs.volumeMounts().get(i);
        if ("Bidirectional".equals(m.mountPropagation()) && !Boolean.TRUE.equals(cs.security().privileged())) {
          throw ErrorCode.invalid(c.path() + ".VolumeMount." + (i + 1) + ".MountPropagation", "Bidirectional"
              + " propagation needs SecurityContextPrivileged=true on this server's Kubernetes backend (Kubernetes"
              + " allows it to privileged containers only); use HostToContainer or None");
        }
      }
      if (cs.terminationMessagePolicy() != null && !MESSAGE_POLICIES.contains(cs.terminationMessagePolicy())) {
        throw ErrorCode.invalid(c.path() + ".TerminationMessagePolicy", "\"" + cs.terminationMessagePolicy()
            + "\" is not one of File, FallbackToLogsOnError (Kubernetes' values)");
      }
    }
    String hostName = spec.dns().hostName();
    if (hostName != null && !KubernetesNames.isDnsLabel(hostName)) {
      throw ErrorCode.invalid("HostName", "\"" + hostName + "\" is not one DNS label (at most 63 lowercase letters,"
          + " digits and hyphens, no dots): a Pod's hostname on this server's Kubernetes backend must be one");
    }
    if ("None".equals(spec.dns().dnsPolicy()) && spec.dns().nameServers().isEmpty()) {
      throw ErrorCode.invalid("DnsConfig.NameServer", "DnsPolicy None needs at least one name server on this"
          + " server's Kubernetes backend (Kubernetes refuses a Pod without any)");
    }
    List<String> searches = spec.dns().searches();
    if (searches.size() > MAX_DNS_SEARCHES || String.join(" ", searches).length() > MAX_DNS_SEARCH_CHARS) {
      throw ErrorCode.invalid("DnsConfig.Search", "at most " + MAX_DNS_SEARCHES + " search domains of at most "
          + MAX_DNS_SEARCH_CHARS + " characters in all on this server's Kubernetes backend (Kubernetes 1.20), got "
          + searches.size());
    }
    for (int i = 0; i < searches.size(); i++) {
      String d = searches.get(i).endsWith(".") ? searches.get(i).substring(0, searches.get(i).length() - 1)
          : searches.get(i);
      if (!KubernetesNames.isDnsSubdomain(d)) {
        throw ErrorCode.invalid("DnsConfig.Search." + (i + 1), "\"" + searches.get(i) + "\" must be a lowercase DNS"
            + " name on this server's Kubernetes backend (Kubernetes refuses upper-case letters)");
      }
    }
    List<PodOptions.Dns.HostAlias> aliases = spec.dns().hostAliases();
    for (int i = 0; i < aliases.size(); i++) {
      for (int j = 0; j < aliases.get(i).hostnames().size(); j++) {
        String h = aliases.get(i).hostnames().get(j);
        if (!KubernetesNames.isDnsSubdomain(h)) {
          throw ErrorCode.invalid("HostAliase." + (i + 1) + ".Hostname." + (j + 1), "\"" + h + "\" must be a"
              + " lowercase DNS name without a trailing dot on this server's Kubernetes backend (Kubernetes refuses"
              + " others)");
        }
      }
    }
    List<PodOptions.Security.Sysctl> sysctls = new ArrayList<>(spec.security().sysctls());
    sysctls.addAll(spec.security().hostSysctls());
    for (PodOptions.Security.Sysctl x : sysctls) {
      if (!SYSCTL_NAME.matcher(x.name()).matches()) {
        throw ErrorCode.invalid("SecurityContext.Sysctl", "\"" + x.name() + "\" is not a sysctl name Kubernetes"
            + " accepts (dot-separated lowercase names, no wildcards)");
      }
    }
    if (o.serviceType() == KubernetesOptions.ServiceType.LoadBalancer && publishes(spec)) {
      Set<String> protocols = new java.util.TreeSet<>();
      for (ContainerSpec c : spec.containers()) {
        for (ContainerPort p : c.ports()) protocols.add(p.protocol() == null ? "TCP" : p.protocol());
      }
      if (protocols.size() > 1) {
        throw ErrorCode.invalid("Container.N.Port.N.Protocol", "a group with a public address publishes its ports"
            + " through one LoadBalancer Service on this server, and Kubernetes 1.20 cannot mix TCP and UDP in one;"
            + " use one protocol (got " + String.join(", ", protocols) + ")");
      }
    }
    bandwidth("IngressBandwidth", spec.network().ingressBandwidth());
    bandwidth("EgressBandwidth", spec.network().egressBandwidth());
    if (o.storageClass() == null) {
      for (int i = 0; i < spec.volumes().size(); i++) {
        VolumeSpec v = spec.volumes().get(i);
        if (v instanceof VolumeSpec.Disk || v instanceof VolumeSpec.Flex) {
          throw ErrorCode.FORBIDDEN_PERSISTENT_VOLUME.withMessage("Volume." + (i + 1) + " (" + v.typeName() + " \"" + v.name()
              + "\") is not allowed: on Kubernetes a " + v.typeName() + " becomes a PersistentVolumeClaim, and this"
              + " server has no StorageClass for them (serve --k8s-storage-class).");
        }
      }
    }
  }

  private static void bandwidth(String param, Long bytesPerSecond) {
    if (bytesPerSecond != null && bytesPerSecond > 0 && bytesPerSecond < 125) {
      throw ErrorCode.invalid(param, "at least 125 bytes/s (1 kbit/s, the smallest rate Kubernetes shapes) on this"
          + " server's Kubernetes backend, got " + bytesPerSecond);
    }
  }

  // --- map ------------------------------------------------------------------------------------------------

  /** Everything {@code g} becomes on the cluster. Throws what {@link #validate} throws. */
  public static PodObjects map(ContainerGroup g, KubernetesOptions o) {
    GroupSpec spec = g.spec();
    validate(spec, o);
    String ns = KubernetesNames.namespace(o.instanceId(), g.accountId(), g.regionId());
    Namespace namespace = new NamespaceBuilder().withNewMetadata().withName(ns)
        .withLabels(KubernetesNames.namespaceLabels(o.instanceId(), g.accountId(), g.regionId()))
        .withAnnotations(KubernetesNames.namespaceAnnotations(g.accountId(), g.regionId())).endMetadata().build();

    List<ConfigMap> configMaps = new ArrayList<>();
    List<PersistentVolumeClaim> claims = new ArrayList<>();
    List<PersistentVolumeClaim> disks = new ArrayList<>();
    List<Volume> volumes = new ArrayList<>();
    for (VolumeSpec v : spec.volumes()) volumes.add(volume(g, o, ns, v, configMaps, claims, disks));

    Optional<Secret> pullSecret = pullSecret(g, o, ns);
    Map<String, VolumeSpec> byName = new HashMap<>();
    for (VolumeSpec v : spec.volumes()) byName.put(v.name(), v);
    Map<String, Resources> resources = resources(spec);
    List<Container> containers = new ArrayList<>();
    for (ContainerSpec c : spec.containers()) containers.add(container(c, false, resources, byName, o));
    List<Container> inits = new ArrayList<>();
    for (ContainerSpec c : spec.initContainers()) inits.add(container(c, true, resources, byName, o));

    Map<String, String> annotations = KubernetesNames.podAnnotations(g);
    Long in = spec.network().ingressBandwidth();
    Long eg = spec.network().egressBandwidth();
    if (in != null && in > 0) annotations.put(KubernetesNames.INGRESS_BANDWIDTH, Long.toString(in * 8));
    if (eg != null && eg > 0) annotations.put(KubernetesNames.EGRESS_BANDWIDTH, Long.toString(eg * 8));

    KubernetesOptions.Placement placement = placement(spec, o);
    PodSecurityContext podSecurity = null;
    Map<String, String> sysctls = new LinkedHashMap<>();
    for (PodOptions.Security.Sysctl s : spec.security().hostSysctls()) sysctls.put(s.name(), s.value());
    for (PodOptions.Security.Sysctl s : spec.security().sysctls()) sysctls.put(s.name(), s.value());
    if (!sysctls.isEmpty()) {
      List<Sysctl> list = new ArrayList<>();
      sysctls.forEach((k, v) -> list.add(new Sysctl(k, v)));
      podSecurity = new PodSecurityContext();
      podSecurity.setSysctls(list);
    }

    PodOptions.Dns dns = spec.dns();
    PodDNSConfig dnsConfig = null;
    if (!dns.nameServers().isEmpty() || !dns.searches().isEmpty() || !dns.options().isEmpty()) {
      List<PodDNSConfigOption> options = new ArrayList<>();
      for (PodOptions.Dns.Option opt : dns.options()) options.add(new PodDNSConfigOption(opt.name(), opt.value()));
      dnsConfig = new PodDNSConfig(new ArrayList<>(dns.nameServers()), options, new ArrayList<>(dns.searches()));
    }
    List<HostAlias> aliases = new ArrayList<>();
    for (PodOptions.Dns.HostAlias a : dns.hostAliases()) aliases.add(new HostAlias(new ArrayList<>(a.hostnames()), a.ip()));

    Pod pod = new PodBuilder()
        .withMetadata(new ObjectMetaBuilder().withName(KubernetesNames.pod(g.id())).withNamespace(ns)
            .withLabels(KubernetesNames.podLabels(g, o.instanceId())).withAnnotations(annotations).build())
        .withNewSpec()
        .withRestartPolicy(spec.restartPolicy() == null ? "Always" : spec.restartPolicy().name())
        .withTerminationGracePeriodSeconds((long) spec.terminationGracePeriodSeconds())
        .withActiveDeadlineSeconds(spec.activeDeadlineSeconds() == null ? null
            : spec.activeDeadlineSeconds().longValue())
        .withHostname(hostname(spec))
        .withShareProcessNamespace(Boolean.TRUE.equals(spec.security().shareProcessNamespace()) ? true : null)
        .withDnsPolicy("None".equals(dns.dnsPolicy()) ? "None" : "Default")
        .withDnsConfig(dnsConfig)
        .withHostAliases(aliases)
        .withSecurityContext(podSecurity)
        .withEnableServiceLinks(false)
        .withAutomountServiceAccountToken(false)
        .withNodeSelector(new LinkedHashMap<>(placement.nodeSelector()))
        .withTolerations(new ArrayList<>(placement.tolerations()))
        .withImagePullSecrets(pullSecret.map(s -> List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference(
            s.getMetadata().getName()))).orElse(List.of()))
        .withVolumes(volumes)
        .withInitContainers(inits)
        .withContainers(containers)
        .endSpec().build();

    return new PodObjects(namespace, pod, configMaps, pullSecret, service(g, o, ns), claims, disks);
  }

  /** HostName, else the group name cut to a 63-character label (as the local backend does). */
  static String hostname(GroupSpec spec) {
    if (spec.dns().hostName() != null) return spec.dns().hostName();
    String h = spec.name().length() > 63 ? spec.name().substring(0, 63) : spec.name();
    while (h.endsWith("-")) h = h.substring(0, h.length() - 1);
    return h;
  }

  /** nodeSelector/tolerations: the operator's node map, then OsType/CpuArchitecture as the well-known labels. */
  static KubernetesOptions.Placement placement(GroupSpec spec, KubernetesOptions o) {
    PodOptions.Placement p = spec.placement();
    KubernetesOptions.Placement mapped = o.nodeMap().placementFor(p.instanceType(), p.spotStrategy(), spec.zoneId());
    Map<String, String> selector = new LinkedHashMap<>(mapped.nodeSelector());
    if (p.osType() != null) selector.put("kubernetes.io/os", p.osType().toLowerCase(Locale.ROOT));
    if (p.cpuArchitecture() != null) selector.put("kubernetes.io/arch", p.cpuArchitecture().toLowerCase(Locale.ROOT));
    return new KubernetesOptions.Placement(selector, mapped.tolerations());
  }

  // --- containers ---------------------------------------------------------------------------------------

  private static Container container(ContainerSpec c, boolean init, Map<String, Resources> resources,
      Map<String, VolumeSpec> volumes, KubernetesOptions o) {
    ContainerBuilder b = new ContainerBuilder().withName(c.name()).withImage(c.image())
        .withImagePullPolicy(c.imagePullPolicy() == null ? "IfNotPresent" : c.imagePullPolicy().name())
        .withCommand(c.command())
        .withArgs(c.args())
        .withWorkingDir(c.workingDir())
        .withTty(c.tty() ? true : null)
        .withStdin(c.stdin() ? true : null)
        .withStdinOnce(c.stdinOnce() ? true : null)
        .withTerminationMessagePath(c.terminationMessagePath())
        .withTerminationMessagePolicy(c.terminationMessagePolicy());
    for (dev.openeci.group.EnvVar e : c.env()) {
      EnvVarBuilder eb = new EnvVarBuilder().withName(e.key());
      if (e.fieldPath() != null) {
        eb.withNewValueFrom().withNewFieldRef().withApiVersion("v1").withFieldPath(e.fieldPath()).endFieldRef()
            .endValueFrom();
      } else {
        eb.withValue(e.value() == null ? "" : e.value());
      }
      b.addToEnv(eb.build());
    }
    for (ContainerPort p : c.ports()) {
      b.addNewPort().withContainerPort(p.port()).withProtocol(p.protocol() == null ? "TCP" : p.protocol()).endPort();
    }
    Resources r = resources.get((init ? "init/" : "app/") + c.name());
    if (r != null && !r.isEmpty()) b.withResources(r.requirements(o.requestPercent()));
    if (c.livenessProbe() != null) b.withLivenessProbe(probe(c.livenessProbe()));
    if (c.readinessProbe() != null) b.withReadinessProbe(probe(c.readinessProbe()));
    if (c.postStart() != null || c.preStop() != null) {
      b.withNewLifecycle().withPostStart(handler(c.postStart())).withPreStop(handler(c.preStop())).endLifecycle();
    }
    SecurityContext sc = securityContext(c.security(), o);
    if (sc != null) b.withSecurityContext(sc);
    for (VolumeMount m : c.volumeMounts()) {
      VolumeSpec v = volumes.get(m.name());
      boolean ro = m.readOnly() || v instanceof VolumeSpec.ConfigFile || v instanceof VolumeSpec.Nfs n && n.readOnly();
      b.addNewVolumeMount().withName(KubernetesNames.volume(m.name())).withMountPath(m.mountPath())
          .withSubPath(m.subPath()).withReadOnly(ro ? true : null).withMountPropagation(m.mountPropagation())
          .endVolumeMount();
    }
    return b.build();
  }

  private static SecurityContext securityContext(ContainerSecurity s, KubernetesOptions o) {
    boolean privileged = Boolean.TRUE.equals(s.privileged()) && o.podPolicy().allowPrivileged();
    if (s.capabilityAdd().isEmpty() && s.readOnlyRootFilesystem() == null && s.runAsUser() == null
        && s.runAsGroup() == null && s.runAsNonRoot() == null && !privileged) {
      return null;
    }
    SecurityContextBuilder b = new SecurityContextBuilder().withRunAsUser(s.runAsUser()).withRunAsGroup(s.runAsGroup())
        .withRunAsNonRoot(s.runAsNonRoot()).withReadOnlyRootFilesystem(s.readOnlyRootFilesystem())
        .withPrivileged(privileged ? true : null);
    if (!s.capabilityAdd().isEmpty()) {
      List<String> add = new ArrayList<>();
      for (String cap : s.capabilityAdd()) {
        String canonical = Capabilities.canonical(cap);
        add.add(canonical == null ? cap : canonical);
      }
      b.withNewCapabilities().withAdd(add).endCapabilities();
    }
    return b.build();
  }

  private static io.fabric8.kubernetes.api.model.Probe probe(Probe p) {
    ProbeBuilder b = new ProbeBuilder().withInitialDelaySeconds(p.initialDelaySeconds())
        .withPeriodSeconds(p.periodSeconds()).withTimeoutSeconds(p.timeoutSeconds())
        .withSuccessThreshold(p.successThreshold()).withFailureThreshold(p.failureThreshold());
    switch (p.action()) {
      case Action.Exec e -> b.withExec(new ExecAction(new ArrayList<>(e.command())));
      case Action.HttpGet h -> b.withHttpGet(httpGet(h));
      case Action.TcpSocket t -> b.withTcpSocket(new TCPSocketAction(t.host(), new IntOrString(t.port())));
    }
    return b.build();
  }

  private static LifecycleHandler handler(Action a) {
    if (a == null) return null;
    LifecycleHandlerBuilder b = new LifecycleHandlerBuilder();
    switch (a) {
      case Action.Exec e -> b.withExec(new ExecAction(new ArrayList<>(e.command())));
      case Action.HttpGet h -> b.withHttpGet(httpGet(h));
      case Action.TcpSocket t -> b.withTcpSocket(new TCPSocketAction(t.host(), new IntOrString(t.port())));
    }
    return b.build();
  }

  private static HTTPGetAction httpGet(Action.HttpGet h) {
    List<HTTPHeader> headers = new ArrayList<>();
    for (Action.Header x : h.headers()) headers.add(new HTTPHeader(x.name(), x.value()));
    return new HTTPGetActionBuilder().withHost(h.host()).withPath(h.path() == null ? "/" : h.path())
        .withPort(new IntOrString(h.port())).withScheme(h.scheme() == null ? "HTTP" : h.scheme())
        .withHttpHeaders(headers).build();
  }

  // --- resources ------------------------------------------------------------------------------------------

  /** A container's requests (= limits): millicores, bytes and GPUs; null = not set. */
  record Resources(Long milliCpu, Long memoryBytes, Integer gpu) {
    boolean isEmpty() {
      return milliCpu == null && memoryBytes == null && (gpu == null || gpu <= 0);
    }

    ResourceRequirements requirements() {
      return requirements(100);
    }

    /** Limits as above; CPU and memory requests {@code percent} of them (rounded up; GPUs always whole). */
    ResourceRequirements requirements(int percent) {
      Map<String, Quantity> limits = new LinkedHashMap<>();
      Map<String, Quantity> requests = new LinkedHashMap<>();
      if (milliCpu != null) {
        limits.put("cpu", cpu(milliCpu));
        requests.put("cpu", cpu(percent == 100 ? milliCpu : Math.max(1, (milliCpu * percent + 99) / 100)));
      }
      if (memoryBytes != null) {
        limits.put("memory", memory(memoryBytes));
        requests.put("memory", memory(percent == 100 ? memoryBytes
            : Math.max(MiB, (memoryBytes / MiB * percent + 99) / 100 * MiB)));
      }
      if (gpu != null && gpu > 0) {
        limits.put(GPU_RESOURCE, new Quantity(Integer.toString(gpu)));
        requests.put(GPU_RESOURCE, new Quantity(Integer.toString(gpu)));
      }
      ResourceRequirements r = new ResourceRequirements();
      r.setRequests(requests);
      r.setLimits(limits);
      return r;
    }
  }

  static Quantity cpu(long milli) {
    return milli % 1000 == 0 ? new Quantity(Long.toString(milli / 1000)) : new Quantity(milli + "m");
  }

  static Quantity memory(long bytes) {
    if (bytes % GiB == 0) return new Quantity(bytes / GiB + "Gi");
    if (bytes % MiB == 0) return new Quantity(bytes / MiB + "Mi");
    return new Quantity(Long.toString(bytes));
  }

  /**
   * Requests = limits per container, keyed {@code app/<name>} / {@code init/<name>}. App
   * containers: their own Cpu/Memory; the containers without one share what the group has left
   * (group minus the others' own), evenly (millicores / bytes, rounded down), so the Pod reserves
   * and is capped at exactly the group's Cpu/Memory; nothing left = no value. Init containers run
   * one at a time: their own, else the group's whole Cpu/Memory. GPU: the container's Gpu.
   */
  static Map<String, Resources> resources(GroupSpec spec) {
    long groupMilli = Math.round(spec.cpu() * 1000);
    long groupBytes = Math.round(spec.memory() * GiB);
    long ownMilli = 0;
    long ownBytes = 0;
    int noCpu = 0;
    int noMem = 0;
    for (ContainerSpec c : spec.containers()) {
      if (has(c.cpu())) ownMilli += Math.round(c.cpu() * 1000);
      else noCpu++;
      if (has(c.memory())) ownBytes += Math.round(c.memory() * GiB);
      else noMem++;
    }
    Long shareMilli = noCpu == 0 || groupMilli - ownMilli <= 0 ? null : (groupMilli - ownMilli) / noCpu;
    Long shareBytes = noMem == 0 || groupBytes - ownBytes <= 0 ? null : (groupBytes - ownBytes) / noMem;
    if (shareMilli != null && shareMilli == 0) shareMilli = null;
    if (shareBytes != null && shareBytes == 0) shareBytes = null;
    Map<String, Resources> out = new HashMap<>();
    for (ContainerSpec c : spec.containers()) {
      out.put("app/" + c.name(), new Resources(has(c.cpu()) ? Math.round(c.cpu() * 1000) : shareMilli,
          has(c.memory()) ? Math.round(c.memory() * GiB) : shareBytes, c.gpu()));
    }
    for (ContainerSpec c : spec.initContainers()) {
      out.put("init/" + c.name(), new Resources(has(c.cpu()) ? Math.round(c.cpu() * 1000) : groupMilli > 0
          ? groupMilli : null, has(c.memory()) ? Math.round(c.memory() * GiB) : groupBytes > 0 ? groupBytes : null,
          c.gpu()));
    }
    return out;
  }

  private static boolean has(Double d) {
    return d != null && d > 0;
  }

  // --- volumes --------------------------------------------------------------------------------------------

  private static Volume volume(ContainerGroup g, KubernetesOptions o, String ns, VolumeSpec v,
      List<ConfigMap> configMaps, List<PersistentVolumeClaim> claims, List<PersistentVolumeClaim> disks) {
    VolumeBuilder b = new VolumeBuilder().withName(KubernetesNames.volume(v.name()));
    switch (v) {
      case VolumeSpec.EmptyDir e -> b.withNewEmptyDir().withMedium("Memory".equals(e.medium()) ? "Memory" : null)
          .withSizeLimit(e.sizeLimit() == null || e.sizeLimit().isBlank() ? null : new Quantity(e.sizeLimit().trim()))
          .endEmptyDir();
      case VolumeSpec.ConfigFile c -> {
        ConfigMap cm = configMap(g, o, ns, c);
        configMaps.add(cm);
        List<KeyToPath> items = new ArrayList<>();
        for (int i = 0; i < c.files().size(); i++) {
          VolumeSpec.ConfigFile.File f = c.files().get(i);
          items.add(new KeyToPath(fileKey(i), f.mode(), f.path()));
        }
        b.withNewConfigMap().withName(cm.getMetadata().getName()).withDefaultMode(c.defaultMode())
            .withItems(items).endConfigMap();
      }
      case VolumeSpec.Nfs n -> b.withNewNfs().withServer(n.server()).withPath(n.path())
          .withReadOnly(n.readOnly() ? true : null).endNfs();
      case VolumeSpec.HostPath h -> b.withNewHostPath().withPath(h.path())
          .withType(h.hostType() == null ? "Directory" : h.hostType()).endHostPath();
      case VolumeSpec.Disk d when d.diskId() != null -> {
        PersistentVolumeClaim pvc = claim(ns, KubernetesNames.diskClaim(d.diskId()), diskLabels(o, d), o,
            d.diskSize());
        if (disks.stream().noneMatch(x -> x.getMetadata().getName().equals(pvc.getMetadata().getName()))) {
          disks.add(pvc);
        }
        b.withNewPersistentVolumeClaim().withClaimName(pvc.getMetadata().getName()).endPersistentVolumeClaim();
      }
      case VolumeSpec.Disk d -> {
        PersistentVolumeClaim pvc = claim(ns, KubernetesNames.objectName(g.id(), "disk", d.name() + "\n"
            + d.diskSize() + "\n" + d.fsType()), KubernetesNames.ownedLabels(o.instanceId(), g.id()), o, d.diskSize());
        claims.add(pvc);
        b.withNewPersistentVolumeClaim().withClaimName(pvc.getMetadata().getName()).endPersistentVolumeClaim();
      }
      case VolumeSpec.Flex f -> {
        PersistentVolumeClaim pvc = claim(ns, KubernetesNames.objectName(g.id(), "flex", f.name() + "\n" + f.driver()
            + "\n" + f.fsType() + "\n" + f.options()), KubernetesNames.ownedLabels(o.instanceId(), g.id()), o, null);
        claims.add(pvc);
        b.withNewPersistentVolumeClaim().withClaimName(pvc.getMetadata().getName()).endPersistentVolumeClaim();
      }
    }
    return b.build();
  }

  /** The ConfigMap key of the i-th file (ECI paths may hold characters keys cannot). */
  static String fileKey(int i) {
    return "file-" + (i + 1);
  }

  /** One immutable ConfigMap per ConfigFileVolume; every file in binaryData, so any bytes survive. */
  private static ConfigMap configMap(ContainerGroup g, KubernetesOptions o, String ns, VolumeSpec.ConfigFile c) {
    StringBuilder content = new StringBuilder(c.name()).append('\n').append(c.defaultMode());
    Map<String, String> data = new LinkedHashMap<>();
    for (int i = 0; i < c.files().size(); i++) {
      VolumeSpec.ConfigFile.File f = c.files().get(i);
      String b64 = f.content() == null ? "" : Base64.getEncoder().encodeToString(Base64.getDecoder()
          .decode(f.content()));
      data.put(fileKey(i), b64);
      content.append('\n').append(f.path()).append('\0').append(f.mode()).append('\0').append(b64);
    }
    return new ConfigMapBuilder().withMetadata(meta(KubernetesNames.objectName(g.id(), "config", content.toString()),
        ns, KubernetesNames.ownedLabels(o.instanceId(), g.id()))).withBinaryData(data).withImmutable(true).build();
  }

  private static Map<String, String> diskLabels(KubernetesOptions o, VolumeSpec.Disk d) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(KubernetesNames.OWNER, o.instanceId());
    labels.put(KubernetesNames.DISK_ID, d.diskId());
    return labels;
  }

  private static PersistentVolumeClaim claim(String ns, String name, Map<String, String> labels, KubernetesOptions o,
      Integer sizeGiB) {
    return new PersistentVolumeClaimBuilder().withMetadata(meta(name, ns, labels)).withNewSpec()
        .withStorageClassName(o.storageClass()).withAccessModes("ReadWriteOnce").withVolumeMode("Filesystem")
        .withNewResources().addToRequests("storage", new Quantity((sizeGiB == null ? DEFAULT_DISK_GIB : sizeGiB)
            + "Gi")).endResources().endSpec().build();
  }

  // --- pull secret, service ------------------------------------------------------------------------------

  /**
   * ImageRegistryCredential as one {@code kubernetes.io/dockerconfigjson} Secret. Docker Hub's
   * names ({@code docker.io}, {@code index.docker.io}, {@code registry-1.docker.io}) also get the
   * key {@code https://index.docker.io/v1/} the kubelet looks up for Hub images. The name hashes the
   * whole content, so it changes exactly when a credential does.
   */
  static Optional<Secret> pullSecret(ContainerGroup g, KubernetesOptions o, String ns) {
    List<PodOptions.Images.RegistryCredential> creds = g.spec().images().credentials();
    if (creds.isEmpty()) return Optional.empty();
    ObjectNode root = JSON.createObjectNode();
    ObjectNode auths = root.putObject("auths");
    for (PodOptions.Images.RegistryCredential c : creds) {
      List<String> keys = new ArrayList<>(List.of(c.server()));
      if (DOCKER_HUB.contains(c.server())) keys.add("https://index.docker.io/v1/");
      for (String key : keys) {
        ObjectNode a = auths.putObject(key);
        a.put("username", c.userName());
        a.put("password", c.password());
        a.put("auth", Base64.getEncoder().encodeToString((c.userName() + ":" + c.password())
            .getBytes(StandardCharsets.UTF_8)));
      }
    }
    String json = root.toString();
    return Optional.of(new SecretBuilder().withMetadata(meta(KubernetesNames.objectName(g.id(), "pull", json), ns,
        KubernetesNames.ownedLabels(o.instanceId(), g.id()))).withType("kubernetes.io/dockerconfigjson")
        .withData(Map.of(DOCKER_CONFIG_KEY, Base64.getEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8))))
        .build());
  }

  /** True when the group asked for a public address (AutoCreateEip or EipInstanceId). */
  static boolean publishes(GroupSpec spec) {
    return Boolean.TRUE.equals(spec.network().autoCreateEip()) || spec.network().eipInstanceId() != null;
  }

  /**
   * The Service of a group with a public address: every app container port (once per
   * port/protocol), port = targetPort = the container port, selecting the Pod by its group-id label.
   * None when the options say None, or the group has no public address or no port.
   */
  static Optional<Service> service(ContainerGroup g, KubernetesOptions o, String ns) {
    if (o.serviceType() == KubernetesOptions.ServiceType.None || !publishes(g.spec())) return Optional.empty();
    Map<String, ServicePort> ports = new LinkedHashMap<>();
    for (ContainerSpec c : g.spec().containers()) {
      for (ContainerPort p : c.ports()) {
        String proto = p.protocol() == null ? "TCP" : p.protocol();
        String name = proto.toLowerCase(Locale.ROOT) + "-" + p.port();
        ports.putIfAbsent(name, new ServicePortBuilder().withName(name).withPort(p.port()).withProtocol(proto)
            .withTargetPort(new IntOrString(p.port())).build());
      }
    }
    if (ports.isEmpty()) return Optional.empty();
    String type = o.serviceType().name();
    return Optional.of(new ServiceBuilder().withMetadata(meta(KubernetesNames.objectName(g.id(), "svc", type + "\n"
        + String.join(",", ports.keySet())), ns, KubernetesNames.ownedLabels(o.instanceId(), g.id()))).withNewSpec()
        .withType(type).withSelector(new LinkedHashMap<>(KubernetesNames.groupSelector(g.id())))
        .withPorts(new ArrayList<>(ports.values())).endSpec().build());
  }

  private static ObjectMeta meta(String name, String ns, Map<String, String> labels) {
    return new ObjectMetaBuilder().withName(name).withNamespace(ns).withLabels(new LinkedHashMap<>(labels)).build();
  }

  // --- updates --------------------------------------------------------------------------------------------

  /**
   * True when {@code after} can be patched into the Pod made from {@code before}: the same app
   * and init containers in the same order, equal in everything but the app containers' images,
   * and the rest of the spec equal except the tags (which live in the Pod's labels and annotations,
   * patchable in place like its {@code openeci.dev/spec-version} label). Kubernetes lets a Pod's
   * container images change in place (the kubelet restarts that container only); anything else
   * (init container images included: init containers would not run again) needs a recreate.
   * Identical specs are true too: there is nothing to recreate.
   */
  public static boolean imageOnlyChange(GroupSpec before, GroupSpec after) {
    if (before.containers().size() != after.containers().size()) return false;
    List<ContainerSpec> rebased = new ArrayList<>();
    for (int i = 0; i < after.containers().size(); i++) {
      ContainerSpec a = after.containers().get(i);
      ContainerSpec b = before.containers().get(i);
      if (!a.name().equals(b.name())) return false;
      rebased.add(withImage(a, b.image()));
    }
    GroupSpec normalized = after.toBuilder().tags(before.tags()).containers(rebased).build();
    return normalized.equals(before);
  }

  private static ContainerSpec withImage(ContainerSpec c, String image) {
    return c.toBuilder().image(image).build();
  }

  // --- helpers --------------------------------------------------------------------------------------------

  private record Named(String path, ContainerSpec spec) {}

  private static List<Named> containers(GroupSpec spec) {
    List<Named> out = new ArrayList<>();
    for (int i = 0; i < spec.containers().size(); i++) {
      out.add(new Named("Container." + (i + 1), spec.containers().get(i)));
    }
    for (int i = 0; i < spec.initContainers().size(); i++) {
      out.add(new Named("InitContainer." + (i + 1), spec.initContainers().get(i)));
    }
    return out;
  }
}
