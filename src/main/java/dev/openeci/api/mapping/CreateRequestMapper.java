package dev.openeci.api.mapping;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.config.Capabilities;
import dev.openeci.group.Action;
import dev.openeci.group.ContainerPort;
import dev.openeci.group.ContainerSecurity;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.InstanceSpecs;
import dev.openeci.group.PodOptions;
import dev.openeci.group.Probe;
import dev.openeci.group.PullPolicy;
import dev.openeci.group.RestartPolicy;
import dev.openeci.group.Tag;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one place that turns CreateContainerGroup parameters into a {@link GroupSpec}: reads,
 * applies server-side defaults and validates with ECI's documented codes. Messages name the
 * parameter and the bad value (never a secret).
 */
public final class CreateRequestMapper {
  static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  public static final int MAX_CONTAINERS = 20;
  public static final int MAX_TAGS = 20;
  public static final double DEFAULT_CPU = 2;
  public static final double DEFAULT_MEMORY = 4;
  public static final int DEFAULT_GRACE_SECONDS = 30;

  private CreateRequestMapper() {}

  public static GroupSpec map(ParamReader p, String defaultZone) {
    Text.checkNoControl(p);
    String name = p.required("ContainerGroupName");
    checkName("ContainerGroupName", name);
    RestartPolicy restart = enumValue(p, "RestartPolicy", RestartPolicy.class, RestartPolicy.Always);

    List<VolumeSpec> volumes = Volumes.read(p);
    Set<String> volumeNames = new HashSet<>();
    for (VolumeSpec v : volumes) volumeNames.add(v.name());

    List<ParamReader> containerParams = p.list("Container");
    if (containerParams.isEmpty()) throw ErrorCode.missing("Container.1.Name");
    if (containerParams.size() > MAX_CONTAINERS) {
      throw ErrorCode.invalid("Container", "at most " + MAX_CONTAINERS + " containers are allowed, got "
          + containerParams.size());
    }
    List<ContainerSpec> containers = new ArrayList<>();
    for (ParamReader c : containerParams) containers.add(container(c, false, volumeNames));
    List<ContainerSpec> inits = new ArrayList<>();
    for (ParamReader c : p.list("InitContainer")) inits.add(container(c, true, volumeNames));
    Set<String> names = new HashSet<>();
    for (ContainerSpec c : concat(inits, containers)) {
      if (!names.add(c.name())) {
        throw ErrorCode.DUPLICATED_NAME.withMessage(
            "The container group include containers with duplicate names: \"" + c.name() + "\".");
      }
    }

    List<Tag> tags = tags(p);
    PodOptions.Placement placement = Options.placement(p);
    double[] resources = resources(p, containers, placement.instanceType());
    String zone = p.string("ZoneId");
    Integer grace = nonNegative(p, "TerminationGracePeriodSeconds");
    Integer deadline = p.integer("ActiveDeadlineSeconds");
    if (deadline != null && deadline < 1) {
      throw ErrorCode.invalid("ActiveDeadlineSeconds", "must be >= 1, got " + deadline);
    }
    checkClientToken(p.string("ClientToken"));
    GroupSpec spec = new GroupSpec(name, zone == null || zone.isEmpty() ? defaultZone : zone, restart, resources[0],
        resources[1], tags, inits, containers, grace == null ? DEFAULT_GRACE_SECONDS : grace, volumes, deadline,
        Options.dns(p), Options.network(p), Options.security(p), Options.images(p), placement);
    PodRules.validate(spec);
    return spec;
  }

