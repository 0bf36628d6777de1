package dev.openeci.api.mapping;

import dev.openeci.group.Action;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerState;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.PodOptions;
import dev.openeci.group.Probe;
import dev.openeci.group.Tag;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place that turns a stored group (spec + observed state + events) into its Describe view.
 * Never returned: registry passwords (the model has no field for them) and the values of
 * environment variables of containers marked EnvironmentVarHide.
 */
public final class DescribeMapper {
  public static final int MAX_EVENTS = 50;

  private DescribeMapper() {}

  public static Views.Group group(ContainerGroup g, List<GroupEvent> events) {
    GroupSpec spec = g.spec();
    GroupState st = g.state();
    PodOptions.Placement pl = spec.placement();
    PodOptions.Network net = spec.network();
    List<Views.TagView> tags = new ArrayList<>();
    for (Tag t : spec.tags()) tags.add(new Views.TagView(t.key(), t.value()));
    List<Views.EventView> ev = new ArrayList<>();
    int from = Math.max(0, events.size() - MAX_EVENTS);
    for (GroupEvent e : events.subList(from, events.size())) {
      ev.add(new Views.EventView(e.count(), e.type(), g.id() + "." + Long.toHexString(e.seq()), e.reason(),
          e.message(), time(e.firstTimestamp()), time(e.lastTimestamp())));
    }
    List<Views.HostAliasView> aliases = new ArrayList<>();
    for (PodOptions.Dns.HostAlias a : spec.dns().hostAliases()) aliases.add(new Views.HostAliasView(a.ip(), a.hostnames()));
    List<Views.NameValue> options = new ArrayList<>();
    for (PodOptions.Dns.Option o : spec.dns().options()) options.add(new Views.NameValue(o.name(), o.value()));
    List<Views.NameValue> sysctls = new ArrayList<>();
    for (PodOptions.Security.Sysctl s : spec.security().sysctls()) sysctls.add(new Views.NameValue(s.name(), s.value()));
    return new Views.Group(g.id(), spec.name(), g.regionId(), spec.zoneId(), st.status().name(), pl.instanceType(),
        spec.restartPolicy().name(), (float) spec.cpu(), (float) spec.memory(), st.intranetIp(), st.internetIp(), null,
        time(g.creationTime()), time(st.succeededTime()), time(st.failedTime()), null, "",
        nz(net.vSwitchId()), nz(net.securityGroupId()), "", nz(pl.resourceGroupId()), spec.security().ramRoleName(),
        pl.spotStrategy() == null ? "NoSpot" : pl.spotStrategy(), pl.spotPriceLimit(), spec.dns().dnsPolicy(),
        pl.computeCategory().isEmpty() ? null : pl.computeCategory().get(0), pl.ephemeralStorage(), null,
        Long.toString(g.specVersion()), tags, ev, containers(spec.initContainers(), st.initContainers(), true),
        containers(spec.containers(), st.containers(), false), volumes(spec.volumes()), aliases,
        new Views.DnsConfigView(spec.dns().nameServers(), spec.dns().searches(), options),
        new Views.SecurityContextView(sysctls));
  }

  private static String nz(String s) {
    return s == null ? "" : s;
  }

  private static List<Views.VolumeView> volumes(List<VolumeSpec> volumes) {
    List<Views.VolumeView> out = new ArrayList<>();
    for (VolumeSpec v : volumes) {
      out.add(switch (v) {
        case VolumeSpec.EmptyDir e -> new Views.VolumeView(e.name(), v.typeName(), null, e.medium(), e.sizeLimit(), null,
            null, null, null, null, null, null, null);
        case VolumeSpec.ConfigFile c -> {
          List<Views.FileView> files = new ArrayList<>();
          for (VolumeSpec.ConfigFile.File f : c.files()) files.add(new Views.FileView(f.path(), f.content()));
          yield new Views.VolumeView(c.name(), v.typeName(), files, null, null, null, null, null, null, null, null, null,
              null);
        }
        case VolumeSpec.Nfs n -> new Views.VolumeView(n.name(), v.typeName(), null, null, null, n.server(), n.path(),
            n.readOnly(), null, null, null, null, null);
        case VolumeSpec.Flex f -> new Views.VolumeView(f.name(), v.typeName(), null, null, null, null, null, null, null,
            null, f.driver(), f.fsType(), f.options());
        case VolumeSpec.HostPath h -> new Views.VolumeView(h.name(), v.typeName(), null, null, null, null, null, null,
            null, null, null, null, null);
        case VolumeSpec.Disk d -> new Views.VolumeView(d.name(), v.typeName(), null, null, null, null, null, null,
            d.diskId(), d.fsType(), null, null, null);
      });
    }
    return out;
  }

