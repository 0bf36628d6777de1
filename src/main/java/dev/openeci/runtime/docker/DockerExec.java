package dev.openeci.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import dev.openeci.runtime.CappedOutput;
import dev.openeci.runtime.ContainerRuntime.ExecOutput;
import dev.openeci.runtime.ContainerRuntime.ExecResult;
import dev.openeci.runtime.ContainerRuntime.ExecSession;
import dev.openeci.runtime.RuntimeFailure;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exec sessions on the Docker API, each one closed and reaped whatever way it ends (issue 15,
 * docs/exec.md): the command runs to its end, times out, loses its client, or the server stops.
 *
 * <p>Every session is tracked from create to reap. Ending a session means: if its process still
 * runs, SIGKILL it and its descendants (the API cannot; {@link ExecReaper}); close our end of the
 * hijacked connection; read the exit code; then, on Podman, make the session's conmon pair run
 * Podman's own exec cleanup now instead of {@code exit_command_delay} (300 s) later. Before a
 * container is stopped or removed, the sessions still open on it are ended first, so a stop never
 * depends on how an exec ended.
 */
final class DockerExec implements Closeable {
  private static final Logger log = LoggerFactory.getLogger(DockerExec.class);
  /** Delays (ms, from the end of a session) at which its conmon pair is looked for and released. */
  private static final long[] RELEASE_AFTER_MS = {150, 500, 1000, 2000, 4000, 8000, 15000};
  /** Bound on one exec-related engine call made while ending a session. */
  static final Duration ENGINE_CALL_TIMEOUT = Duration.ofSeconds(5);
  private final java.util.concurrent.ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();

  private final String unixSocket; // null when the engine is not on a unix socket
  private final DockerClient client;
  private final DockerClient streams;
  private final Optional<ExecReaper> reaper;
  private final ScheduledExecutorService timer;
  /** Sessions this server opened and has not ended yet: exec id to session. */
  private final Map<String, Open> open = new ConcurrentHashMap<>();
  /** Ended sessions whose conmon pair may still be there (released on a timer, or at close). */
  private final java.util.Set<String> releasing = ConcurrentHashMap.newKeySet();

  /** One tracked session; {@code connection} is our end of the attach, closed when it ends. */
  private final class Open {
    final String execId;
    final String containerId;
    volatile Closeable connection;
    final AtomicBoolean ended = new AtomicBoolean();

    Open(String execId, String containerId) {
      this.execId = execId;
      this.containerId = containerId;
    }
  }

