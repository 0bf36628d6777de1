package dev.openeci.runtime;

import java.io.Closeable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A container engine in memory for unit tests of the control loop, with the engine's semantics
 * where the loop depends on them: a create whose name is taken throws {@link NameConflict}; a
 * created container runs only once started; containers exit with the code the test gives
 * ({@link #exit}); SIGTERM ends a container unless the test made it ignore TERM, SIGKILL always
 * (137); the sandbox exits at once on either; stop/kill of a stopped container and remove of a
 * missing one are not errors; inspect after remove is empty and start of a removed container
 * fails like the engine's "no such container"; labels filter lists and event subscriptions;
 * pulls succeed unless the test made the image fail. Every call is recorded in {@link #calls}.
 */
public final class FakeContainerRuntime implements ContainerRuntime {
  public static final String SANDBOX_IMAGE = "localhost/openeci-sandbox:fake";

  private record Entry(RuntimeContainer container, CreateContainer spec) {}

  private final Supplier<Instant> clock;
  private final Map<String, Entry> containers = new LinkedHashMap<>();
  private final Map<String, String> names = new HashMap<>();
  private final Set<String> images = new HashSet<>();
  private final Map<String, String> failingPulls = new HashMap<>();
  private final Map<String, String> failingStarts = new HashMap<>();
  private final Set<String> ignoringTerm = new HashSet<>();
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private BiFunction<String, List<String>, ExecResult> exec = (id, cmd) -> new ExecResult(0, "", "", false);
  private int nextId;
  private int nextIp = 2;
  /** Every engine call, e.g. {@code "create openeci-eci-1-app-0"}, {@code "kill <id> TERM"}. */
  public final List<String> calls = new CopyOnWriteArrayList<>();
  /** Every exec call: container id and command. */
  public final List<String> execs = new CopyOnWriteArrayList<>();

  private record Subscription(Map<String, String> labels, Consumer<RuntimeEvent> sink) {}

  public FakeContainerRuntime(Supplier<Instant> clock) {
    this.clock = clock;
  }

  // --- what the test controls ------------------------------------------------------------------------

  /** Makes the engine have an image locally. */
  public synchronized FakeContainerRuntime withImage(String image) {
    images.add(image);
    return this;
  }

  /** Pulls of {@code image} fail with {@code message} (like a registry that denies it). */
  public synchronized void failPulls(String image, String message) {
    failingPulls.put(image, message);
  }

  /** Starts of containers whose name starts with {@code namePrefix} fail with {@code message}. */
  public synchronized void failStarts(String namePrefix, String message) {
    failingStarts.put(namePrefix, message);
  }

  /** The container's process ignores SIGTERM (like {@code trap '' TERM}): only SIGKILL ends it. */
  public synchronized void ignoreTerm(String containerId) {
    ignoringTerm.add(containerId);
  }

  /** What exec in a container returns (probes and hooks run through it). */
  public synchronized void onExec(BiFunction<String, List<String>, ExecResult> handler) {
    this.exec = handler;
  }

  /** The container's process exits with {@code code} (OOM when {@code oom}); a "die" event follows. */
  public void exit(String containerId, int code) {
    RuntimeEvent e;
    synchronized (this) {
      Entry en = containers.get(containerId);
      if (en == null || !en.container().running()) return;
      put(en, RuntimeContainer.State.EXITED, code, en.container().startedAt(), clock.get());
      e = event(containerId, "die");
    }
    emit(e);
  }

  /** The current instance of ECI container {@code name} (highest attempt), null when none. */
  public synchronized RuntimeContainer current(String groupId, String name) {
    return containers.values().stream().map(Entry::container)
        .filter(c -> groupId.equals(c.label(Labels.GROUP_ID)) && name.equals(c.label(Labels.CONTAINER_NAME)))
        .max(Comparator.comparingInt(c -> Integer.parseInt(c.labels().getOrDefault(Labels.ATTEMPT, "0"))))
        .orElse(null);
  }

  /** The group's sandbox, null when none. */
  public synchronized RuntimeContainer sandbox(String groupId) {
    return containers.values().stream().map(Entry::container)
        .filter(c -> groupId.equals(c.label(Labels.GROUP_ID)) && Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE)))
        .findFirst().orElse(null);
  }

  /** Every container the engine holds. */
  public synchronized List<RuntimeContainer> all() {
    return containers.values().stream().map(Entry::container).toList();
  }

  /** The create request a container was made from. */
  public synchronized CreateContainer specOf(String containerId) {
    Entry e = containers.get(containerId);
    return e == null ? null : e.spec();
  }

  /** Adds a container as another process (or a previous run) left it, running. */
  public synchronized String adopt(String name, Map<String, String> labels) {
    String id = newId();
    RuntimeContainer c = new RuntimeContainer(id, name, Map.copyOf(labels), RuntimeContainer.State.RUNNING, null,
        clock.get(), null, null, false, null);
    containers.put(id, new Entry(c, null));
    names.put(name, id);
    return id;
  }

  // --- the engine ------------------------------------------------------------------------------------

  @Override
  public String describe() {
    return "fake engine";
  }

  @Override
  public synchronized List<RuntimeContainer> list(Map<String, String> labels) {
    calls.add("list " + new java.util.TreeMap<>(labels));
    List<RuntimeContainer> out = new ArrayList<>();
    for (Entry e : containers.values()) {
      if (e.container().labels().entrySet().containsAll(labels.entrySet())) out.add(e.container());
    }
    return out;
  }

  @Override
  public synchronized Optional<RuntimeContainer> inspect(String containerId) {
    Entry e = containers.get(containerId);
    return e == null ? Optional.empty() : Optional.of(e.container());
  }

  @Override
  public synchronized SandboxImage ensureSandboxImage() {
    images.add(SANDBOX_IMAGE);
    return new SandboxImage(SANDBOX_IMAGE, List.of("sleep", "infinity"));
  }

  @Override
  public synchronized boolean hasImage(String image) {
    return images.contains(image);
  }

  @Override
  public synchronized Optional<String> imageId(String image) {
    return images.contains(image) ? Optional.of("sha256:" + Integer.toHexString(image.hashCode())) : Optional.empty();
  }

  @Override
  public void pull(String image, Optional<RegistryAuth> auth, boolean insecureRegistry, Consumer<String> progress) {
    synchronized (this) {
      calls.add("pull " + image);
      String failure = failingPulls.get(image);
      if (failure != null) throw new RuntimeFailure(failure);
      images.add(image);
    }
    progress.accept("Pulled " + image);
  }

  @Override
  public String create(CreateContainer spec) {
    RuntimeEvent e;
    String id;
    synchronized (this) {
      calls.add("create " + spec.name());
      if (names.containsKey(spec.name())) {
        throw new NameConflict("Conflict. The container name \"/" + spec.name() + "\" is already in use");
      }
      if (!images.contains(spec.image())) throw new RuntimeFailure("No such image: " + spec.image());
      id = newId();
      RuntimeContainer c = new RuntimeContainer(id, spec.name(), spec.labels(), RuntimeContainer.State.CREATED, null,
          null, null, null, false, null);
      containers.put(id, new Entry(c, spec));
      names.put(spec.name(), id);
      e = event(id, "create");
    }
    emit(e);
    return id;
  }

  @Override
  public void start(String containerId) {
    RuntimeEvent e;
    synchronized (this) {
      calls.add("start " + containerId);
      Entry en = containers.get(containerId);
      if (en == null) throw new RuntimeFailure("no such container: " + containerId);
      for (Map.Entry<String, String> f : failingStarts.entrySet()) {
        if (en.container().name().startsWith(f.getKey())) throw new RuntimeFailure(f.getValue());
      }
      if (en.container().running()) return;
      put(en, RuntimeContainer.State.RUNNING, null, clock.get(), null);
      e = event(containerId, "start");
    }
    emit(e);
  }

  @Override
  public void stop(String containerId, Duration grace) {
    kill(containerId, "TERM");
    kill(containerId, "KILL");
  }

  @Override
  public void kill(String containerId, String signal) {
    RuntimeEvent e;
    synchronized (this) {
      calls.add("kill " + containerId + " " + signal);
      Entry en = containers.get(containerId);
      if (en == null || !en.container().running()) return;
      boolean sandbox = Labels.ROLE_SANDBOX.equals(en.container().label(Labels.ROLE));
      if ("TERM".equals(signal) && !sandbox && ignoringTerm.contains(containerId)) return;
      int code = "KILL".equals(signal) ? 137 : 143;
      put(en, RuntimeContainer.State.EXITED, code, en.container().startedAt(), clock.get());
      e = event(containerId, "die");
    }
    emit(e);
  }

  @Override
  public void remove(String containerId) {
    RuntimeEvent e;
    synchronized (this) {
      calls.add("remove " + containerId);
      Entry en = containers.remove(containerId);
      if (en == null) return;
      names.remove(en.container().name());
      e = new RuntimeEvent(containerId, "remove", en.container().labels(), clock.get());
    }
    emit(e);
  }

  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout, int maxOutputBytes) {
    BiFunction<String, List<String>, ExecResult> handler;
    synchronized (this) {
      Entry en = containers.get(containerId);
      if (en == null) throw new RuntimeFailure("no such container: " + containerId);
      if (!en.container().running()) throw new RuntimeFailure("container " + containerId + " is not running");
      handler = exec;
    }
    execs.add(containerId + " " + command);
    return handler.apply(containerId, command);
  }

  @Override
  public ExecSession execInteractive(String containerId, List<String> command, boolean tty, boolean stdin,
      ExecOutput output) {
    throw new RuntimeFailure("interactive exec is not supported by the fake engine");
  }

  @Override
  public String logs(String containerId, LogQuery query) {
    return "";
  }

  @Override
  public Closeable events(Map<String, String> labels, Consumer<RuntimeEvent> sink, Runnable onResync) {
    Subscription s = new Subscription(Map.copyOf(labels), sink);
    subscriptions.add(s);
    return () -> subscriptions.remove(s);
  }

  @Override
  public synchronized Optional<Long> pid(String containerId) {
    Entry e = containers.get(containerId);
    return e != null && e.container().running() ? Optional.of(4242L) : Optional.empty();
  }

  @Override
  public String ensureNetwork(String name, Map<String, String> labels) {
    calls.add("ensureNetwork " + name);
    return name;
  }

  @Override
  public boolean removeNetworkIfUnused(String name) {
    calls.add("removeNetwork " + name);
    return true;
  }

  @Override
  public void close() {
    subscriptions.clear();
  }

  // --- internals -------------------------------------------------------------------------------------

  private String newId() {
    return String.format("%012x", ++nextId);
  }

  private void put(Entry en, RuntimeContainer.State state, Integer exitCode, Instant startedAt, Instant finishedAt) {
    RuntimeContainer c = en.container();
    boolean sandbox = Labels.ROLE_SANDBOX.equals(c.label(Labels.ROLE));
    String ip = c.ipAddress();
    if (sandbox && state == RuntimeContainer.State.RUNNING && ip == null) ip = "10.88.0." + nextIp++;
    containers.put(c.id(), new Entry(new RuntimeContainer(c.id(), c.name(), c.labels(), state, exitCode, startedAt,
        finishedAt, ip, false, null), en.spec()));
  }

  private RuntimeEvent event(String containerId, String action) {
    return new RuntimeEvent(containerId, action, containers.get(containerId).container().labels(), clock.get());
  }

  private void emit(RuntimeEvent e) {
    for (Subscription s : subscriptions) {
      if (e.labels().entrySet().containsAll(s.labels().entrySet())) s.sink().accept(e);
    }
  }
}
