package dev.openeci.runtime;

import java.io.Closeable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The narrow interface between the control loop and a container engine. Everything the loop
 * creates carries labels ({@link Labels}), so a restarted service can relist, adopt or
 * garbage-collect it. Implementations are thread-safe; calls block and may throw
 * {@link RuntimeFailure} with a message fit for a user-visible event.
 */
public interface ContainerRuntime extends Closeable {

  /** Human-readable engine identity, e.g. {@code "podman 4.3.1 (Docker API 1.41) at unix:///run/podman/podman.sock"}. */
  String describe();

  /** Every container (running or not) whose labels contain all of {@code labels}. One engine call. */
  List<RuntimeContainer> list(Map<String, String> labels);

  /** Full state of one container, or empty when the engine no longer has it. */
  Optional<RuntimeContainer> inspect(String containerId);

  /**
   * Makes sure the engine has an image able to hold a group's namespaces (a process that waits
   * forever and exits at once on SIGTERM or SIGKILL) and returns it. Built locally, never pulled.
   */
  SandboxImage ensureSandboxImage();

  /** The sandbox image and the command that keeps its container running. */
  record SandboxImage(String image, java.util.List<String> command) {}

  /** True when the engine has the image locally. */
  boolean hasImage(String image);

  /**
   * The engine's id of a local image (its config digest), the same whatever name it is asked by;
   * empty when absent or when the engine does not tell.
   */
  default Optional<String> imageId(String image) {
    return Optional.empty();
  }

  /**
   * Pulls an image. Progress lines go to {@code progress} (may be called from another thread).
   * Failures (not found, unauthorized, TLS) throw {@link RuntimeFailure} with the engine's reason.
   */
  void pull(String image, Optional<RegistryAuth> auth, boolean insecureRegistry, Consumer<String> progress);

  /** Creates (does not start) a container; returns its id. A name already taken throws {@link NameConflict}. */
  String create(CreateContainer spec);

  void start(String containerId);

  /** SIGTERM, then SIGKILL when {@code grace} ends. Stopping a stopped container is not an error. */
  void stop(String containerId, Duration grace);

  /** Sends a signal (e.g. "KILL"). A container that is not running is not an error. */
  void kill(String containerId, String signal);

  /** Removes a container (force kills it first). A missing container is not an error. */
  void remove(String containerId);

  /** Runs a command in a running container, collecting output up to {@code maxOutputBytes}. */
  ExecResult exec(String containerId, List<String> command, Duration timeout, int maxOutputBytes);

  /**
   * Starts an interactive command: output goes to {@code output} as it arrives (from another
   * thread), the returned session takes stdin and can end the command.
   */
  ExecSession execInteractive(String containerId, List<String> command, boolean tty, boolean stdin,
      ExecOutput output);

  /** Receives an interactive command's output and, once, its exit code (-1 when unknown). */
  interface ExecOutput {
    void stdout(byte[] data);

    void stderr(byte[] data);

    void exited(int exitCode);
  }

  /** Stdin of an interactive command. */
  interface ExecSession extends java.io.Closeable {
    void write(byte[] data) throws java.io.IOException;

    /** End of input (the command sees EOF). */
    void closeStdin();

    /** The size of the session's terminal (TTY sessions); engines without resize ignore it. */
    default void resize(int width, int height) {
    }
  }

  /** Log text of one container (stdout and stderr interleaved in arrival order). */
  String logs(String containerId, LogQuery query);

  /**
   * Subscribes to engine container events for containers carrying {@code labels}. The stream
   * reconnects by itself after engine restarts until the returned handle is closed; after a
   * reconnect it calls {@code onResync} so the caller can relist (events may have been missed).
   */
  Closeable events(Map<String, String> labels, Consumer<RuntimeEvent> sink, Runnable onResync);

  /** The published host address usable as a group's InternetIp (e.g. 127.0.0.1). */
  default String publishAddress() {
    return "127.0.0.1";
  }

  /**
   * Makes sure a named engine volume exists (local driver with {@code driverOptions}, e.g. type
   * tmpfs or nfs) and returns its mount point on the engine host. An existing volume is kept.
   */
  default String ensureVolume(String name, Map<String, String> driverOptions, Map<String, String> labels) {
    throw new RuntimeFailure("this engine does not support named volumes");
  }

  /** Removes every volume whose labels contain all of {@code labels}; volumes in use are kept. */
  default void removeVolumes(Map<String, String> labels) {}

  /**
   * Makes sure a bridge network isolated from every other isolated network exists (one per
   * account, docs/security.md) and returns the name sandboxes join; null = this engine has no such
   * networks and sandboxes use its default bridge.
   */
  default String ensureNetwork(String name, Map<String, String> labels) {
    return null;
  }

  /** Removes a network when no container uses it any more; false when it is still in use. */
  default boolean removeNetworkIfUnused(String name) {
    return true;
  }

  /** Removes every unused network whose labels contain all of {@code labels}. */
  default void removeNetworks(Map<String, String> labels) {}

  /** The host PID of a running container's first process, when the engine tells it. */
  default Optional<Long> pid(String containerId) {
    return Optional.empty();
  }

  /** The user an image runs as ({@code Config.User}, "" = root), empty when unknown. */
  default Optional<String> imageUser(String image) {
    return Optional.empty();
  }

  /** Commit and push of containers (CommitContainer); engines without them throw {@link RuntimeFailure}. */
  default ImageCommits imageCommits() {
    throw new RuntimeFailure("this container engine cannot commit containers to images");
  }

  /**
   * One reading of a running container's counters (metrics, docs/metrics.md); empty when the
   * container is gone or the engine does not report stats.
   */
  default Optional<ContainerStats> stats(String containerId) {
    return Optional.empty();
  }

  /** The engine host's vCPUs and memory (DescribeAvailableResource); empty when the engine does not tell. */
  default Optional<ContainerStats.Capacity> capacity() {
    return Optional.empty();
  }

  /** Raised when a create finds its name already in use (a previous attempt got that far). */
  final class NameConflict extends RuntimeFailure {
    public NameConflict(String message) {
      super(message);
    }
  }

  /** Options of {@link #logs}. Null fields mean "not set". */
  record LogQuery(Integer tail, Long sinceEpochSecond, boolean timestamps) {
    public static LogQuery all() {
      return new LogQuery(null, null, false);
    }
  }

  record ExecResult(int exitCode, String stdout, String stderr, boolean timedOut) {}
}
