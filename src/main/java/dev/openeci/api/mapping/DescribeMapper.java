package dev.openeci.api.mapping;

import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.ContainerState;
import dev.openeci.group.ContainerStatus;
import dev.openeci.group.EnvVar;
import dev.openeci.group.GroupEvent;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.GroupState;
import dev.openeci.group.Tag;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The one place that turns a stored group (spec + observed state + events) into its Describe view. */
public final class DescribeMapper {
  public static final int MAX_EVENTS = 50;

  private DescribeMapper() {}

  public static Views.Group group(ContainerGroup g, List<GroupEvent> events) {
    GroupSpec spec = g.spec();
    GroupState st = g.state();
    List<Views.TagView> tags = new ArrayList<>();
    for (Tag t : spec.tags()) tags.add(new Views.TagView(t.key(), t.value()));
    List<Views.EventView> ev = new ArrayList<>();
    int from = Math.max(0, events.size() - MAX_EVENTS);
    for (GroupEvent e : events.subList(from, events.size())) {
      ev.add(new Views.EventView(e.count(), e.type(), g.id() + "." + Long.toHexString(e.seq()), e.reason(),
          e.message(), time(e.firstTimestamp()), time(e.lastTimestamp())));
    }
    return new Views.Group(g.id(), spec.name(), g.regionId(), spec.zoneId(), st.status().name(), null,
        spec.restartPolicy().name(), (float) spec.cpu(), (float) spec.memory(), st.intranetIp(),
        st.internetIp(), time(g.creationTime()), time(st.succeededTime()), time(st.failedTime()), "", "", "", "",
        null, Long.toString(g.specVersion()), tags, ev, containers(spec.initContainers(), st.initContainers(), true),
        containers(spec.containers(), st.containers(), false), List.of(), List.of(), Map.of(), Map.of());
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
        env.add(e.fieldPath() != null
            ? new Views.EnvView(e.key(), null, new Views.ValueFrom(new Views.FieldRef(e.fieldPath())))
            : new Views.EnvView(e.key(), e.value() == null ? "" : e.value(), null));
      }
      ContainerState current = s == null ? ContainerState.waiting(init ? "Waiting" : "ContainerCreating", null)
          : s.current();
      out.add(new Views.Container(c.name(), c.image(),
          c.imagePullPolicy() == null ? "IfNotPresent" : c.imagePullPolicy().name(),
          init ? null : c.command(), init ? c.command() : null, c.args(), c.workingDir(),
          c.cpu() == null ? 0f : c.cpu().floatValue(), c.memory() == null ? 0f : c.memory().floatValue(), 0, ports,
          env, List.of(), s != null && s.ready(), s == null ? 0 : s.restartCount(), init ? null : false,
          init ? null : false, init ? null : false, state(current), s == null ? null : state(s.previous())));
    }
    return out;
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
