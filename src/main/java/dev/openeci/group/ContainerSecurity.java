package dev.openeci.group;

import java.util.List;

/** A container's security context (null = not set). */
public record ContainerSecurity(List<String> capabilityAdd, Boolean readOnlyRootFilesystem, Long runAsUser,
    Long runAsGroup, Boolean runAsNonRoot, Boolean privileged) {
  public ContainerSecurity {
    capabilityAdd = Lists.copy(capabilityAdd);
  }

  public static final ContainerSecurity NONE = builder().build();

  /** A builder: fields not set keep their defaults (empty lists, null, false, 0). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this security context, to change a few fields. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.capabilityAdd = capabilityAdd;
    b.readOnlyRootFilesystem = readOnlyRootFilesystem;
    b.runAsUser = runAsUser;
    b.runAsGroup = runAsGroup;
    b.runAsNonRoot = runAsNonRoot;
    b.privileged = privileged;
    return b;
  }

  /** Builds a {@link ContainerSecurity} by field name instead of position. */
  public static final class Builder {
    private List<String> capabilityAdd = List.of();
    private Boolean readOnlyRootFilesystem;
    private Long runAsUser;
    private Long runAsGroup;
    private Boolean runAsNonRoot;
    private Boolean privileged;

    private Builder() {
    }

    public Builder capabilityAdd(List<String> capabilityAdd) {
      this.capabilityAdd = capabilityAdd;
      return this;
    }

    public Builder readOnlyRootFilesystem(Boolean readOnlyRootFilesystem) {
      this.readOnlyRootFilesystem = readOnlyRootFilesystem;
      return this;
    }

    public Builder runAsUser(Long runAsUser) {
      this.runAsUser = runAsUser;
      return this;
    }

    public Builder runAsGroup(Long runAsGroup) {
      this.runAsGroup = runAsGroup;
      return this;
    }

    public Builder runAsNonRoot(Boolean runAsNonRoot) {
      this.runAsNonRoot = runAsNonRoot;
      return this;
    }

    public Builder privileged(Boolean privileged) {
      this.privileged = privileged;
      return this;
    }

    public ContainerSecurity build() {
      return new ContainerSecurity(capabilityAdd, readOnlyRootFilesystem, runAsUser, runAsGroup, runAsNonRoot,
          privileged);
    }
  }
}
