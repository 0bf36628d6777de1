package dev.openeci.opstask;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The core dump limit ({@code RLIMIT_CORE}) of running processes, set with {@code prlimit(2)} on a
 * container's first process and every descendant of it (found through {@code /proc/<pid>/stat}).
 * Where cores go is the host kernel's {@code kernel.core_pattern} (not namespaced): a relative
 * pattern such as {@code core} writes into the crashing process's working directory inside its
 * container.
 */
final class CoreLimits {
  private static final int RLIMIT_CORE = 4;
  private static final long RLIM_INFINITY = -1L;
  /** The most processes one task touches (a fork bomb cannot make the walk unbounded). */
  static final int MAX_PROCESSES = 4096;

  interface C extends Library {
    int prlimit(int pid, int resource, Pointer newLimit, Pointer oldLimit) throws LastErrorException;
  }

  private static volatile C libc;

  private static C libc() {
    C c = libc;
    if (c == null) {
      c = Native.load("c", C.class);
      libc = c;
    }
    return c;
  }

  private CoreLimits() {}

  /** The host's kernel.core_pattern, or "" when it cannot be read. */
  static String corePattern() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/core_pattern")).trim();
    } catch (IOException e) {
      return "";
    }
  }

  /** {@code root} and its descendants (at most {@link #MAX_PROCESSES}). */
  static List<Integer> tree(int root) {
    Map<Integer, List<Integer>> children = new HashMap<>();
    try (var ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path p : ds) {
        try {
          String stat = Files.readString(p.resolve("stat"));
          // pid (comm) state ppid ...: comm may hold spaces and parentheses; the last ')' ends it
          String rest = stat.substring(stat.lastIndexOf(')') + 2);
          int ppid = Integer.parseInt(rest.split(" ")[1]);
          children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(Integer.parseInt(p.getFileName().toString()));
        } catch (IOException | RuntimeException e) {
          // exited meanwhile
        }
      }
    } catch (IOException e) {
      return List.of(root);
    }
    Set<Integer> out = new LinkedHashSet<>();
    Deque<Integer> todo = new ArrayDeque<>(List.of(root));
    while (!todo.isEmpty() && out.size() < MAX_PROCESSES) {
      int pid = todo.pop();
      if (!out.add(pid)) continue;
      todo.addAll(children.getOrDefault(pid, List.of()));
    }
    return List.copyOf(out);
  }

  /**
   * Sets the soft and hard core limit of {@code pid} to unlimited ({@code enable}) or the soft
   * limit to 0; false when the process is gone.
   */
  static boolean set(int pid, boolean enable) {
    Memory limit = new Memory(16);
    if (enable) {
      limit.setLong(0, RLIM_INFINITY);
      limit.setLong(8, RLIM_INFINITY);
    } else {
      Memory old = new Memory(16);
      try {
        libc().prlimit(pid, RLIMIT_CORE, null, old);
      } catch (LastErrorException e) {
        return false;
      }
      limit.setLong(0, 0);
      limit.setLong(8, old.getLong(8));
    }
    try {
      libc().prlimit(pid, RLIMIT_CORE, limit, null);
      return true;
    } catch (LastErrorException e) {
      return false;
    }
  }
}
