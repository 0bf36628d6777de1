package dev.openeci.runtime.docker;

import dev.openeci.runtime.ContainerRuntime.SandboxImage;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image of the sandbox (pause) container that holds a group's network namespace: built from
 * the host's busybox-static ({@link RootfsImages#minimal()}) the first time it is missing.
 */
final class DockerSandboxImage {
  private static final Logger log = LoggerFactory.getLogger(DockerSandboxImage.class);
  static final String REFERENCE = "localhost/openeci/pause:1";
  private final DockerImages images;
  private volatile boolean present;

  DockerSandboxImage(DockerImages images) {
    this.images = images;
  }

  SandboxImage ensure() {
    // Checked once, not per sandbox (one engine call less per group start); a create that finds it
    // gone (someone removed it) clears the flag, and the retry imports it again.
    if (!present) {
      if (!images.hasImage(REFERENCE)) {
        log.info("building the sandbox image {} from the host's busybox-static", REFERENCE);
        images.importImage(REFERENCE, RootfsImages.minimal());
      }
      present = true;
    }
    return new SandboxImage(REFERENCE, List.of("/bin/sleep", "infinity"));
  }

  /** A create said {@code image} is not found: if it is the sandbox image, the next ensure imports it again. */
  void missing(String image) {
    if (REFERENCE.equals(image)) present = false;
  }
}
