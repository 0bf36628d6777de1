package dev.openeci.reconcile;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RuntimeFailure;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Engine calls with a deadline: each runs on a virtual thread and is waited for at most the engine
 * timeout, so a call the engine never answers costs a parked virtual thread, never a sync worker.
 * Hooks (postStart, preStop) run on the same virtual threads.
 */
final class EngineCalls {
  /** An engine call that did not answer within the engine timeout (it is abandoned, not waited for). */
  static final class EngineTimeout extends RuntimeFailure {
    static final String REASON = "EngineTimeout";

    EngineTimeout(String message) {
      super(message);
    }
  }

  final ContainerRuntime runtime;
  private final Duration timeout;
  final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

  EngineCalls(ContainerRuntime runtime, Duration timeout) {
    this.runtime = runtime;
    this.timeout = timeout;
  }

  <T> T within(String what, Callable<T> call) {
    Future<T> f = calls.submit(call);
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      throw new EngineTimeout("the container engine did not answer \"" + what + "\" within "
          + timeout.toSeconds() + "s");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeFailure rf) throw rf;
      throw new RuntimeFailure(what + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      f.cancel(true);
      throw new RuntimeFailure(what + ": interrupted", e);
    }
  }

  void run(String what, Runnable call) {
    within(what, () -> {
      call.run();
      return null;
    });
  }

  void kill(String containerId) {
    run("kill container " + containerId, () -> runtime.kill(containerId, "KILL"));
  }

  void remove(String containerId) {
    run("remove container " + containerId, () -> runtime.remove(containerId));
  }
}
