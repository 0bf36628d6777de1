package dev.openeci.runtime.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the Docker API cannot do for an exec session, done on the engine host through /proc
 * (docs/exec.md, "Why sessions are reaped by the server"):
 *
 * <ul>
 *   <li>{@link #killTree}: SIGKILL an exec'd process and its descendants. Neither Docker's API nor
 *       Podman's compat API (4.3) can stop an exec session; a command whose attach connection is
 *       gone keeps running. Only processes whose cgroup names the container are touched, so a
 *       recycled PID is never hit.</li>
 *   <li>{@link #releaseConmon}: Podman keeps a pair of {@code conmon --exec-attach} processes per
 *       session for {@code exit_command_delay} (300 s by default) after it ends: the conmon waits
 *       for a forked child that sleeps, then runs {@code podman container cleanup --exec ID --rm}.
 *       SIGTERM interrupts that sleep (conmon's handler is inherited by the child), so the child
 *       runs Podman's own cleanup at once: the session is removed from Podman's state and both
 *       processes exit.</li>
 * </ul>
 *
 * Only usable when the engine runs on this host in this PID namespace (a unix-socket engine);
 * {@link #detect} says so. Everything is best effort: a failure is logged, never thrown.
 */
final class ExecReaper {
  private static final Logger log = LoggerFactory.getLogger(ExecReaper.class);
  private final Path proc;

  ExecReaper(Path proc) {
    this.proc = proc;
  }

  /** A reaper for a unix-socket engine when /proc is there, else empty. */
  static Optional<ExecReaper> detect(String endpoint) {
    Path proc = Path.of("/proc");
    if (!endpoint.startsWith("unix://") || !Files.isReadable(proc.resolve("self/cgroup"))) return Optional.empty();
    return Optional.of(new ExecReaper(proc));
  }

  /**
   * SIGKILLs {@code pid} and every descendant that belongs to the container. Returns how many
   * processes were signalled (0 when the PID is gone or not the container's).
   */
  int killTree(String containerId, long pid) {
    if (pid <= 0 || !inContainer(pid, containerId)) return 0;
    Optional<ProcessHandle> root = ProcessHandle.of(pid);
    if (root.isEmpty()) return 0;
    List<ProcessHandle> victims = new ArrayList<>();
    victims.add(root.get());
    root.get().descendants().filter(p -> inContainer(p.pid(), containerId)).forEach(victims::add);
    int n = 0;
    for (ProcessHandle p : victims) {
      try {
        if (p.destroyForcibly()) n++;
      } catch (RuntimeException e) {
        log.debug("cannot kill exec process {}: {}", p.pid(), e.toString());
      }
    }
    return n;
  }

  /**
   * Tells the sleeping conmon child of an ended Podman exec session to run its cleanup now.
   * Returns the number of conmon processes of the session still present before the call (0 =
   * nothing left, the caller can stop retrying).
   */
  int releaseConmon(String execId) {
    List<long[]> found = new ArrayList<>(); // {pid, ppid}
    try (Stream<Path> all = Files.list(proc)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        String name = p.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) continue;
        List<String> args = cmdline(p);
        if (args.isEmpty() || !args.get(0).endsWith("conmon") || !args.contains("--exec-attach")) continue;
        int u = args.indexOf("-u");
        if (u < 0 || u + 1 >= args.size() || !args.get(u + 1).equals(execId)) continue;
        found.add(new long[] {Long.parseLong(name), ppid(p)});
      }
    } catch (IOException | RuntimeException e) {
      log.debug("cannot list exec conmons of {}: {}", execId, e.toString());
      return 0;
    }
    for (long[] child : found) {
      // The child (whose parent is the session's other conmon) sleeps before the exit command.
      boolean isChild = found.stream().anyMatch(parent -> parent[0] == child[1]);
      if (!isChild) continue;
      ProcessHandle.of(child[0]).ifPresent(h -> {
        try {
          h.destroy(); // SIGTERM
        } catch (RuntimeException e) {
          log.debug("cannot signal conmon {}: {}", child[0], e.toString());
        }
      });
    }
    return found.size();
  }

  private boolean inContainer(long pid, String containerId) {
    try {
      return Files.readString(proc.resolve(pid + "/cgroup")).contains(containerId);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  private static List<String> cmdline(Path procDir) {
    try {
      byte[] raw = Files.readAllBytes(procDir.resolve("cmdline"));
      if (raw.length == 0) return List.of();
      return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  private static long ppid(Path procDir) {
    try {
      for (String line : Files.readAllLines(procDir.resolve("status"))) {
        if (line.startsWith("PPid:")) return Long.parseLong(line.substring(5).trim());
      }
    } catch (IOException | RuntimeException e) {
      // gone
    }
    return -1;
  }
}
