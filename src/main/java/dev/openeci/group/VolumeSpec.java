package dev.openeci.group;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.util.List;

/** A group volume, by type (the {@code Volume.N.Type} values). */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({@JsonSubTypes.Type(value = VolumeSpec.EmptyDir.class, name = "EmptyDirVolume"),
    @JsonSubTypes.Type(value = VolumeSpec.ConfigFile.class, name = "ConfigFileVolume"),
    @JsonSubTypes.Type(value = VolumeSpec.Nfs.class, name = "NFSVolume"),
    @JsonSubTypes.Type(value = VolumeSpec.Flex.class, name = "FlexVolume"),
    @JsonSubTypes.Type(value = VolumeSpec.HostPath.class, name = "HostPathVolume"),
    @JsonSubTypes.Type(value = VolumeSpec.Disk.class, name = "DiskVolume")})
public sealed interface VolumeSpec {
  String name();

  /** The API's {@code Type} value. */
  default String typeName() {
    return switch (this) {
      case EmptyDir e -> "EmptyDirVolume";
      case ConfigFile c -> "ConfigFileVolume";
      case Nfs n -> "NFSVolume";
      case Flex f -> "FlexVolume";
      case HostPath h -> "HostPathVolume";
      case Disk d -> "DiskVolume";
    };
  }

  /** {@code medium}: "" (node disk), Memory or LocalRaid0; {@code sizeLimit} as sent (e.g. "1Gi"). */
  record EmptyDir(String name, String medium, String sizeLimit) implements VolumeSpec {}

  /** Files with Base64 {@code content}; modes are octal permissions given in decimal (420 = 0644). */
  record ConfigFile(String name, Integer defaultMode, List<File> files) implements VolumeSpec {
    public ConfigFile {
      files = Lists.copy(files);
    }

    public record File(String path, String content, Integer mode) {}
  }

  record Nfs(String name, String server, String path, boolean readOnly) implements VolumeSpec {}

  record Flex(String name, String driver, String fsType, String options) implements VolumeSpec {}

  /**
   * {@code hostType}: Directory or File. {@code dataCacheId}: set by the server (never by a request)
   * when {@code DataCacheBucket} made {@code path} name a data cache of the group's account; the
   * volume is then that cache's data, mounted read-only (docs/data-caches.md).
   */
  record HostPath(String name, String path, String hostType, String dataCacheId) implements VolumeSpec {
    public HostPath(String name, String path, String hostType) {
      this(name, path, hostType, null);
    }
  }

  record Disk(String name, String diskId, Integer diskSize, String fsType) implements VolumeSpec {}
}
