package dev.openeci.api.action;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.ContainerGroup;
import dev.openeci.group.GroupService;
import dev.openeci.group.VolumeSpec;

/**
 * ResizeContainerGroupVolume: validated completely (the caller's group, a volume of it that is a
 * DiskVolume, NewSize within ECI's 20-32768 GiB and above the disk's current size), then refused with
 * a code saying why no disk can grow here. A local DiskVolume is an engine volume of the local driver
 * on the host's file system: it has no size (Podman sets one only with XFS project quotas; DiskSize
 * is not enforced), so there is no capacity to grow. On Kubernetes the claim's size belongs to the
 * cluster's StorageClass and openeci does not change claims. docs/images.md ("Disk volumes").
 */
public final class ResizeContainerGroupVolumeAction implements ActionHandler {
  public static final int MIN_SIZE = 20;
  public static final int MAX_SIZE = 32768;
  /** A DiskVolume without DiskSize is taken as ECI's default, 20 GiB. */
  public static final int DEFAULT_SIZE = 20;

  private final GroupService groups;
  private final boolean kubernetes;

  public ResizeContainerGroupVolumeAction(GroupService groups, boolean kubernetes) {
    this.groups = groups;
    this.kubernetes = kubernetes;
  }

  @Override
  public String action() {
    return "ResizeContainerGroupVolume";
  }

  @Override
  public Object handle(ActionContext ctx) {
    var p = ctx.params();
    String groupId = p.required("ContainerGroupId");
    String volumeName = p.required("VolumeName");
    Long newSize = p.longValue("NewSize");
    if (newSize == null) throw ErrorCode.missing("NewSize");
    String token = p.string("ClientToken");
    if (token != null && (token.length() > 64 || !token.chars().allMatch(c -> c >= 0x21 && c < 0x7f))) {
      throw ErrorCode.invalid("ClientToken", "at most 64 printable ASCII characters");
    }
    if (newSize < MIN_SIZE || newSize > MAX_SIZE) {
      throw ErrorCode.invalid("NewSize", "must be " + MIN_SIZE + "-" + MAX_SIZE + " GiB, got " + newSize);
    }
    ContainerGroup g = groups.find(ctx.accountId(), ctx.regionId(), groupId);
    VolumeSpec volume = g.spec().volumes().stream().filter(v -> v.name().equals(volumeName)).findFirst()
        .orElseThrow(() -> ErrorCode.invalid("VolumeName", "the container group " + g.id() + " has no volume \""
            + dev.openeci.api.mapping.Text.printable(volumeName) + "\""));
    if (!(volume instanceof VolumeSpec.Disk disk)) {
      throw new ApiException(ErrorCode.INVALID_VOLUME_TYPE, "The volume " + volumeName + " is a "
          + volume.typeName() + ": only DiskVolume volumes can be resized.");
    }
    int current = disk.diskSize() == null ? DEFAULT_SIZE : disk.diskSize();
    if (newSize <= current) {
      throw ErrorCode.invalid("NewSize", "must be greater than the disk's current size, " + current + " GiB, got "
          + newSize + " (volumes cannot shrink)");
    }
    if (kubernetes) {
      throw ErrorCode.UNSUPPORTED_OPERATION.withMessage("The DiskVolume " + volumeName + " is a PersistentVolumeClaim"
          + " of the cluster's StorageClass; openeci does not resize claims (docs/kubernetes.md).");
    }
    throw new ApiException(ErrorCode.VOLUME_RESIZE_UNSUPPORTED, "The DiskVolume " + volumeName + " of " + g.id()
        + " cannot grow to " + newSize + " GiB here: it is an engine volume on the host's file system without a"
        + " size of its own (the engine sets volume sizes only with XFS project quotas, which this server does not"
        + " use), so DiskSize is not enforced and the volume can already use the host's free space"
        + " (docs/images.md).");
  }
}
