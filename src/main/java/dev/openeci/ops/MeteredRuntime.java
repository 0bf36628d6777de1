package dev.openeci.ops;

import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A {@link ContainerRuntime} that times every engine call of the one it wraps
 * ({@code openeci_engine_calls_seconds{operation,outcome}}, {@code openeci_engine_errors_total}) and
 * every image pull ({@code openeci_image_pull_seconds{outcome}}). Behaviour is the wrapped
 * runtime's, exceptions included. Streams (events, interactive exec) are timed until they are set
 * up, not while they run.
 */
public final class MeteredRuntime implements ContainerRuntime {
  private final ContainerRuntime delegate;
  private final Telemetry telemetry;
  private final Map<String, Meters> meters = new ConcurrentHashMap<>();

  private record Meters(Timer ok, Timer error, Counter errors) {}

  public MeteredRuntime(ContainerRuntime delegate, Telemetry telemetry) {
    this.delegate = delegate;
    this.telemetry = telemetry;
  }

  /** The runtime this one measures. */
  public ContainerRuntime delegate() {
    return delegate;
  }

  private <T> T timed(String operation, Supplier<T> call) {
    Meters m = meters.computeIfAbsent(operation, op -> new Meters(telemetry.engineCall(op, "ok"),
        telemetry.engineCall(op, "error"), telemetry.engineError(op)));
    long t0 = System.nanoTime();
    boolean ok = false;
    try {
      T result = call.get();
      ok = true;
      return result;
    } finally {
      long nanos = System.nanoTime() - t0;
      if (ok) {
        m.ok().record(nanos, TimeUnit.NANOSECONDS);
      } else {
        m.error().record(nanos, TimeUnit.NANOSECONDS);
        m.errors().increment();
      }
    }
  }

  private void timedVoid(String operation, Runnable call) {
    timed(operation, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
    return timed("list", () -> delegate.list(labels));
  }

  @Override
  public Optional<RuntimeContainer> inspect(String containerId) {
    return timed("inspect", () -> delegate.inspect(containerId));
  }

  @Override
  public SandboxImage ensureSandboxImage() {
    return timed("ensureSandboxImage", delegate::ensureSandboxImage);
  }

  @Override
  public boolean hasImage(String image) {
    return timed("hasImage", () -> delegate.hasImage(image));
  }

  @Override
  public Optional<String> imageId(String image) {
    return timed("imageId", () -> delegate.imageId(image));
  }

  @Override
  public void pull(String image, Optional<RegistryAuth> auth, boolean insecureRegistry, Consumer<String> progress) {
    long t0 = System.nanoTime();
    boolean ok = false;
    try {
      timedVoid("pull", () -> delegate.pull(image, auth, insecureRegistry, progress));
      ok = true;
    } finally {
      telemetry.imagePull(ok ? "ok" : "error").record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public String create(CreateContainer spec) {
    return timed("create", () -> delegate.create(spec));
  }

  @Override
  public void start(String containerId) {
    timedVoid("start", () -> delegate.start(containerId));
  }

  @Override
  public void stop(String containerId, Duration grace) {
    timedVoid("stop", () -> delegate.stop(containerId, grace));
  }

  @Override
  public void kill(String containerId, String signal) {
    timedVoid("kill", () -> delegate.kill(containerId, signal));
  }

  @Override
  public void remove(String containerId) {
    timedVoid("remove", () -> delegate.remove(containerId));
  }

  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout, int maxOutputBytes) {
    return timed("exec", () -> delegate.exec(containerId, command, timeout, maxOutputBytes));
  }

  @Override
  public ExecSession execInteractive(String containerId, List<String> command, boolean tty, boolean stdin,
      ExecOutput output) {
    return timed("execInteractive", () -> delegate.execInteractive(containerId, command, tty, stdin, output));
  }

  @Override
  public String logs(String containerId, LogQuery query) {
    return timed("logs", () -> delegate.logs(containerId, query));
  }

  @Override
  public Closeable events(Map<String, String> labels, Consumer<RuntimeEvent> sink, Runnable onResync) {
    return timed("events", () -> delegate.events(labels, sink, onResync));
  }

  @Override
  public String publishAddress() {
    return delegate.publishAddress();
  }

  @Override
  public String ensureVolume(String name, Map<String, String> driverOptions, Map<String, String> labels) {
    return timed("ensureVolume", () -> delegate.ensureVolume(name, driverOptions, labels));
  }

  @Override
  public void removeVolumes(Map<String, String> labels) {
    timedVoid("removeVolumes", () -> delegate.removeVolumes(labels));
  }

  @Override
  public String ensureNetwork(String name, Map<String, String> labels) {
    return timed("ensureNetwork", () -> delegate.ensureNetwork(name, labels));
  }

  @Override
  public boolean removeNetworkIfUnused(String name) {
    return timed("removeNetworkIfUnused", () -> delegate.removeNetworkIfUnused(name));
  }

  @Override
  public void removeNetworks(Map<String, String> labels) {
    timedVoid("removeNetworks", () -> delegate.removeNetworks(labels));
  }

  @Override
  public Optional<Long> pid(String containerId) {
    return timed("pid", () -> delegate.pid(containerId));
  }

  @Override
  public Optional<dev.openeci.runtime.ContainerStats> stats(String containerId) {
    return timed("stats", () -> delegate.stats(containerId));
  }

  @Override
  public Optional<dev.openeci.runtime.ContainerStats.Capacity> capacity() {
    return timed("capacity", delegate::capacity);
  }

  @Override
  public Optional<String> imageUser(String image) {
    return timed("imageUser", () -> delegate.imageUser(image));
  }

  @Override
  public void close() throws IOException {
    delegate.close();
  }

  /** CommitContainer's engine calls (not timed: they run for minutes in a task of their own). */
  @Override
  public dev.openeci.runtime.ImageCommits imageCommits() {
    return delegate.imageCommits();
  }
}
