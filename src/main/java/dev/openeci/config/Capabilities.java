package dev.openeci.config;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Linux capabilities a container may add (docs/security.md). A group's containers may add the
 * engine's default unprivileged set and Kubernetes Pod Security "baseline" ({@link #BASELINE}),
 * plus what the operator allows ({@code serve --allow-capabilities}, by default ECI's two
 * documented ones, {@link #DEFAULT_EXTRA}). Everything else, {@code ALL} and unknown names
 * included, needs {@code serve --allow-privileged}.
 */
public final class Capabilities {
  private Capabilities() {}

  /** Every capability of Linux 6.x (capability.h), without the CAP_ prefix. */
  public static final Set<String> KNOWN = Set.of("CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID",
      "KILL", "SETGID", "SETUID", "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN",
      "NET_RAW", "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
      "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE",
      "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND",
      "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE");

  /**
   * Always allowed: Kubernetes Pod Security Standards "baseline" (a superset of Podman's default
   * capabilities). None of them reaches outside the container's namespaces.
   */
  public static final Set<String> BASELINE = Set.of("AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL",
      "MKNOD", "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT");

  /**
   * Allowed unless the operator narrows {@code --allow-capabilities}: the two ECI documents for
   * Capability.Add. Both act only on the group's own network namespace, which sits on its
   * account's own network (docs/security.md), so what they can reach is the account's own groups.
   */
  public static final List<String> DEFAULT_EXTRA = List.of("NET_ADMIN", "NET_RAW");

  /**
   * The canonical name of a requested capability ({@code cap_sys_admin} -> {@code SYS_ADMIN}), or
   * null when it names no capability ({@code ALL} is returned as is: it is refused separately).
   */
  public static String canonical(String requested) {
    if (requested == null) return null;
    String s = requested.trim().toUpperCase(Locale.ROOT);
    if (s.startsWith("CAP_")) s = s.substring(4);
    if (s.equals("ALL") || KNOWN.contains(s)) return s;
    return null;
  }

  /**
   * Parses the operator's list ({@code none} or empty = nothing beyond the baseline; {@code ALL} =
   * every known capability). Throws IllegalArgumentException on an unknown name.
   */
  public static Set<String> parseOperatorList(Collection<String> names) {
    Set<String> out = new TreeSet<>();
    if (names == null) return out;
    for (String n : names) {
      if (n == null || n.isBlank() || n.trim().equalsIgnoreCase("none")) continue;
      String c = canonical(n);
      if (c == null) throw new IllegalArgumentException("unknown capability \"" + n + "\"");
      if (c.equals("ALL")) out.addAll(KNOWN);
      else out.add(c);
    }
    return out;
  }

  /** Baseline plus {@code extra}, sorted (for messages). */
  public static Set<String> allowed(Collection<String> extra) {
    Set<String> out = new TreeSet<>(BASELINE);
    out.addAll(extra);
    return out;
  }

  static Set<String> copy(Collection<String> c) {
    return c == null ? Set.of() : Set.copyOf(new LinkedHashSet<>(c));
  }
}
