package dev.openeci.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What the operator lets container groups do on this host (docs/pod-config.md). Checked when a
 * group is created, so a refused request creates nothing.
 *
 * @param allowedHostPaths host path prefixes HostPathVolume may use; empty = no host paths at all
 * @param allowPrivileged whether SecurityContextPrivileged=true is honoured
 * @param publishAddress host address container ports are published on when a group asks for a
 *     public address (AutoCreateEip / EipInstanceId); reported as the group's InternetIp
 * @param extraCapabilities capabilities Capability.Add may name beyond {@link Capabilities#BASELINE}
 *     (serve --allow-capabilities; default {@link Capabilities#DEFAULT_EXTRA}); privileged allows all
 * @param maxGraceSeconds the largest TerminationGracePeriodSeconds accepted (and applied)
 */
public record PodPolicy(List<String> allowedHostPaths, boolean allowPrivileged, String publishAddress,
    Set<String> extraCapabilities, int maxGraceSeconds) {
  public static final String DEFAULT_PUBLISH_ADDRESS = "127.0.0.1";
  /**
   * Default of {@code serve --max-grace-seconds}: the largest TerminationGracePeriodSeconds a group
   * may ask for (docs/security.md). Larger values are refused with InvalidParameter.
   */
  public static final int DEFAULT_MAX_GRACE_SECONDS = 600;
  public static final PodPolicy DEFAULT = new PodPolicy(List.of(), false, DEFAULT_PUBLISH_ADDRESS);

  public PodPolicy {
    allowedHostPaths = allowedHostPaths == null ? List.of() : List.copyOf(allowedHostPaths);
    if (publishAddress == null || publishAddress.isBlank()) publishAddress = DEFAULT_PUBLISH_ADDRESS;
    extraCapabilities = extraCapabilities == null ? Set.copyOf(Capabilities.DEFAULT_EXTRA)
        : Capabilities.copy(extraCapabilities);
    if (maxGraceSeconds < 0) throw new IllegalArgumentException("the maximum grace period must be >= 0 seconds");
  }

  /** The policy with the default capability allow-list and maximum grace period. */
  public PodPolicy(List<String> allowedHostPaths, boolean allowPrivileged, String publishAddress) {
    this(allowedHostPaths, allowPrivileged, publishAddress, (Set<String>) null, DEFAULT_MAX_GRACE_SECONDS);
  }

  /** The policy with the default capability allow-list. */
  public PodPolicy(List<String> allowedHostPaths, boolean allowPrivileged, String publishAddress,
      int maxGraceSeconds) {
    this(allowedHostPaths, allowPrivileged, publishAddress, (Set<String>) null, maxGraceSeconds);
  }

  /** The policy with the default maximum grace period. */
  public PodPolicy(List<String> allowedHostPaths, boolean allowPrivileged, String publishAddress,
      Set<String> extraCapabilities) {
    this(allowedHostPaths, allowPrivileged, publishAddress, extraCapabilities, DEFAULT_MAX_GRACE_SECONDS);
  }

  /** True when a container may add {@code capability} (canonical name, or ALL). */
  public boolean capabilityAllowed(String capability) {
    if (allowPrivileged) return true;
    return Capabilities.BASELINE.contains(capability) || extraCapabilities.contains(capability);
  }

  /** True when {@code path} (absolute, normalized) lies under one of the allowed prefixes. */
  public boolean hostPathAllowed(String path) {
    Path p = Path.of(path).normalize();
    if (!p.isAbsolute() || path.contains("/../") || path.endsWith("/..")) return false;
    for (String prefix : allowedHostPaths) {
      if (prefix.isBlank()) continue;
      if (p.startsWith(Path.of(prefix).normalize())) return true;
    }
    return false;
  }
}
