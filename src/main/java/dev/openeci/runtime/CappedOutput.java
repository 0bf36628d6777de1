package dev.openeci.runtime;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Collects the stdout and stderr of a synchronous exec up to a byte limit shared by both streams
 * (bytes past the limit are dropped); {@link #done()} completes when the stream reports its end.
 * Used by every backend's sync exec (runtime.docker.DockerExec, backend.kubernetes.PodExec).
 */
public final class CappedOutput implements ContainerRuntime.ExecOutput {
  private final int max;
  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final CompletableFuture<Integer> done = new CompletableFuture<>();

  /** @param maxBytes bound on stdout plus stderr */
  public CappedOutput(int maxBytes) {
    this.max = maxBytes;
  }

  @Override
  public synchronized void stdout(byte[] data) {
    append(stdout, data);
  }

  @Override
  public synchronized void stderr(byte[] data) {
    append(stderr, data);
  }

  private void append(ByteArrayOutputStream to, byte[] data) {
    int room = max - stdout.size() - stderr.size();
    if (room > 0) to.write(data, 0, Math.min(room, data.length));
  }

  @Override
  public void exited(int exitCode) {
    done.complete(exitCode);
  }

  /** Completes with the exit code the stream reported (-1 when it did not know it). */
  public CompletableFuture<Integer> done() {
    return done;
  }

  public synchronized String stdout() {
    return stdout.toString(StandardCharsets.UTF_8);
  }

  public synchronized String stderr() {
    return stderr.toString(StandardCharsets.UTF_8);
  }
}
