package dev.openeci.reconcile;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a group's volumes exist on the engine host (docs/pod-config.md): per-group directories
 * under {@code <data-dir>/pods/<group-id>/volumes/} for disk EmptyDirs and ConfigFiles, named engine
 * volumes for Memory EmptyDirs (tmpfs), NFS, Disk and Flex volumes, checked host paths. Idempotent:
 * called before every container is created. {@link #cleanup} removes what belongs to a group.
 */
final class PodVolumes {
  private static final Logger log = LoggerFactory.getLogger(PodVolumes.class);
  /** Where the sandbox holds Memory EmptyDirs, so they stay mounted (and shared) for the group's life. */
  static final String SANDBOX_VOLUME_ROOT = "/.openeci/volumes/";

  /** A volume that cannot be set up; the message is fit for a FailedMount event. */
  static final class MountFailure extends RuntimeFailure {
    MountFailure(String message) {
      super(message);
    }
  }

  private final ContainerRuntime runtime;
  private final Path podsDir;
  private final String owner;

  PodVolumes(ContainerRuntime runtime, Path podsDir, String owner) {
    this.runtime = runtime;
    this.podsDir = podsDir;
    this.owner = owner;
  }

  Path groupDir(String groupId) {
    return podsDir.resolve(groupId);
  }

  /** Engine mounts of the sandbox: every Memory EmptyDir, so its tmpfs lives as long as the group. */
  List<CreateContainer.Mount> sandboxMounts(String groupId, GroupSpec spec) {
    List<CreateContainer.Mount> out = new ArrayList<>();
    for (VolumeSpec v : spec.volumes()) {
      if (v instanceof VolumeSpec.EmptyDir e && "Memory".equals(e.medium())) {
        String name = PodConfigs.volumeName(groupId, v);
        runtime.ensureVolume(name, PodConfigs.tmpfsOptions(e, spec), labels(groupId));
        out.add(new CreateContainer.Mount("volume", name, SANDBOX_VOLUME_ROOT + v.name(), false, 0, null));
      }
    }
    return out;
  }

  /** Every volume of the group, ready to mount. Throws {@link MountFailure} for what cannot be. */
  Map<String, PodConfigs.Volume> prepare(String groupId, GroupSpec spec, PodPolicy policy) {
    Map<String, PodConfigs.Volume> out = new LinkedHashMap<>();
    for (VolumeSpec v : spec.volumes()) {
      String engineName = PodConfigs.volumeName(groupId, v);
      PodConfigs.Volume prepared = switch (v) {
        case VolumeSpec.EmptyDir e when "Memory".equals(e.medium()) ->
            PodConfigs.Volume.engine(engineName, runtime.ensureVolume(engineName, PodConfigs.tmpfsOptions(e, spec),
                labels(groupId)), false);
        case VolumeSpec.EmptyDir e -> PodConfigs.Volume.bind(emptyDir(groupId, e).toString(), false);
        case VolumeSpec.ConfigFile c -> PodConfigs.Volume.bind(configFiles(groupId, c).toString(), true);
        case VolumeSpec.HostPath h -> PodConfigs.Volume.bind(hostPath(h, policy), false);
        case VolumeSpec.Nfs n -> PodConfigs.Volume.engine(engineName,
            runtime.ensureVolume(engineName, PodConfigs.nfsOptions(n), labels(groupId)), n.readOnly());
        case VolumeSpec.Disk d -> PodConfigs.Volume.engine(engineName,
            runtime.ensureVolume(engineName, Map.of(), d.diskId() == null ? labels(groupId) : diskLabels(d)), false);
        case VolumeSpec.Flex f -> PodConfigs.Volume.engine(engineName,
            runtime.ensureVolume(engineName, Map.of(), labels(groupId)), false);
      };
      out.put(v.name(), prepared);
    }
    return out;
  }

  /** Kubernetes creates a missing SubPath directory; so does openeci (on the engine host). */
  void ensureSubPaths(ContainerSpec c, GroupSpec spec, Map<String, PodConfigs.Volume> volumes) {
    Map<String, VolumeSpec> byName = new HashMap<>();
    for (VolumeSpec v : spec.volumes()) byName.put(v.name(), v);
    for (VolumeMount m : c.volumeMounts()) {
      if (m.subPath() == null) continue;
      PodConfigs.Volume v = volumes.get(m.name());
      Path target = Path.of(v.hostDir()).resolve(m.subPath()).normalize();
      if (!target.startsWith(Path.of(v.hostDir()))) throw new MountFailure("subPath \"" + m.subPath() + "\" escapes volume "
          + m.name());
      if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) continue;
      if (v.readOnly() || byName.get(m.name()) instanceof VolumeSpec.HostPath) {
        throw new MountFailure("subPath \"" + m.subPath() + "\" does not exist in volume \"" + m.name() + "\"");
      }
      try {
        Files.createDirectories(target);
        Files.setPosixFilePermissions(target, perms(0777));
      } catch (IOException e) {
        throw new MountFailure("cannot create subPath \"" + m.subPath() + "\" of volume \"" + m.name() + "\": " + e);
      }
    }
  }

  private Path emptyDir(String groupId, VolumeSpec.EmptyDir e) {
    Path dir = groupDir(groupId).resolve("volumes").resolve(e.name());
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, perms(0777)); // as the kubelet's emptyDir
      }
    } catch (IOException ex) {
      throw new MountFailure("cannot create emptyDir \"" + e.name() + "\" at " + dir + ": " + ex);
    }
    return dir;
  }

  /** Writes the files (Content decoded) with their modes; a file no longer listed is not kept. */
  private Path configFiles(String groupId, VolumeSpec.ConfigFile c) {
    Path dir = groupDir(groupId).resolve("volumes").resolve(c.name());
    try {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, perms(0755));
      for (VolumeSpec.ConfigFile.File f : c.files()) {
        Path file = dir.resolve(f.path()).normalize();
        if (!file.startsWith(dir)) throw new MountFailure("config file path \"" + f.path() + "\" escapes its volume");
        Files.createDirectories(file.getParent());
        byte[] content = f.content() == null || f.content().isEmpty() ? new byte[0]
            : Base64.getDecoder().decode(f.content());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, content);
        Files.setPosixFilePermissions(tmp, perms(PodConfigs.fileMode(c, f)));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      }
    } catch (IOException ex) {
      throw new MountFailure("cannot write config files of volume \"" + c.name() + "\": " + ex);
    }
    return dir;
  }

  private static String hostPath(VolumeSpec.HostPath h, PodPolicy policy) {
    if (!policy.hostPathAllowed(h.path())) {
      throw new MountFailure("hostPath \"" + h.path() + "\" is not allowed by this server (--allow-host-path)");
    }
    Path p = Path.of(h.path());
    if ("File".equals(h.hostType()) && !Files.isRegularFile(p)) {
      throw new MountFailure("hostPath type check failed: " + h.path() + " is not a file");
    }
    if (!"File".equals(h.hostType()) && !Files.isDirectory(p)) {
      throw new MountFailure("hostPath type check failed: " + h.path() + " is not a directory");
    }
    return h.path();
  }

  /** Removes the group's engine volumes and host directories (not DiskVolumes with a DiskId). */
  void cleanup(String groupId) {
    runtime.removeVolumes(labels(groupId));
    Path dir = groupDir(groupId);
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
      log.info("{}: removed its volume directory {}", groupId, dir);
    } catch (IOException e) {
      throw new RuntimeFailure("cannot remove " + dir + ": " + e);
    }
  }

  private Map<String, String> labels(String groupId) {
    return Map.of(Labels.MANAGED, "true", Labels.OWNER, owner, Labels.GROUP_ID, groupId);
  }

  private Map<String, String> diskLabels(VolumeSpec.Disk d) {
    return Map.of(Labels.MANAGED, "true", Labels.OWNER, owner, "openeci.disk-id", d.diskId());
  }

  static Set<PosixFilePermission> perms(int mode) {
    Set<PosixFilePermission> s = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_READ};
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) s.add(order[i]);
    }
    return s;
  }
}
