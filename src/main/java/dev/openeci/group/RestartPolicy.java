package dev.openeci.group;

/** ECI RestartPolicy; applies to each container, never to the group itself. */
public enum RestartPolicy {
  Always, OnFailure, Never;

  /** Kubelet's rule: should a container that exited with {@code exitCode} run again? */
  public boolean restarts(int exitCode) {
    return switch (this) {
      case Always -> true;
      case OnFailure -> exitCode != 0;
      case Never -> false;
    };
  }
}
