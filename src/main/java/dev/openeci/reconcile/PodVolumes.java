package dev.openeci.reconcile;

import dev.openeci.config.PodPolicy;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.ContainerSpec;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.VolumeMount;
import dev.openeci.group.VolumeSpec;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.Labels;
import dev.openeci.runtime.RuntimeFailure;
import dev.openeci.hostfs.SafePaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a group's volumes exist on the engine host (docs/pod-config.md, docs/security.md): per-group
 * directories under {@code <data-dir>/pods/<group-id>/} (0700): {@code volumes/<name>} for disk
 * EmptyDirs, {@code configs/<name>/<content-hash>} for ConfigFiles (never a directory a container
 * could write), {@code volume-subpaths/<volume>/<container>/<index>} for SubPath bind mounts; named
 * engine volumes for Memory EmptyDirs (tmpfs), NFS, Disk (scoped by account) and Flex volumes;
 * checked host paths. Idempotent: called before every container is created. {@link #cleanup}
 * removes what belongs to a group.
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
  Map<String, PodConfigs.Volume> prepare(ContainerGroup g, PodPolicy policy) {
    String groupId = g.id();
    GroupSpec spec = g.spec();
    Map<String, PodConfigs.Volume> out = new LinkedHashMap<>();
    for (VolumeSpec v : spec.volumes()) {
      String engineName = PodConfigs.volumeName(groupId, v);
      PodConfigs.Volume prepared = switch (v) {
        case VolumeSpec.EmptyDir e when "Memory".equals(e.medium()) ->
            PodConfigs.Volume.engine(engineName, runtime.ensureVolume(engineName, PodConfigs.tmpfsOptions(e, spec),
                labels(groupId)), false);
        case VolumeSpec.EmptyDir e -> PodConfigs.Volume.bind(emptyDir(groupId, e).toString(), false);
        case VolumeSpec.ConfigFile c -> PodConfigs.Volume.bind(configFiles(groupId, c).toString(), true);
        case VolumeSpec.HostPath h when h.dataCacheId() != null -> PodConfigs.Volume.bind(dataCache(h), true);
        case VolumeSpec.HostPath h -> PodConfigs.Volume.bind(hostPath(h, policy), false);
        case VolumeSpec.Nfs n -> PodConfigs.Volume.engine(engineName,
            runtime.ensureVolume(engineName, PodConfigs.nfsOptions(n), labels(groupId)), n.readOnly());
        case VolumeSpec.Disk d when d.diskId() != null -> {
          String disk = PodConfigs.diskVolumeName(owner, g.accountId(), g.regionId(), d.diskId());
          yield PodConfigs.Volume.engine(disk, runtime.ensureVolume(disk, Map.of(), diskLabels(g, d)), false);
        }
        case VolumeSpec.Disk d -> PodConfigs.Volume.engine(engineName,
            runtime.ensureVolume(engineName, Map.of(), labels(groupId)), false);
        case VolumeSpec.Flex f -> PodConfigs.Volume.engine(engineName,
            runtime.ensureVolume(engineName, Map.of(), labels(groupId)), false);
      };
      out.put(v.name(), prepared);
    }
    return out;
  }

  /**
   * The container's SubPath mounts, by mount index: each sub-path is resolved below its volume's
   * host directory without following any link ({@link SafePaths#openBeneath}; missing directories
   * are created as Kubernetes does, except in read-only and host-path volumes) and bind-mounted by
   * descriptor onto {@code volume-subpaths/<volume>/<container>/<index>}, the path the engine gets.
   * A link anywhere on the way fails the mount ({@link MountFailure}).
   */
  Map<Integer, String> subPaths(String groupId, ContainerSpec c, boolean init, GroupSpec spec,
      Map<String, PodConfigs.Volume> volumes) {
    Map<String, VolumeSpec> byName = new HashMap<>();
    for (VolumeSpec v : spec.volumes()) byName.put(v.name(), v);
    Map<Integer, String> out = new HashMap<>();
    for (int i = 0; i < c.volumeMounts().size(); i++) {
      VolumeMount m = c.volumeMounts().get(i);
      if (m.subPath() == null) continue;
      PodConfigs.Volume v = volumes.get(m.name());
      boolean create = !v.readOnly() && !(byName.get(m.name()) instanceof VolumeSpec.HostPath);
      Path target = subPathDir(groupId).resolve(m.name()).resolve((init ? "init-" : "app-") + c.name())
          .resolve(Integer.toString(i));
      try {
        privateDirs(groupId, target.getParent());
        try (SafePaths.Handle h = SafePaths.openBeneath(Path.of(v.hostDir()), m.subPath(), create, 0777)) {
          SafePaths.bindMount(h, target);
        }
      } catch (java.nio.file.NoSuchFileException e) {
        throw new MountFailure("subPath \"" + m.subPath() + "\" does not exist in volume \"" + m.name() + "\"");
      } catch (SafePaths.Refused e) {
        log.warn("{}: refused subPath \"{}\" of volume {} for container {}: {}", groupId, m.subPath(), m.name(),
            c.name(), e.getMessage());
        throw new MountFailure("subPath \"" + m.subPath() + "\" of volume \"" + m.name() + "\" refused: "
            + e.getMessage());
      } catch (IOException | RuntimeException e) {
        throw new MountFailure("cannot prepare subPath \"" + m.subPath() + "\" of volume \"" + m.name() + "\": "
            + e.getMessage());
      }
      out.put(i, target.toString());
    }
    return out;
  }

  /**
   * Unmounts and removes a container's SubPath mounts (a container removed from the spec). The
   * mounts of a container that is re-created are replaced by {@link #subPaths}; all of a group's go
   * with {@link #cleanup}.
   */
  void releaseSubPaths(String groupId, String containerName, boolean init) {
    Path base = subPathDir(groupId);
    if (!Files.isDirectory(base, LinkOption.NOFOLLOW_LINKS)) return;
    try (var vols = Files.newDirectoryStream(base)) {
      for (Path v : vols) {
        Path dir = v.resolve((init ? "init-" : "app-") + containerName);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) continue;
        SafePaths.unmountUnder(dir);
        SafePaths.deleteTree(dir);
      }
    } catch (IOException e) {
      throw new RuntimeFailure("cannot release the subPath mounts of container " + containerName + ": "
          + e.getMessage());
    }
  }

  private Path subPathDir(String groupId) {
    return groupDir(groupId).resolve("volume-subpaths");
  }

  /**
   * Creates {@code dir} and its parents up to the group directory, each 0700: the server's own
   * directories, which no container sees (a container sees what is mounted, not the path to it).
   */
  private void privateDirs(String groupId, Path dir) throws IOException {
    Path top = groupDir(groupId);
    if (!dir.startsWith(top)) throw new IllegalArgumentException(dir + " is not below " + top);
    List<Path> chain = new ArrayList<>();
    for (Path p = dir; p != null && p.startsWith(top); p = p.getParent()) chain.add(0, p);
    for (Path p : chain) {
      if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
      Files.createDirectories(p.getParent());
      try {
        Files.createDirectory(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) throw e;
        continue;
      }
      Files.setPosixFilePermissions(p, perms(0700));
    }
  }

  private Path emptyDir(String groupId, VolumeSpec.EmptyDir e) {
    Path dir = groupDir(groupId).resolve("volumes").resolve(e.name());
    try {
      privateDirs(groupId, dir.getParent());
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectory(dir);
        // World-writable as the kubelet's emptyDir, so a non-root container can write it; its
        // parents are 0700, so only the containers it is mounted into reach it.
        Files.setPosixFilePermissions(dir, perms(0777));
      }
    } catch (IOException ex) {
      throw new MountFailure("cannot create emptyDir \"" + e.name() + "\" at " + dir + ": " + ex);
    }
    return dir;
  }

  /**
   * The volume's files (Content decoded, modes exact) in a directory of their own, named by a hash
   * of the content: {@code configs/<name>/<hash>}. It is built under a temporary name and renamed
   * when complete, never shared with an EmptyDir of the same name and never written again (no
   * container writes it: ConfigFile volumes are mounted read-only). Files are created with
   * {@code O_CREAT|O_EXCL|O_NOFOLLOW} relative to their directory's descriptor. Other versions of
   * the volume are removed (without following links).
   */
  private Path configFiles(String groupId, VolumeSpec.ConfigFile c) {
    Path parent = groupDir(groupId).resolve("configs").resolve(c.name());
    Path dir = parent.resolve(contentHash(c));
    try {
      privateDirs(groupId, parent);
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        Path tmp = parent.resolve(".tmp-" + dir.getFileName() + "-" + java.util.UUID.randomUUID());
        Files.createDirectory(tmp);
        Files.setPosixFilePermissions(tmp, perms(0755));
        for (VolumeSpec.ConfigFile.File f : c.files()) {
          byte[] content = f.content() == null || f.content().isEmpty() ? new byte[0]
              : Base64.getDecoder().decode(f.content());
          SafePaths.writeNewFile(tmp, f.path(), content, PodConfigs.fileMode(c, f), 0755);
        }
        Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        log.info("{}: wrote {} config file(s) of volume {} to {}", groupId, c.files().size(), c.name(), dir);
      }
      try (var old = Files.newDirectoryStream(parent)) {
        for (Path p : old) {
          if (!p.getFileName().equals(dir.getFileName())) SafePaths.deleteTree(p);
        }
      }
    } catch (IOException | RuntimeException ex) {
      throw new MountFailure("cannot write config files of volume \"" + c.name() + "\": " + ex.getMessage());
    }
    return dir;
  }

  /** 16 hex digits of SHA-256 over the volume's files (paths, modes, contents). */
  static String contentHash(VolumeSpec.ConfigFile c) {
    try {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      for (VolumeSpec.ConfigFile.File f : c.files()) {
        for (String part : List.of(f.path(), Integer.toString(PodConfigs.fileMode(c, f)),
            f.content() == null ? "" : f.content())) {
          md.update(part.getBytes(java.nio.charset.StandardCharsets.UTF_8));
          md.update((byte) 0);
        }
      }
      return java.util.HexFormat.of().formatHex(md.digest(), 0, 8);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A data cache's newest complete data ({@code <data-dir>/data-caches/<id>/<generation>},
   * server-owned), mounted read-only: the id was resolved for the group's account when the group
   * was created (docs/data-caches.md).
   */
  private String dataCache(VolumeSpec.HostPath h) {
    return dev.openeci.datacache.DataCacheService.dataDir(podsDir.resolveSibling(
        dev.openeci.datacache.DataCacheService.DIR), h.dataCacheId()).map(Path::toString)
        .orElseThrow(() -> new MountFailure("data cache " + h.dataCacheId() + " (Path \"" + h.path()
            + "\") no longer exists"));
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

  /**
   * Removes the group's SubPath mounts, engine volumes and host directories (not DiskVolumes with
   * a DiskId). Idempotent and restart-safe: the mounts are found again in the mount table.
   * Nothing is followed out of the group directory: links are removed, not their targets, and a
   * mount still below it stops the removal before anything on it is touched.
   */
  void cleanup(String groupId) {
    Path dir = groupDir(groupId);
    try {
      int unmounted = SafePaths.unmountUnder(dir);
      if (unmounted > 0) log.info("{}: unmounted {} subPath mount(s)", groupId, unmounted);
    } catch (IOException e) {
      throw new RuntimeFailure("cannot unmount the subPath mounts under " + dir + ": " + e.getMessage());
    }
    runtime.removeVolumes(labels(groupId));
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try {
      SafePaths.deleteTree(dir);
      log.info("{}: removed its volume directory {}", groupId, dir);
    } catch (IOException e) {
      throw new RuntimeFailure("cannot remove " + dir + ": " + e.getMessage());
    }
  }

  private Map<String, String> labels(String groupId) {
    return Map.of(Labels.MANAGED, "true", Labels.OWNER, owner, Labels.GROUP_ID, groupId);
  }

  /** A disk belongs to an account in a region: its labels say which (and never a group id). */
  private Map<String, String> diskLabels(ContainerGroup g, VolumeSpec.Disk d) {
    return Map.of(Labels.MANAGED, "true", Labels.OWNER, owner, "openeci.disk-id", d.diskId(), "openeci.account-id",
        g.accountId(), "openeci.region-id", g.regionId());
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