  DockerExec(String endpoint, DockerClient client, DockerClient streams) {
    this.unixSocket = endpoint.startsWith("unix://") ? endpoint.substring("unix://".length()) : null;
    this.client = client;
    this.streams = streams;
    this.reaper = ExecReaper.detect(endpoint);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "exec-reaper");
      t.setDaemon(true);
      return t;
    });
  }

  /** Number of sessions opened and not yet ended (for tests and logs). */
  int openSessions() {
    return open.size();
  }

  ExecResult run(String containerId, List<String> command, Duration timeout, int maxOutputBytes) {
    Open s = create(containerId, command, false, false);
    CappedOutput out = new CappedOutput(maxOutputBytes);
    boolean timedOut = false;
    int code = -1;
    try {
      attach(s, false, out);
      try {
        out.done().get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        code = exitCode(s.execId); // before end(): Podman's cleanup removes the session
      } catch (TimeoutException e) {
        timedOut = true;
        log.info("exec {} in {} timed out after {} ms: killing it", s.execId.substring(0, 12),
            containerId.substring(0, 12), timeout.toMillis());
      } catch (ExecutionException e) {
        throw new RuntimeFailure("exec in " + containerId + ": " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RuntimeFailure("exec interrupted");
      }
    } finally {
      end(s, "sync exec" + (timedOut ? " timed out" : ""));
    }
    return new ExecResult(code, out.stdout(), out.stderr(), timedOut);
  }

  ExecSession interactive(String containerId, List<String> command, boolean tty, boolean stdin, ExecOutput output) {
    Open s = create(containerId, command, tty, stdin);
    AtomicBoolean reported = new AtomicBoolean();
    ExecOutput wrapped = new ExecOutput() {
      @Override
      public void stdout(byte[] data) {
        output.stdout(data);
      }

      @Override
      public void stderr(byte[] data) {
        output.stderr(data);
      }

      @Override
      public void exited(int ignored) {
        // The stream ended: the process exited or was killed, or the connection was closed.
        if (!reported.compareAndSet(false, true)) return;
        int code = exitCode(s.execId);
        end(s, "interactive exec ended");
        output.exited(code);
      }
    };
    ExecSession inner = attach(s, tty, wrapped);
    return new ExecSession() {
      @Override
      public void write(byte[] data) throws IOException {
        inner.write(data);
      }

      @Override
      public void closeStdin() {
        inner.closeStdin();
      }

      @Override
      public void resize(int width, int height) {
        // POST /exec/{id}/resize?h=&w= (the engine applies it to the session's terminal)
        try {
          client.resizeExecCmd(s.execId).withSize(height, width).exec();
        } catch (RuntimeException e) {
          log.debug("exec {} resize to {}x{}: {}", s.execId.substring(0, 12), width, height, e.toString());
        }
      }

      @Override
      public void close() {
        end(s, "interactive exec closed by its client");
      }
    };
  }

  /**
   * Ends every open session in {@code containerId} before it is stopped or removed. Waits at most
   * {@link #ENGINE_CALL_TIMEOUT}: the stop goes on whatever the engine does with the sessions.
   */
  void endAll(String containerId) {
    List<CompletableFuture<Void>> ends = new java.util.ArrayList<>();
    for (Open s : List.copyOf(open.values())) {
      if (s.containerId.equals(containerId)) {
        ends.add(CompletableFuture.runAsync(() -> end(s, "its container is being stopped"), background));
      }
    }
    if (ends.isEmpty()) return;
    try {
      CompletableFuture.allOf(ends.toArray(CompletableFuture[]::new))
          .get(ENGINE_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      log.warn("ending the exec sessions of {} did not finish in {} s; stopping it anyway", containerId.substring(0, 12),
          ENGINE_CALL_TIMEOUT.toSeconds());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Server shutdown: ends every open session and releases their conmons before returning. */
  @Override
  public void close() {
    List<Open> all = List.copyOf(open.values());
    if (!all.isEmpty()) log.info("ending {} open exec sessions", all.size());
    for (Open s : all) end(s, "the server is stopping");
    long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    reaper.ifPresent(r -> {
      for (String execId : List.copyOf(releasing)) {
        while (r.releaseConmon(execId) > 0 && System.nanoTime() < deadline) sleep(100);
      }
    });
    timer.shutdownNow();
    background.shutdown();
  }

  // --- one session -----------------------------------------------------------------------------------

  private Open create(String containerId, List<String> command, boolean tty, boolean stdin) {
    String execId;
    try {
      execId = client.execCreateCmd(containerId).withAttachStdout(true).withAttachStderr(true).withAttachStdin(stdin)
          .withTty(tty).withCmd(command.toArray(String[]::new)).exec().getId();
    } catch (RuntimeException e) {
      throw new RuntimeFailure("exec in " + containerId + ": " + DockerErrors.message(e), e);
    }
    Open s = new Open(execId, containerId);
    open.put(execId, s);
    return s;
  }

  private ExecSession attach(Open s, boolean tty, ExecOutput output) {
    try {
      if (unixSocket != null) {
        RawExecAttach a = RawExecAttach.start(unixSocket, s.execId, tty, output, () -> -1);
        s.connection = a;
        return a;
      }
      return dockerJavaAttach(s, tty, output);
    } catch (RuntimeException e) {
      end(s, "attach failed");
      throw e instanceof RuntimeFailure rf ? rf
          : new RuntimeFailure("exec in " + s.containerId + ": " + DockerErrors.message(e), e);
    }
  }

  /** Engines on TCP: docker-java's hijacking (stdin EOF is not propagated there). */
  private ExecSession dockerJavaAttach(Open s, boolean tty, ExecOutput output) {
    java.io.PipedInputStream in = new java.io.PipedInputStream(64 * 1024);
    java.io.PipedOutputStream pipe;
    try {
      pipe = new java.io.PipedOutputStream(in);
    } catch (IOException e) {
      throw new RuntimeFailure("cannot open stdin pipe: " + e.getMessage(), e);
    }
    AtomicBoolean done = new AtomicBoolean();
    ResultCallback.Adapter<Frame> cb = new ResultCallback.Adapter<>() {
      @Override
      public void onNext(Frame frame) {
        byte[] p = frame.getPayload();
        if (p == null || p.length == 0) return;
        if (frame.getStreamType() == StreamType.STDERR) output.stderr(p); else output.stdout(p);
      }

      @Override
      public void onComplete() {
        finish();
      }

      @Override
      public void onError(Throwable t) {
        finish();
      }

      private void finish() {
        if (done.compareAndSet(false, true)) output.exited(-1);
      }
    };
    streams.execStartCmd(s.execId).withDetach(false).withTty(tty).withStdIn(in).exec(cb);
    s.connection = () -> {
      try {
        pipe.close();
      } finally {
        cb.close();
      }
    };
    return new ExecSession() {
      @Override
      public void write(byte[] data) throws IOException {
        pipe.write(data);
        pipe.flush();
      }

      @Override
      public void closeStdin() {
        try {
          pipe.close();
        } catch (IOException ignored) {
          // already closed
        }
      }

      @Override
      public void close() throws IOException {
        cb.close();
      }
    };
  }

  /**
   * Ends a session once: kills its process tree if it still runs, closes our end of the attach,
   * untracks it and schedules the release of its conmon pair.
   */
  private void end(Open s, String why) {
    if (!s.ended.compareAndSet(false, true)) return;
    try {
      InspectExecResponse r = inspect(s.execId);
      if (r != null && Boolean.TRUE.equals(r.isRunning())) {
        Long pid = r.getPidLong();
        int killed = pid == null ? 0 : reaper.map(x -> x.killTree(s.containerId, pid)).orElse(0);
        log.info("exec {} in {} still running ({}): killed {} processes", s.execId.substring(0, 12),
            s.containerId.substring(0, 12), why, killed);
      }
    } catch (RuntimeException e) {
      log.debug("exec {}: inspect before end failed: {}", s.execId, e.toString());
    } finally {
      Closeable c = s.connection;
      if (c != null) {
        try {
          c.close();
        } catch (IOException | RuntimeException ignored) {
          // already closed
        }
      }
      open.remove(s.execId);
      if (reaper.isPresent()) releasing.add(s.execId);
      scheduleRelease(s.execId, 0);
    }
  }

  private void scheduleRelease(String execId, int attempt) {
    if (reaper.isEmpty() || timer.isShutdown()) return;
    if (attempt >= RELEASE_AFTER_MS.length) {
      releasing.remove(execId);
      log.info("exec {}: conmon still present {} s after the session ended", execId.substring(0, 12),
          RELEASE_AFTER_MS[RELEASE_AFTER_MS.length - 1] / 1000);
      return;
    }
    long delay = RELEASE_AFTER_MS[attempt] - (attempt == 0 ? 0 : RELEASE_AFTER_MS[attempt - 1]);
    try {
      timer.schedule(() -> {
        if (reaper.get().releaseConmon(execId) > 0) {
          scheduleRelease(execId, attempt + 1);
        } else {
          releasing.remove(execId);
        }
      }, delay, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // shutting down
    }
  }

  /** GET /exec/{id}/json within {@link #ENGINE_CALL_TIMEOUT}; null when the session is gone. */
  private InspectExecResponse inspect(String execId) {
    CompletableFuture<InspectExecResponse> call = CompletableFuture.supplyAsync(() -> {
      try {
        return client.inspectExecCmd(execId).exec();
      } catch (NotFoundException e) {
        return null;
      }
    }, background);
    try {
      return call.get(ENGINE_CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      call.cancel(true);
      throw new RuntimeFailure("exec inspect of " + execId.substring(0, 12) + " did not answer in "
          + ENGINE_CALL_TIMEOUT.toSeconds() + " s");
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : new RuntimeFailure(e.getCause().toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("exec inspect interrupted");
    }
  }

  /** The session's exit code, -1 when unknown (still running, or already cleaned up). */
  private int exitCode(String execId) {
    try {
      InspectExecResponse r = inspect(execId);
      if (r == null || Boolean.TRUE.equals(r.isRunning())) return -1;
      Long code = r.getExitCodeLong();
      return code == null ? -1 : code.intValue();
    } catch (RuntimeException e) {
      log.debug("exec {} inspect failed: {}", execId, e.toString());
      return -1;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
