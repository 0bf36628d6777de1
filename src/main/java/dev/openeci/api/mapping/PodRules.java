package dev.openeci.api.mapping;

import dev.openeci.error.ErrorCode;
import dev.openeci.config.Capabilities;
import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.PodOptions;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rules about what a group may do on this host (docs/pod-config.md): the ones every server applies
 * ({@link #validate}) and the operator's policy ({@link #checkPolicy}). Both run before anything is
 * stored, so a refused request creates nothing.
 */
public final class PodRules {
  private PodRules() {}

  /** Rules independent of the operator's configuration. */
  public static void validate(GroupSpec spec) {
    List<PodOptions.Security.Sysctl> host = spec.security().hostSysctls();
    for (int i = 0; i < host.size(); i++) {
      String name = host.get(i).name();
      if (!Options.namespaced(name)) {
        throw ErrorCode.FORBIDDEN_HOST_SYSCTL.withMessage("The sysctl \"" + name + "\" of HostSecurityContext.Sysctl."
            + (i + 1) + ".Name is not namespaced: setting it would change the host's kernel for every group."
            + " Only net.*, fs.mqueue.* and kernel.shm*/msg*/sem sysctls can be set.");
      }
    }
    Map<String, VolumeSpec> volumes = volumes(spec);
    for (Mount m : mounts(spec)) {
      VolumeSpec v = volumes.get(m.mount().name());
      if (v instanceof VolumeSpec.Nfs && m.mount().subPath() != null) {
        throw ErrorCode.invalid(m.path() + ".SubPath", "SubPath is not supported on an NFSVolume (\""
            + v.name() + "\"); mount a sub-directory with NFSVolume.Path instead");
      }
    }
  }

  /**
   * The operator's policy: host paths, capabilities and privileged containers (403 codes when
   * refused), the maximum grace period (InvalidParameter).
   */
  public static void checkPolicy(GroupSpec spec, PodPolicy policy) {
    if (spec.terminationGracePeriodSeconds() > policy.maxGraceSeconds()) {
      // Each stop waits this long on a timer; the bound keeps one tenant from holding containers
      // (and their deletes) for arbitrary times (docs/security.md).
      throw ErrorCode.invalid("TerminationGracePeriodSeconds", "must be between 0 and " + policy.maxGraceSeconds()
          + " on this server (serve --max-grace-seconds), got " + spec.terminationGracePeriodSeconds());
    }
    for (int i = 0; i < spec.volumes().size(); i++) {
      if (spec.volumes().get(i) instanceof VolumeSpec.HostPath h && h.dataCacheId() == null // data caches: own rules
          && !policy.hostPathAllowed(h.path())) {
        throw ErrorCode.FORBIDDEN_HOST_PATH.withMessage("Volume." + (i + 1) + ".HostPathVolume.Path \"" + h.path()
            + "\" is not allowed: this server allows host paths "
            + (policy.allowedHostPaths().isEmpty() ? "nowhere" : "under " + policy.allowedHostPaths())
            + " (serve --allow-host-path).");
      }
    }
    for (Container c : containers(spec)) {
      List<String> caps = c.spec().security().capabilityAdd();
      for (int i = 0; i < caps.size(); i++) {
        String cap = Capabilities.canonical(caps.get(i));
        if (cap == null || !policy.capabilityAllowed(cap)) {
          throw ErrorCode.FORBIDDEN_CAPABILITY.withMessage(c.path() + ".SecurityContext.Capability.Add." + (i + 1)
              + " \"" + caps.get(i) + "\" is not allowed: containers may add "
              + String.join(", ", Capabilities.allowed(policy.extraCapabilities()))
              + "; other capabilities need serve --allow-capabilities (or --allow-privileged).");
        }
      }
    }
    if (!policy.allowPrivileged()) {
      for (Container c : containers(spec)) {
        if (Boolean.TRUE.equals(c.spec().security().privileged())) {
          throw ErrorCode.FORBIDDEN_PRIVILEGED.withMessage(c.path() + ".SecurityContextPrivileged=true is not"
              + " allowed: this server does not run privileged containers (serve --allow-privileged).");
        }
      }
    }
  }

  private record Container(String path, ContainerSpec spec) {}

  private record Mount(String path, VolumeMount mount) {}

  private static List<Container> containers(GroupSpec spec) {
    List<Container> out = new ArrayList<>();
    for (int i = 0; i < spec.containers().size(); i++) {
      out.add(new Container("Container." + (i + 1), spec.containers().get(i)));
    }
    for (int i = 0; i < spec.initContainers().size(); i++) {
      out.add(new Container("InitContainer." + (i + 1), spec.initContainers().get(i)));
    }
    return out;
  }

  private static List<Mount> mounts(GroupSpec spec) {
    List<Mount> out = new ArrayList<>();
    for (Container c : containers(spec)) {
      List<VolumeMount> ms = c.spec().volumeMounts();
      for (int i = 0; i < ms.size(); i++) out.add(new Mount(c.path() + ".VolumeMount." + (i + 1), ms.get(i)));
    }
    return out;
  }

  private static Map<String, VolumeSpec> volumes(GroupSpec spec) {
    Map<String, VolumeSpec> out = new HashMap<>();
    for (VolumeSpec v : spec.volumes()) out.put(v.name(), v);
    return out;
  }
}
