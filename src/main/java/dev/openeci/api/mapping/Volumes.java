package dev.openeci.api.mapping;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.group.VolumeSpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads and validates {@code Volume.N.*}. */
final class Volumes {
  static final int MAX_VOLUMES = 20;
  static final int MAX_FILE_BYTES = 32 * 1024;
  static final int MAX_VOLUME_BYTES = 60 * 1024;
  static final List<String> TYPES = List.of("EmptyDirVolume", "ConfigFileVolume", "NFSVolume", "FlexVolume",
      "HostPathVolume", "DiskVolume");

  /** Seed: FlexVolume.Driver valid values. */
  static final List<String> FLEX_DRIVERS = List.of("alicloud/disk", "alicloud/nas", "alicloud/oss");
  /** UpdateContainerGroup seed: FlexVolume.FsType valid values (default ext4). */
  static final List<String> FS_TYPES = List.of("ext4", "ext3", "xfs", "vfat");

  private Volumes() {}

  static List<VolumeSpec> read(ParamReader p) {
    List<ParamReader> list = p.list("Volume");
    if (list.size() > MAX_VOLUMES) {
      throw ErrorCode.invalid("Volume", "at most " + MAX_VOLUMES + " volumes are allowed, got " + list.size());
    }
    List<VolumeSpec> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ParamReader v : list) {
      String name = v.required("Name");
      CreateRequestMapper.checkName(v.path("Name"), name);
      if (!names.add(name)) {
        throw new ApiException(ErrorCode.DUPLICATED_VOLUME_NAME, "The container group includes volumes with duplicate names: \""
            + name + "\".");
      }
      String type = v.string("Type");
      if (type == null || type.isEmpty()) throw ErrorCode.missing(v.path("Type"));
      if (!TYPES.contains(type)) throw CreateRequestMapper.notOneOf(v.path("Type"), type, TYPES);
      out.add(switch (type) {
        case "EmptyDirVolume" -> emptyDir(v, name);
        case "ConfigFileVolume" -> configFile(v, name);
        case "NFSVolume" -> new VolumeSpec.Nfs(name, v.required("NFSVolume.Server"), absolute(v, "NFSVolume.Path"),
            Boolean.TRUE.equals(v.bool("NFSVolume.ReadOnly")));
        case "FlexVolume" -> flex(v, name);
        case "HostPathVolume" -> new VolumeSpec.HostPath(name, absolute(v, "HostPathVolume.Path"),
            CreateRequestMapper.oneOf(v, "HostPathVolume.Type", List.of("Directory", "File")));
        default -> disk(v, name);
      });
    }
    return out;
  }

  private static VolumeSpec emptyDir(ParamReader v, String name) {
    String medium = v.string("EmptyDirVolume.Medium");
    if (medium != null && !medium.isEmpty()) {
      String m = medium.toLowerCase(Locale.ROOT);
      if (m.equals("memory")) {
        medium = "Memory";
      } else if (m.equals("localraid0")) {
        medium = "LocalRaid0";
      } else {
        throw CreateRequestMapper.notOneOf(v.path("EmptyDirVolume.Medium"), medium, List.of("", "Memory", "LocalRaid0"));
      }
    } else {
      medium = "";
    }
    String size = CreateRequestMapper.emptyToNull(v.string("EmptyDirVolume.SizeLimit"));
    if (size != null && (size.length() > 32 || !size.matches("\\d+(\\.\\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?"))) {
      throw ErrorCode.invalid(v.path("EmptyDirVolume.SizeLimit"), "\"" + abbreviate(size)
          + "\" is not a size such as 512Mi or 2Gi");
    }
    if (size != null && size.matches("\\d+(\\.\\d+)?")) {
      // CreateContainerGroup seed: "EmptyDirVolume.SizeLimit: the size of the EmptyDirVolume. Unit: GiB." (example 2);
      // a bare number is GiB, stored with its unit so every reader agrees.
      size = size + "Gi";
    }
    if (size != null) {
      try {
        dev.openeci.group.Quantities.bytes(size);
      } catch (ArithmeticException e) {
        throw ErrorCode.invalid(v.path("EmptyDirVolume.SizeLimit"), "\"" + size + "\" is too large");
      }
    }
    return new VolumeSpec.EmptyDir(name, medium, size);
  }

  private static VolumeSpec configFile(ParamReader v, String name) {
    Integer defaultMode = mode(v, "ConfigFileVolume.DefaultMode");
    List<VolumeSpec.ConfigFile.File> files = new ArrayList<>();
    int total = 0;
    Set<String> paths = new HashSet<>();
    for (ParamReader f : v.list("ConfigFileVolume.ConfigFileToPath")) {
      String path = f.required("Path");
      String why = relativeFilePathProblem(path);
      if (why != null) throw ErrorCode.invalid(f.path("Path"), "\"" + printable(path) + "\" " + why);
      if (!paths.add(path)) throw ErrorCode.invalid(f.path("Path"), "\"" + path + "\" appears twice");
      for (String other : paths) {
        if (other.startsWith(path + "/") || path.startsWith(other + "/")) {
          throw ErrorCode.invalid(f.path("Path"), "\"" + path + "\" and \"" + other + "\" cannot both be files: one"
              + " would be the other's directory");
        }
      }
      String content = f.string("Content");
      int size = 0;
      if (content != null && !content.isEmpty()) {
        try {
          size = Base64.getDecoder().decode(content).length;
        } catch (IllegalArgumentException e) {
          throw ErrorCode.invalid(f.path("Content"), "must be Base64-encoded");
        }
      }
      if (size > MAX_FILE_BYTES) {
        throw ErrorCode.invalid(f.path("Content"), "decodes to " + size + " bytes; at most 32 KB per file");
      }
      total += size;
      files.add(new VolumeSpec.ConfigFile.File(path, content == null ? "" : content, mode(f, "Mode")));
    }
    if (total > MAX_VOLUME_BYTES) {
      throw ErrorCode.invalid(v.path("ConfigFileVolume"), "files total " + total + " bytes; at most 60 KB per volume");
    }
    return new VolumeSpec.ConfigFile(name, defaultMode, files);
  }

  /** Longest path of a ConfigFile file or a SubPath, in bytes (Linux PATH_MAX is 4096; this is far below). */
  static final int MAX_PATH_BYTES = 1024;
  /** Longest file name (one path component), in bytes: Linux NAME_MAX. */
  static final int MAX_NAME_BYTES = 255;

  /**
   * Why a ConfigFile path cannot name a file below its volume (null when it can): it must be
   * relative, made of non-empty names that are not "." or "..", without NUL, at most
   * {@value #MAX_NAME_BYTES} bytes a name and {@value #MAX_PATH_BYTES} in all.
   */
  static String relativeFilePathProblem(String path) {
    if (path.isEmpty()) return "is empty";
    if (path.indexOf('\0') >= 0) return "contains a NUL character";
    if (path.startsWith("/")) return "must be a relative path";
    if (path.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      return "is longer than " + MAX_PATH_BYTES + " bytes";
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty()) return "must not contain an empty name (\"//\" or a trailing \"/\")";
      if (part.equals(".") || part.equals("..")) return "must not contain \".\" or \"..\"";
      if (part.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
        return "has a name longer than " + MAX_NAME_BYTES + " bytes";
      }
    }
    return null;
  }

  /** A value echoed in a message: control characters shown as \\uXXXX, long values cut. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) {
      if (b.length() > 80) return b + "...";
      if (Character.isISOControl(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * DiskId as ECI's cloud disks name them: "d-" and 1-62 lowercase letters and digits (a disk of
   * this account in this region; docs/security.md).
   */
  static final java.util.regex.Pattern DISK_ID = java.util.regex.Pattern.compile("d-[a-z0-9]{1,62}");

  /** Permission bits as ECI takes them: the decimal value of an octal mode, 0 to 0777 (511). */
  private static Integer mode(ParamReader p, String param) {
    Integer m = p.integer(param);
    if (m != null && (m < 0 || m > 0777)) {
      throw ErrorCode.invalid(p.path(param), m + " is not a permission mode (0 to 511, e.g. 420 for 0644)");
    }
    return m;
  }

  private static VolumeSpec flex(ParamReader v, String name) {
    String options = CreateRequestMapper.emptyToNull(v.string("FlexVolume.Options"));
    if (options != null) {
      try {
        if (!new ObjectMapper().readTree(options).isObject()) throw new IllegalArgumentException();
      } catch (Exception e) {
        throw ErrorCode.invalid(v.path("FlexVolume.Options"), "must be a JSON object");
      }
    }
    String driver = v.required("FlexVolume.Driver");
    if (!FLEX_DRIVERS.contains(driver)) throw CreateRequestMapper.notOneOf(v.path("FlexVolume.Driver"), driver, FLEX_DRIVERS);
    String fsType = CreateRequestMapper.oneOf(v, "FlexVolume.FsType", FS_TYPES);
    if (options != null) {
      try {
        var tree = new ObjectMapper().readTree(options);
        var kms = tree.get("kmsKeyId");
        var encrypted = tree.get("encrypted");
        if (kms != null && !kms.asText("").isEmpty()
            && (encrypted == null || !encrypted.asText("").equalsIgnoreCase("true"))) {
          // Seed: "After configuring the parameter KmsKeyId, you must enable encryption."
          throw new ApiException(ErrorCode.KMS_ENCRYPTED_ILLEGAL, "After configuring the parameter KmsKeyId, you must"
              + " enable encryption: " + v.path("FlexVolume.Options") + " sets kmsKeyId without \"encrypted\": \"true\".");
        }
        var size = tree.get("volumeSize");
        if (size != null && !size.isNull()) {
          // Seed: "volumeSize: the size of the cloud disk. Unit: GiB. Valid values: 20 to 32768."
          long gib;
          if (size.isIntegralNumber() && size.canConvertToLong()) {
            gib = size.asLong();
          } else if (size.isTextual() && size.asText().trim().length() <= 10) {
            gib = Long.parseLong(size.asText().trim());
          } else {
            throw new NumberFormatException();
          }
          if (gib < 20 || gib > 32768) throw new NumberFormatException();
        }
      } catch (NumberFormatException | com.fasterxml.jackson.core.JsonProcessingException e) {
        throw ErrorCode.invalid(v.path("FlexVolume.Options"), "volumeSize must be 20-32768 (GiB)");
      }
    }
    return new VolumeSpec.Flex(name, driver, fsType, options);
  }

  private static VolumeSpec disk(ParamReader v, String name) {
    Integer size = v.integer("DiskVolume.DiskSize");
    if (size != null && size < 1) throw ErrorCode.invalid(v.path("DiskVolume.DiskSize"), "must be >= 1 GiB, got " + size);
    String diskId = CreateRequestMapper.emptyToNull(v.string("DiskVolume.DiskId"));
    if (diskId != null && !DISK_ID.matcher(diskId).matches()) {
      throw ErrorCode.invalid(v.path("DiskVolume.DiskId"), "\"" + printable(diskId) + "\" is not a disk ID: \"d-\""
          + " followed by 1-62 lowercase letters and digits, e.g. d-bp1j4l5axzdy6ftk0001");
    }
    if (diskId == null && size == null) {
      throw ErrorCode.missing(v.path("DiskVolume.DiskId"));
    }
    return new VolumeSpec.Disk(name, diskId, size, CreateRequestMapper.emptyToNull(v.string("DiskVolume.FsType")));
  }

  private static String absolute(ParamReader v, String param) {
    String path = v.required(param);
    if (!path.startsWith("/")) throw ErrorCode.invalid(v.path(param), "\"" + path + "\" must be an absolute path");
    return path;
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }
}
