package dev.openeci.group;

import java.util.List;

/** A container's security context (null = not set). */
public record ContainerSecurity(List<String> capabilityAdd, Boolean readOnlyRootFilesystem, Long runAsUser,
    Long runAsGroup, Boolean runAsNonRoot, Boolean privileged) {
  public ContainerSecurity {
    capabilityAdd = Lists.copy(capabilityAdd);
  }

  public static final ContainerSecurity NONE = new ContainerSecurity(List.of(), null, null, null, null, null);
}