  private static ContainerSpec container(ParamReader c, boolean init, Set<String> volumeNames) {
    String name = c.string("Name");
    if (name == null || name.isEmpty()) throw ErrorCode.missing(c.path("Name"));
    checkName(c.path("Name"), name);
    String image = c.string("Image");
    if (image == null || image.isBlank()) throw ErrorCode.missing(c.path("Image"));
    PullPolicy pull = enumValue(c, "ImagePullPolicy", PullPolicy.class, null);
    List<String> command = c.strings("Command");
    if (command.size() > 20) throw ErrorCode.invalid(c.path("Command"), "at most 20 items, got " + command.size());
    for (int i = 0; i < command.size(); i++) {
      if (command.get(i).length() > 256) throw ErrorCode.invalid(c.path("Command." + (i + 1)), "at most 256 characters");
    }
    List<String> args = c.strings("Arg");
    if (args.size() > 10) throw ErrorCode.invalid(c.path("Arg"), "at most 10 items, got " + args.size());
    List<EnvVar> env = new ArrayList<>();
    for (ParamReader e : c.list("EnvironmentVar")) {
      String key = e.string("Key");
      if (key == null || key.isEmpty()) throw ErrorCode.missing(e.path("Key"));
      if (key.length() > 128 || !ENV_KEY.matcher(key).matches()) {
        throw ErrorCode.invalid(e.path("Key"), "\"" + key + "\" must match [A-Za-z_][A-Za-z0-9_]* (1-128 characters)");
      }
      String value = e.string("Value");
      if (value != null && value.length() > 256) throw ErrorCode.invalid(e.path("Value"), "at most 256 characters");
      String field = e.string("FieldRef.FieldPath");
      if (field != null && !field.isEmpty() && !EnvVar.POD_IP.equals(field)) {
        throw ErrorCode.invalid(e.path("FieldRef.FieldPath"), "only \"status.podIP\" is supported, got \"" + field + "\"");
      }
      env.add(new EnvVar(key, value, field == null || field.isEmpty() ? null : field));
    }
    List<ContainerPort> ports = new ArrayList<>();
    for (ParamReader pp : c.list("Port")) {
      Integer port = pp.integer("Port");
      if (port == null) throw ErrorCode.missing(pp.path("Port"));
      if (port < 1 || port > 65535) throw ErrorCode.invalid(pp.path("Port"), "must be 1-65535, got " + port);
      String proto = pp.string("Protocol");
      proto = proto == null || proto.isEmpty() ? "TCP" : proto.toUpperCase(Locale.ROOT);
      if (!proto.equals("TCP") && !proto.equals("UDP")) {
        throw ErrorCode.invalid(pp.path("Protocol"), "must be TCP or UDP, got \"" + pp.string("Protocol") + "\"");
      }
      ports.add(new ContainerPort(port, proto));
    }
    Double cpu = c.decimal("Cpu");
    Double memory = c.decimal("Memory");
    if (cpu != null && cpu < 0) throw ErrorCode.invalid(c.path("Cpu"), "must be >= 0, got " + cpu);
    if (memory != null && memory < 0) throw ErrorCode.invalid(c.path("Memory"), "must be >= 0, got " + memory);
    Integer gpu = nonNegative(c, "Gpu");
    List<VolumeMount> mounts = new ArrayList<>();
    Set<String> mountPaths = new HashSet<>();
    for (ParamReader m : c.list("VolumeMount")) {
      String vol = m.required("Name");
      if (!volumeNames.contains(vol)) {
        throw ErrorCode.invalid(m.path("Name"), "\"" + vol + "\" is not a volume of this container group (Volume.N.Name)");
      }
      String path = m.required("MountPath");
      if (!path.startsWith("/")) throw ErrorCode.invalid(m.path("MountPath"), "\"" + path + "\" must be an absolute path");
      if (!mountPaths.add(path)) throw ErrorCode.invalid(m.path("MountPath"), "\"" + path + "\" is mounted twice");
      String sub = m.string("SubPath");
      if (sub != null && (sub.startsWith("/") || List.of(sub.split("/")).contains("..") || sub.indexOf('\0') >= 0
          || sub.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Volumes.MAX_PATH_BYTES)) {
        throw ErrorCode.invalid(m.path("SubPath"), "\"" + Volumes.printable(sub) + "\" must be a relative path"
            + " without \"..\" or NUL, at most " + Volumes.MAX_PATH_BYTES + " bytes");
      }
      String propagation = oneOf(m, "MountPropagation", List.of("None", "HostToContainer", "Bidirectional"));
      mounts.add(new VolumeMount(vol, path, emptyToNull(sub), Boolean.TRUE.equals(m.bool("ReadOnly")), propagation));
    }
    ParamReader sc = c.struct("SecurityContext");
    List<String> caps = new ArrayList<>();
    List<String> capsAsked = sc.strings("Capability.Add");
    for (int i = 0; i < capsAsked.size(); i++) {
      String cap = capsAsked.get(i);
      String upper = cap.toUpperCase(Locale.ROOT).replaceFirst("^CAP_", "");
      if (!upper.matches("[A-Z_]{2,32}")) {
        throw ErrorCode.invalid(sc.path("Capability.Add." + (i + 1)), "\"" + Text.printable(cap) + "\" is not a capability");
      }
      // Known names are stored canonical; the pod policy refuses unknown ones (Forbidden.Capability).
      String known = Capabilities.canonical(upper);
      caps.add(known == null ? upper : known);
    }
    ContainerSecurity security = new ContainerSecurity(caps, sc.bool("ReadOnlyRootFilesystem"), sc.longValue("RunAsUser"),
        c.longValue("SecurityContextRunAsGroup"), c.bool("SecurityContextRunAsNonRoot"), c.bool("SecurityContextPrivileged"));
    if (security.runAsUser() != null && security.runAsUser() < 0) {
      throw ErrorCode.invalid(sc.path("RunAsUser"), "must be >= 0, got " + security.runAsUser());
    }
    if (security.runAsGroup() != null && security.runAsGroup() < 0) {
      throw ErrorCode.invalid(c.path("SecurityContextRunAsGroup"), "must be >= 0, got " + security.runAsGroup());
    }
    Probe liveness = init ? null : Probes.probe(c, "LivenessProbe", true);
    Probe readiness = init ? null : Probes.probe(c, "ReadinessProbe", false);
    Action postStart = init ? null : Probes.handler(c, "LifecyclePostStartHandler");
    Action preStop = init ? null : Probes.handler(c, "LifecyclePreStopHandler");
    String workingDir = c.string("WorkingDir");
    return new ContainerSpec(name, image.trim(), pull, command, args, emptyToNull(workingDir), env, cpu, memory, ports,
        gpu, !init && Boolean.TRUE.equals(c.bool("Tty")), !init && Boolean.TRUE.equals(c.bool("Stdin")),
        !init && Boolean.TRUE.equals(c.bool("StdinOnce")), mounts, security, liveness, readiness, postStart, preStop,
        emptyToNull(c.string("TerminationMessagePath")), emptyToNull(c.string("TerminationMessagePolicy")),
        !init && Boolean.TRUE.equals(c.bool("EnvironmentVarHide")));
  }

