package dev.openeci.group;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The host ports a group holds: a group with a public address (AutoCreateEip or EipInstanceId)
 * publishes each app container port on the operator's publish address, host port = container port
 * ({@code reconcile.PodConfigs#ports}). Two such groups can not both hold one port, so the second
 * is refused at create/update (InvalidParameter.HostPortInUse) instead of never starting.
 * A group holds its ports from its create until it is finished (Succeeded/Failed: its sandbox is
 * released) or its deletion has removed it.
 */
public final class HostPorts {
  private HostPorts() {}

  /** True when the group asked for a public address. */
  public static boolean publishes(GroupSpec spec) {
    return Boolean.TRUE.equals(spec.network().autoCreateEip()) || spec.network().eipInstanceId() != null;
  }

  /** {@code port/PROTOCOL} of every port the group publishes (empty without a public address). */
  public static Set<String> of(GroupSpec spec) {
    Set<String> out = new LinkedHashSet<>();
    if (!publishes(spec)) return out;
    for (ContainerSpec c : spec.containers()) {
      for (ContainerPort p : c.ports()) {
        out.add(p.port() + "/" + (p.protocol() == null ? "TCP" : p.protocol().toUpperCase(Locale.ROOT)));
      }
    }
    return out;
  }

  /** True while {@code g} holds its published ports. */
  static boolean holds(ContainerGroup g) {
    return !g.state().status().terminal();
  }

  /**
   * The first port of {@code spec} that another group of {@code groups} (any account) holds, as a
   * message for the caller (naming the holder only when it is {@code accountId}'s); {@code self}
   * (an update's group) is skipped.
   */
  public static Optional<String> conflict(GroupSpec spec, String self, String accountId,
      Collection<ContainerGroup> groups) {
    Set<String> wanted = of(spec);
    if (wanted.isEmpty()) return Optional.empty();
    for (ContainerGroup g : groups) {
      if (g.id().equals(self) || !holds(g)) continue;
      for (String p : of(g.spec())) {
        if (wanted.contains(p)) {
          return Optional.of("The host port " + p + " is already published by another container group"
              + (g.accountId().equals(accountId) ? " (" + g.id() + ")" : "")
              + (g.deletionRequested() != null ? " that is being deleted (retry once it is gone)" : "")
              + "; each port of a group with AutoCreateEip or EipInstanceId is published on the host and can be"
              + " held by one group at a time: choose another port, or delete the group that holds it.");
        }
      }
    }
    return Optional.empty();
  }
}
