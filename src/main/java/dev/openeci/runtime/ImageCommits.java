package dev.openeci.runtime;

import java.util.Optional;
import java.util.function.Consumer;

/**
 * What CommitContainer needs from an engine: commit a container to a local image, push an image
 * to its registry, remove a local reference. Calls block and throw {@link RuntimeFailure} with a
 * message fit for a user-visible event (never with a registry password in it).
 */
public interface ImageCommits {

  /**
   * Commits the container's file system (paused meanwhile) to {@code reference} ({@code repository:tag});
   * returns the new image's id.
   */
  String commit(String containerId, String reference, String author, String message);

  /**
   * Pushes the local image {@code localImage} to {@code destination} (a reference naming its registry)
   * with {@code auth} when present; {@code insecureRegistry} skips certificate checks and allows plain
   * HTTP where the engine can do so per request (Podman).
   */
  void push(String localImage, String destination, Optional<RegistryAuth> auth, boolean insecureRegistry,
      Consumer<String> progress);

  /** Removes a local image reference (the image goes when no other reference holds it); missing is fine. */
  void untag(String reference);
}