  private static List<Tag> tags(ParamReader p) {
    List<ParamReader> tagParams = p.list("Tag");
    if (tagParams.size() > MAX_TAGS) throw ErrorCode.invalid("Tag", "at most " + MAX_TAGS + " tags, got " + tagParams.size());
    List<Tag> tags = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < tagParams.size(); i++) {
      String path = "Tag." + (i + 1);
      String key = tagParams.get(i).string("Key");
      String value = tagParams.get(i).string("Value");
      if (key == null || key.isEmpty()) throw ErrorCode.missing(path + ".Key");
      String lower = key.toLowerCase(Locale.ROOT);
      if (key.length() > 64 || lower.startsWith("aliyun") || lower.startsWith("acs:") || lower.contains("http://")
          || lower.contains("https://")) {
        throw ErrorCode.invalid(path + ".Key", "\"" + key + "\": at most 64 characters, not starting with"
            + " \"aliyun\" or \"acs:\", without \"http://\" or \"https://\"");
      }
      if (value != null && (value.length() > 128 || value.toLowerCase(Locale.ROOT).contains("http://")
          || value.toLowerCase(Locale.ROOT).contains("https://") || value.toLowerCase(Locale.ROOT).startsWith("acs:"))) {
        // Seed: "at most 128 characters, cannot start with acs:, cannot contain http:// or https://".
        throw ErrorCode.invalid(path + ".Value", "at most 128 characters, not starting with \"acs:\", without"
            + " \"http://\" or \"https://\"");
      }
      if (!keys.add(key)) throw ErrorCode.invalid(path + ".Key", "duplicate tag key \"" + key + "\"");
      tags.add(new Tag(key, value == null ? "" : value));
    }
    return tags;
  }

  /**
   * Group vCPU/memory: as given, else the containers' sums, else 2/4; rounded up to the next spec
   * of ECI's table. Containers' sums must fit in the group.
   */
  static double[] resources(ParamReader p, List<ContainerSpec> containers, String instanceType) {
    Double cpu = p.decimal("Cpu");
    Double memory = p.decimal("Memory");
    if (cpu == null && memory == null && instanceType != null) {
      InstanceSpecs.Spec t = InstanceSpecs.ofInstanceType(instanceType);
      if (t == null) {
        throw ErrorCode.invalid("InstanceType", "\"" + instanceType + "\" is not an ECS instance type openeci knows"
            + " (ecs.<family>.<size>, families c/g/r/t/u/e, sizes large..16xlarge)");
      }
      cpu = t.cpu();
      memory = t.memory();
    }
    double sumCpu = 0;
    double sumMem = 0;
    for (ContainerSpec c : containers) {
      sumCpu += c.cpu() == null ? 0 : c.cpu();
      sumMem += c.memory() == null ? 0 : c.memory();
    }
    double wantCpu = cpu != null ? cpu : sumCpu > 0 ? sumCpu : DEFAULT_CPU;
    double wantMem = memory != null ? memory : sumMem > 0 ? sumMem : DEFAULT_MEMORY;
    if (wantCpu <= 0 || wantMem <= 0) {
      throw ErrorCode.CPU_MEMORY.withMessage("The specified cpu and memory are not allowed: Cpu=" + fmt(wantCpu)
          + ", Memory=" + fmt(wantMem));
    }
    if (sumCpu > wantCpu + 1e-9 || sumMem > wantMem + 1e-9) {
      throw ErrorCode.CPU_MEMORY.withMessage("The specified cpu and memory are not allowed: the containers ask for"
          + " Container.N.Cpu=" + fmt(sumCpu) + " vCPU and Container.N.Memory=" + fmt(sumMem) + " GiB in total, more"
          + " than the group's Cpu=" + fmt(wantCpu) + " / Memory=" + fmt(wantMem));
    }
    InstanceSpecs.Spec spec = InstanceSpecs.roundUp(wantCpu, wantMem);
    if (spec == null) {
      throw ErrorCode.CPU_MEMORY.withMessage("The specified cpu and memory are not allowed: Cpu=" + fmt(wantCpu)
          + ", Memory=" + fmt(wantMem) + " exceeds every available specification");
    }
    return new double[] {spec.cpu(), spec.memory()};
  }

  /** Seed (Create and Update): "The token can only contain ASCII characters and cannot exceed 64 characters". */
  public static void checkClientToken(String token) {
    if (token != null && (token.length() > 64 || !token.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f))) {
      throw ErrorCode.invalid("ClientToken", "must be at most 64 printable ASCII characters");
    }
  }

  static void checkName(String param, String value) {
    if (value.length() < 2 || value.length() > 128 || !NAME.matcher(value).matches()) {
      throw ErrorCode.invalid(param, "\"" + value + "\" must be 2-128 characters of lowercase letters, digits and"
          + " hyphens, not starting or ending with a hyphen");
    }
  }

  static <E extends Enum<E>> E enumValue(ParamReader p, String param, Class<E> type, E dflt) {
    String v = p.string(param);
    if (v == null || v.isEmpty()) return dflt;
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(v)) return e;
    }
    List<String> allowed = new ArrayList<>();
    for (E e : type.getEnumConstants()) allowed.add(e.name());
    throw notOneOf(p.path(param), v, allowed);
  }

  /** A string parameter restricted to {@code allowed} (exact match); null when absent. */
  static String oneOf(ParamReader p, String param, List<String> allowed) {
    String v = p.string(param);
    if (v == null || v.isEmpty()) return null;
    if (!allowed.contains(v)) throw notOneOf(p.path(param), v, allowed);
    return v;
  }

  static ApiException notOneOf(String path, String value, List<String> allowed) {
    return new ApiException(ErrorCode.INVALID_PARAMETER, "The specified parameter \"" + path + "\" is not valid: \""
        + value + "\" is not one of " + allowed);
  }

  static Integer nonNegative(ParamReader p, String param) {
    Integer v = p.integer(param);
    if (v != null && v < 0) throw ErrorCode.invalid(p.path(param), "must be >= 0, got " + v);
    return v;
  }

  static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String fmt(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