  private static List<Views.Container> containers(List<ContainerSpec> specs, List<ContainerStatus> statuses,
      boolean init) {
    List<Views.Container> out = new ArrayList<>();
    for (ContainerSpec c : specs) {
      ContainerStatus s = null;
      for (ContainerStatus cs : statuses) {
        if (cs.name().equals(c.name())) s = cs;
      }
      List<Views.PortView> ports = new ArrayList<>();
      c.ports().forEach(p -> ports.add(new Views.PortView(p.port(), p.protocol())));
      List<Views.EnvView> env = new ArrayList<>();
      for (EnvVar e : c.env()) {
        if (e.fieldPath() != null) {
          env.add(new Views.EnvView(e.key(), null, new Views.ValueFrom(new Views.FieldRef(e.fieldPath()))));
        } else {
          env.add(new Views.EnvView(e.key(), c.environmentVarHide() ? null : e.value() == null ? "" : e.value(), null));
        }
      }
      List<Views.MountView> mounts = new ArrayList<>();
      for (VolumeMount m : c.volumeMounts()) {
        mounts.add(new Views.MountView(m.name(), m.mountPath(), m.subPath(), m.mountPropagation(), m.readOnly()));
      }
      Views.SecurityView security = c.security().capabilityAdd().isEmpty() && c.security().readOnlyRootFilesystem() == null
          && c.security().runAsUser() == null ? null
          : new Views.SecurityView(new Views.Capability(c.security().capabilityAdd()),
              c.security().readOnlyRootFilesystem(), c.security().runAsUser());
      ContainerState current = s == null ? ContainerState.waiting(init ? "Waiting" : "ContainerCreating", null)
          : s.current();
      out.add(new Views.Container(c.name(), c.image(),
          c.imagePullPolicy() == null ? "IfNotPresent" : c.imagePullPolicy().name(),
          init ? null : c.command(), init ? c.command() : null, c.args(), c.workingDir(),
          c.cpu() == null ? 0f : c.cpu().floatValue(), c.memory() == null ? 0f : c.memory().floatValue(),
          c.gpu() == null ? 0 : c.gpu(), ports, env, mounts, probe(c.livenessProbe()), probe(c.readinessProbe()),
          security, s != null && s.ready(), s == null ? 0 : s.restartCount(), init ? null : c.stdin(),
          init ? null : c.stdinOnce(), init ? null : c.tty(), state(current), s == null ? null : state(s.previous())));
    }
    return out;
  }

  private static Views.ProbeView probe(Probe p) {
    if (p == null) return null;
    List<String> execs = null;
    Views.HttpGetView http = null;
    Views.TcpSocketView tcp = null;
    switch (p.action()) {
      case Action.Exec e -> execs = e.command();
      case Action.HttpGet h -> http = new Views.HttpGetView(h.path(), h.port(), h.scheme());
      case Action.TcpSocket t -> tcp = new Views.TcpSocketView(t.host(), t.port());
    }
    return new Views.ProbeView(execs, http, tcp, or(p.initialDelaySeconds(), 0), or(p.periodSeconds(), Probe.DEFAULT_PERIOD),
        or(p.timeoutSeconds(), Probe.DEFAULT_TIMEOUT), or(p.successThreshold(), Probe.DEFAULT_SUCCESS),
        or(p.failureThreshold(), Probe.DEFAULT_FAILURE));
  }

  private static Integer or(Integer v, int dflt) {
    return v == null ? dflt : v;
  }

  private static Views.StateView state(ContainerState s) {
    if (s == null) return null;
    return new Views.StateView(s.state(), s.reason(), s.message(), s.detailStatus(), s.exitCode(), s.signal(),
        time(s.startTime()), time(s.finishTime()));
  }

  /** RFC 3339 UTC with second precision, as ECI writes times. */
  public static String time(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
