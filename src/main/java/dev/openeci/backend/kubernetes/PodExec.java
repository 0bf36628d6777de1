package dev.openeci.backend.kubernetes;

import dev.openeci.backend.PodBackend;
import dev.openeci.runtime.ContainerRuntime.ExecOutput;
import dev.openeci.runtime.ContainerRuntime.ExecResult;
import dev.openeci.runtime.ContainerRuntime.ExecSession;
import dev.openeci.runtime.CappedOutput;
import dev.openeci.runtime.RuntimeFailure;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ContainerResource;
import io.fabric8.kubernetes.client.dsl.ExecListenable;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.TtyExecErrorable;
import io.fabric8.kubernetes.client.dsl.TtyExecOutputErrorable;
import io.fabric8.kubernetes.client.dsl.TtyExecable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ExecContainerCommand on the Kubernetes backend: {@code pods/exec} over the apiserver's WebSocket
 * ({@code v4.channel.k8s.io}, fabric8), for Sync=true and for the WebSocket URI flow
 * ({@code ExecSessions}, {@code ./openeci exec}).
 *
 * <p><b>No lingering commands.</b> Closing a {@code pods/exec} stream does not end the command:
 * the container runtime keeps it running until it exits by itself (containerd's CRI streaming
 * server has no cancellation). So a command is started through the container's {@code /bin/sh}
 * as {@code sh -c 'echo <marker> $$; exec "$@"' sh COMMAND...}: the first line of its stdout
 * (removed before any output is passed on) tells its PID, which is then the command's own PID.
 * At a Sync timeout, and when an interactive session is closed before the command ended, a second
 * exec kills that process and its descendants ({@link #KILL_SCRIPT}: stopped, then SIGKILL). In
 * an image without {@code /bin/sh} the command is run directly instead and may outlive its stream
 * (logged).
 *
 * <p><b>Stdin.</b> The {@code v4.channel.k8s.io} protocol has no way to close stdin (Kubernetes
 * issue 89899; only {@code v5.channel.k8s.io}, Kubernetes 1.30+, has one): {@link
 * ExecSession#closeStdin()} sends end-of-transmission (Ctrl-D) when a TTY is attached, which the
 * terminal turns into end of file; without a TTY the command does not see end of file
 * (docs/kubernetes.md).
 */
public final class PodExec implements PodBackend.ExecTarget {
  private static final Logger log = LoggerFactory.getLogger(PodExec.class);
  /** How long the start waits for the wrapper's PID line before going on without it. */
  static final Duration PID_WAIT = Duration.ofSeconds(10);
  /** Bound on the kill exec. */
  static final Duration KILL_WAIT = Duration.ofSeconds(5);
  /**
   * Kills $1 and all its descendants: finds them by parent PID in /proc/N/stat (shell builtins only:
   * read, parameter expansion, set, kill), stops them all, then SIGKILLs them; prints the PIDs.
   */
  static final String KILL_SCRIPT = String.join("; ",
      "all=\"$1\"",
      "new=\"$1\"",
      "while [ -n \"$new\" ]; do next=\"\"; for d in /proc/[0-9]*; do read -r l 2>/dev/null < \"$d/stat\" || continue;"
          + " r=${l##*\") \"}; set -- $r; for p in $new; do [ \"$2\" = \"$p\" ] && next=\"$next ${d#/proc/}\"; done;"
          + " done; all=\"$all $next\"; new=\"$next\"; done",
      "kill -STOP $all 2>/dev/null",
      "kill -9 $all 2>/dev/null",
      "echo $all");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  private final String namespace;
  private final String pod;
  private final String container;

  public PodExec(KubernetesClient client, String namespace, String pod, String container) {
    this.client = client;
    this.namespace = namespace;
    this.pod = pod;
    this.container = container;
  }

  /**
   * The exec target of {@code containerName} in {@code pod} (as the informer last saw it).
   *
   * @throws PodBackend.NotRunning when that container (or init container) is not running
   */
  public static PodExec target(KubernetesClient client, Pod pod, String containerName) {
    String name = pod.getMetadata().getName();
    ContainerStatus s = PodLogs.status(pod, containerName).orElse(null);
    if (s == null || s.getState() == null || s.getState().getRunning() == null) {
      throw new PodBackend.NotRunning("The container " + containerName + " of " + name + " is not running.");
    }
    return new PodExec(client, pod.getMetadata().getNamespace(), name, containerName);
  }

  @Override
  public String toString() {
    return "pod " + namespace + "/" + pod + " container " + container;
  }

  // --- Sync ------------------------------------------------------------------------------------------

  @Override
  public ExecResult exec(List<String> command, Duration timeout, int maxOutputBytes) {
    long deadline = System.nanoTime() + timeout.toNanos();
    CappedOutput out = new CappedOutput(maxOutputBytes);
    Run run = start(command, false, false, out, deadline);
    boolean timedOut = false;
    int code = -1;
    try {
      long left = deadline - System.nanoTime();
      code = run.done.get(Math.max(1, left), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      timedOut = true;
      log.info("exec in {} timed out after {} ms: killing it", this, timeout.toMillis());
      run.kill("sync exec timed out");
    } catch (ExecutionException e) {
      throw failure("the command", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      run.kill("sync exec interrupted");
      throw new RuntimeFailure("exec interrupted");
    } finally {
      run.watch.close();
    }
    return new ExecResult(code, out.stdout(), out.stderr(), timedOut);
  }

  // --- interactive -----------------------------------------------------------------------------------

  @Override
  public ExecSession interactive(List<String> command, boolean tty, boolean stdin, ExecOutput output) {
    Run run = start(command, tty, stdin, output, System.nanoTime() + PID_WAIT.toNanos());
    AtomicBoolean reported = new AtomicBoolean();
    run.done.whenComplete((code, error) -> {
      if (reported.compareAndSet(false, true)) output.exited(error == null ? code : -1);
    });
    return new ExecSession() {
      @Override
      public void write(byte[] data) throws IOException {
        OutputStream in = run.watch.getInput();
        if (in == null) throw new IOException("this exec has no stdin");
        if (run.done.isDone()) throw new IOException("the command has ended");
        try {
          in.write(data);
          in.flush();
        } catch (KubernetesClientException e) {
          throw new IOException(e.getMessage(), e);
        }
      }

      @Override
      public void closeStdin() {
        OutputStream in = run.watch.getInput();
        if (in == null || run.done.isDone()) return;
        if (!tty) {
          log.debug("exec in {}: stdin cannot be closed without a TTY on pods/exec (v4 protocol)", PodExec.this);
          return;
        }
        try {
          in.write(4); // Ctrl-D: the terminal's end of file
          in.flush();
        } catch (IOException | KubernetesClientException e) {
          log.debug("exec in {}: closing stdin: {}", PodExec.this, e.toString());
        }
      }

      @Override
      public void resize(int width, int height) {
        if (!tty || run.done.isDone()) return;
        try {
          run.watch.resize(width, height); // the kubelet's resize channel (4) of pods/exec
        } catch (KubernetesClientException e) {
          log.debug("exec in {}: resize: {}", PodExec.this, e.toString());
        }
      }

      @Override
      public void close() {
        if (!run.done.isDone()) run.kill("interactive exec closed by its client");
        run.watch.close();
      }
    };
  }

  // --- one command -----------------------------------------------------------------------------------

  /** A started command: its stream, its PID in the container (0 when unknown), its exit code. */
  private final class Run {
    final ExecWatch watch;
    final long pid;
    final CompletableFuture<Integer> done;

    Run(ExecWatch watch, long pid, CompletableFuture<Integer> done) {
      this.watch = watch;
      this.pid = pid;
      this.done = done;
    }

    /** Ends the command if it still runs (a second exec kills its process tree). */
    void kill(String why) {
      if (done.isDone()) return;
      if (pid <= 0) {
        log.info("exec in {} ({}): its PID is unknown, the command may go on running in the container", PodExec.this,
            why);
        return;
      }
      CappedOutput killed = new CappedOutput(4096);
      Attempt k = new Attempt(List.of("/bin/sh", "-c", KILL_SCRIPT, "sh", Long.toString(pid)), false, false, killed,
          null);
      try {
        k.open();
        k.done.get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        log.info("exec in {} ({}): killed PIDs {}", PodExec.this, why, killed.stdout().strip());
      } catch (Exception e) {
        log.warn("exec in {} ({}): could not kill PID {}: {}", PodExec.this, why, pid, e.toString());
      } finally {
        if (k.watch != null) k.watch.close();
      }
    }
  }

  /**
   * Starts {@code command} through the PID wrapper, waits until its PID line arrived (or the
   * command ended, or {@code pidDeadline}), and falls back to running it directly when the image
   * has no {@code /bin/sh}.
   */
  private Run start(List<String> command, boolean tty, boolean stdin, ExecOutput sink, long pidDeadline) {
    String marker = "oeci-exec-" + HexFormat.of().formatHex(bytes(8));
    List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", "echo " + marker + " $$; exec \"$@\"", "sh"));
    wrapped.addAll(command);
    Attempt a = new Attempt(wrapped, tty, stdin, sink, marker);
    a.open();
    try {
      a.pidKnown.await(Math.max(1, pidDeadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (a.pid > 0) return new Run(a.watch, a.pid, a.done);
    if (a.done.isDone() && a.noShell()) {
      log.info("exec in {}: no /bin/sh in the image; running the command directly (it cannot be killed on timeout)",
          this);
      a.watch.close();
      Attempt direct = new Attempt(command, tty, stdin, sink, null);
      direct.open();
      return new Run(direct.watch, 0, direct.done);
    }
    if (!a.done.isDone()) log.info("exec in {}: no PID line in {} ms; going on without it", this, PID_WAIT.toMillis());
    a.flushHeld();
    return new Run(a.watch, 0, a.done);
  }

  private static byte[] bytes(int n) {
    byte[] b = new byte[n];
    RANDOM.nextBytes(b);
    return b;
  }

  /** One {@code pods/exec} stream. */
  private final class Attempt {
    final List<String> command;
    final boolean tty;
    final boolean stdin;
    final ExecOutput sink;
    final String marker; // null: not wrapped, everything is passed on
    final CountDownLatch pidKnown = new CountDownLatch(1);
    final CompletableFuture<Integer> done = new CompletableFuture<>();
    final ByteArrayOutputStream held = new ByteArrayOutputStream();
    volatile long pid;
    volatile boolean passing;
    volatile Status status;
    ExecWatch watch;

    Attempt(List<String> command, boolean tty, boolean stdin, ExecOutput sink, String marker) {
      this.command = command;
      this.tty = tty;
      this.stdin = stdin;
      this.sink = sink;
      this.marker = marker;
      this.passing = marker == null;
    }

    void open() {
      ContainerResource c = client.pods().inNamespace(namespace).withName(pod).inContainer(container);
      TtyExecOutputErrorable a = stdin ? c.redirectingInput() : c;
      TtyExecErrorable b = a.writingOutput(stream(true));
      TtyExecable d = tty ? b : b.writingError(stream(false));
      ExecListenable e = tty ? d.withTTY() : d;
      ExecListener listener = new ExecListener() {
        @Override
        public void onExit(int code, Status s) {
          status = s;
        }

        @Override
        public void onFailure(Throwable t, Response failureResponse) {
          done.completeExceptionally(t);
          pidKnown.countDown();
        }

        @Override
        public void onClose(int code, String reason) {
          // the exit code future completes too (null when no status came)
        }
      };
      try {
        watch = e.usingListener(listener).exec(command.toArray(String[]::new));
      } catch (RuntimeException ex) {
        throw failure("exec", ex);
      }
      watch.exitCode().whenComplete((code, t) -> {
        if (t != null) done.completeExceptionally(t);
        else done.complete(code == null ? -1 : code);
        pidKnown.countDown();
      });
    }

    /** True when the wrapper could not start because the image has no /bin/sh. */
    boolean noShell() {
      Status s = status;
      String m = s == null || s.getMessage() == null ? "" : s.getMessage();
      return pid <= 0 && m.contains("/bin/sh") && (m.contains("no such file") || m.contains("not found"));
    }

    OutputStream stream(boolean out) {
      return new OutputStream() {
        @Override
        public void write(int b) {
          write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
          if (len <= 0) return;
          byte[] data = Arrays.copyOfRange(b, off, off + len);
          if (!out) {
            sink.stderr(data);
          } else if (passing) {
            sink.stdout(data);
          } else {
            stdoutBeforePid(data);
          }
        }
      };
    }

    /** Holds stdout until the wrapper's first line is complete, takes the PID, passes the rest on. */
    private synchronized void stdoutBeforePid(byte[] data) {
      if (passing) {
        sink.stdout(data);
        return;
      }
      held.write(data, 0, data.length);
      byte[] all = held.toByteArray();
      int nl = -1;
      for (int i = 0; i < all.length; i++) {
        if (all[i] == '\n') {
          nl = i;
          break;
        }
      }
      if (nl < 0) {
        if (all.length > 256) flushHeld(); // not our line after all
        return;
      }
      String line = new String(all, 0, nl, StandardCharsets.UTF_8).strip();
      if (line.startsWith(marker + " ")) {
        try {
          pid = Long.parseLong(line.substring(marker.length() + 1).strip());
        } catch (NumberFormatException ignored) {
          // not a PID: the line is dropped all the same
        }
        held.reset();
        passing = true;
        pidKnown.countDown();
        if (all.length > nl + 1) sink.stdout(Arrays.copyOfRange(all, nl + 1, all.length));
      } else {
        flushHeld();
      }
    }

    /** Passes on whatever stdout was held and stops looking for the PID line. */
    synchronized void flushHeld() {
      if (passing) return;
      passing = true;
      byte[] all = held.toByteArray();
      held.reset();
      if (all.length > 0) sink.stdout(all);
    }
  }

  /** A message fit for an API user; the cluster's own text goes to the server log. */
  private RuntimeFailure failure(String what, Throwable t) {
    if (t instanceof RuntimeFailure rf) return rf;
    int code = t instanceof KubernetesClientException k ? k.getCode() : 0;
    log.info("exec in {}: {} failed: {}", this, what, t.toString());
    if (code == 401 || code == 403) {
      return new RuntimeFailure("openeci may not exec on this cluster (HTTP " + code + "; see docs/kubernetes.md, RBAC)",
          t);
    }
    if (code == 404) return new RuntimeFailure("the container's pod is not on the cluster (any more)", t);
    if (code == 400) return new RuntimeFailure("the container is not running", t);
    return new RuntimeFailure("the cluster did not run the command" + (code > 0 ? " (HTTP " + code + ")" : ""), t);
  }
}
