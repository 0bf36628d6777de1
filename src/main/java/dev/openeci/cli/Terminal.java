package dev.openeci.cli;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The local terminal of {@code exec -it}: raw mode without echo (so keys, Ctrl-C included, go to
 * the remote process and only the remote terminal echoes), restored on exit and on SIGTERM/SIGHUP;
 * the window size, at start and on every SIGWINCH. Uses {@code stty} on the inherited stdin.
 */
final class Terminal implements AutoCloseable {
  private final String saved;
  private final Thread restoreHook;
  private volatile boolean restored;

  private Terminal(String saved) {
    this.saved = saved;
    this.restoreHook = new Thread(this::restore, "terminal-restore");
    Runtime.getRuntime().addShutdownHook(restoreHook);
  }

  /** Is this process's stdin a terminal? */
  static boolean stdinIsTerminal() {
    try {
      Process p = new ProcessBuilder("sh", "-c", "[ -t 0 ]").redirectInput(ProcessBuilder.Redirect.INHERIT)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      return p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Raw mode, no echo; {@link #close} puts the saved settings back. */
  static Terminal raw() throws IOException {
    String saved = stty("-g").trim();
    stty("raw", "-echo");
    return new Terminal(saved);
  }

  /** {rows, cols}, or null when unknown. */
  static int[] size() {
    try {
      String[] s = stty("size").trim().split("\\s+");
      if (s.length != 2) return null;
      int rows = Integer.parseInt(s[0]);
      int cols = Integer.parseInt(s[1]);
      return rows > 0 && cols > 0 ? new int[] {rows, cols} : null;
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  /** Calls {@code onResize} on every SIGWINCH (sun.misc.Signal, looked up reflectively); false if unavailable. */
  static boolean onWindowChange(Runnable onResize) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handler = Class.forName("sun.misc.SignalHandler");
      Object winch = signal.getConstructor(String.class).newInstance("WINCH");
      Object h = Proxy.newProxyInstance(Terminal.class.getClassLoader(), new Class<?>[] {handler}, (proxy, m, args) -> {
        if (m.getName().equals("handle")) onResize.run();
        return null;
      });
      signal.getMethod("handle", signal, handler).invoke(null, winch, h);
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static String stty(String... args) throws IOException {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "stty";
    System.arraycopy(args, 0, cmd, 1, args.length);
    Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT)
        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("stty " + String.join(" ", args)
          + " failed (is stdin a terminal?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted");
    }
    return new String(out, StandardCharsets.UTF_8);
  }

  private synchronized void restore() {
    if (restored) return;
    restored = true;
    try {
      stty(saved);
    } catch (IOException ignored) {
      // nothing more to do
    }
  }

  @Override
  public void close() {
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(restoreHook);
    } catch (IllegalStateException ignored) {
      // shutting down: the hook runs anyway
    }
  }

}
