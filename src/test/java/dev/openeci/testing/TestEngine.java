package dev.openeci.testing;

import dev.openeci.runtime.docker.DockerRuntime;
import dev.openeci.runtime.docker.EngineLocator;
import dev.openeci.runtime.docker.RootfsImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The real engine for ITs, one per test JVM: the first engine that answers, else the one
 * {@code scripts/setup-engine.sh} installs and starts. Also provides the busybox test image
 * ({@link #BUSYBOX}), imported from the host's busybox-static (no registry needed).
 */
public final class TestEngine {
  public static final String BUSYBOX = "localhost/openeci-test/busybox:1";
  /** Busybox with ENTRYPOINT ["/bin/echo","ep:"] and CMD ["image-cmd"], for Command/Arg semantics. */
  public static final String ENTRYPOINT_IMAGE = "localhost/openeci-test/entrypoint:1";

  private static String endpoint;
  private static DockerRuntime runtime;
  private static boolean imageReady;

  private TestEngine() {}

  public static synchronized String endpoint() {
    if (endpoint == null) {
      Optional<String> found = EngineLocator.locate(System.getenv());
      endpoint = found.orElseGet(TestEngine::setUp);
    }
    return endpoint;
  }

  private static String setUp() {
    try {
      Process p = new ProcessBuilder(Path.of("scripts/setup-engine.sh").toAbsolutePath().toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0 || out.isEmpty()) throw new IllegalStateException("scripts/setup-engine.sh failed");
      return out;
    } catch (IOException e) {
      throw new IllegalStateException("cannot run scripts/setup-engine.sh", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  public static synchronized DockerRuntime runtime() {
    if (runtime == null) runtime = new DockerRuntime(endpoint());
    return runtime;
  }

  /** {@link #ENTRYPOINT_IMAGE}, imported once. */
  public static synchronized String entrypointImage() {
    DockerRuntime r = runtime();
    if (!r.hasImage(ENTRYPOINT_IMAGE)) {
      r.importImage(ENTRYPOINT_IMAGE, RootfsImages.fullBusybox(),
          java.util.List.of("ENTRYPOINT [\"/bin/echo\", \"ep:\"]", "CMD [\"image-cmd\"]"));
    }
    return ENTRYPOINT_IMAGE;
  }

  /**
   * Removes every engine container and volume a test server (data directory {@code dataDir}) left
   * behind, e.g. when a test failed before deleting its groups: each server has its own
   * {@code openeci.owner}, so no later server would ever collect them.
   */
  public static void removeLeftovers(Path dataDir) {
    Path file = dataDir.resolve("instance-id");
    try {
      if (!java.nio.file.Files.exists(file)) return;
      String owner = java.nio.file.Files.readString(file).trim();
      if (owner.isEmpty()) return;
      DockerRuntime r = runtime();
      java.util.Map<String, String> mine = java.util.Map.of(dev.openeci.runtime.Labels.OWNER, owner);
      // Members first: Podman refuses to remove a sandbox other containers still join.
      java.util.List<dev.openeci.runtime.RuntimeContainer> all = r.list(mine);
      for (var c : all) {
        if (!dev.openeci.runtime.Labels.ROLE_SANDBOX.equals(c.label(dev.openeci.runtime.Labels.ROLE))) r.remove(c.id());
      }
      for (var c : all) {
        if (dev.openeci.runtime.Labels.ROLE_SANDBOX.equals(c.label(dev.openeci.runtime.Labels.ROLE))) r.remove(c.id());
      }
      r.removeVolumes(mine);
      r.removeNetworks(mine);
    } catch (IOException | RuntimeException e) {
      System.err.println("TestEngine: could not remove leftovers of " + dataDir + ": " + e);
    }
  }

  /** The full busybox image (all applets, users root/app(1000)/nobody, /tmp, /www). */
  public static synchronized String busyboxImage() {
    if (!imageReady) {
      DockerRuntime r = runtime();
      if (!r.hasImage(BUSYBOX)) r.importImage(BUSYBOX, RootfsImages.fullBusybox());
      imageReady = true;
    }
    return BUSYBOX;
  }
}
