package dev.openeci.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.TmpfsOptions;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeFailure;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static dev.openeci.runtime.docker.DockerErrors.emptyToNull;
import static dev.openeci.runtime.docker.DockerErrors.failure;
import static dev.openeci.runtime.docker.DockerErrors.message;

/**
 * Containers: create (host config, network joins, mounts, ports), start/stop/kill/remove, inspect,
 * list, PID and logs. Absorbs the engines' differences (docs/engine.md): Podman's 500 for name
 * conflicts, 304 for no-op start/stop. Open exec sessions of a container are ended before it is
 * stopped or removed (issue 15).
 */
final class DockerContainers {
  private static final Logger log = LoggerFactory.getLogger(DockerContainers.class);
  private final DockerClient client;
  private final DockerExec execs;
  private final DockerNetworks networks;
  private final DockerSandboxImage sandbox;

  DockerContainers(DockerClient client, DockerExec execs, DockerNetworks networks, DockerSandboxImage sandbox) {
    this.client = client;
    this.execs = execs;
    this.networks = networks;
    this.sandbox = sandbox;
  }

  List<RuntimeContainer> list(Map<String, String> labels) {
    try {
      List<Container> found = client.listContainersCmd().withShowAll(true).withLabelFilter(labels).exec();
      List<RuntimeContainer> out = new ArrayList<>(found.size());
      for (Container c : found) {
        String name = c.getNames() == null || c.getNames().length == 0 ? c.getId() : strip(c.getNames()[0]);
        out.add(new RuntimeContainer(c.getId(), name, c.getLabels() == null ? Map.of() : Map.copyOf(c.getLabels()),
            state(c.getState()), null, null, null, null, false, null));
      }
      return out;
    } catch (RuntimeException e) {
      throw failure("list containers", e);
    }
  }

  Optional<RuntimeContainer> inspect(String containerId) {
    InspectContainerResponse r;
    try {
      r = client.inspectContainerCmd(containerId).exec();
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect " + containerId, e);
    }
    InspectContainerResponse.ContainerState s = r.getState();
    RuntimeContainer.State state = state(s == null ? null : s.getStatus());
    Integer exit = null;
    if (s != null && s.getExitCodeLong() != null && (state == RuntimeContainer.State.EXITED
        || state == RuntimeContainer.State.DEAD)) {
      exit = s.getExitCodeLong().intValue();
    }
    String ip = null;
    if (r.getNetworkSettings() != null) {
      ip = emptyToNull(r.getNetworkSettings().getIpAddress());
      if (ip == null && r.getNetworkSettings().getNetworks() != null) {
        for (ContainerNetwork n : r.getNetworkSettings().getNetworks().values()) {
          if (emptyToNull(n.getIpAddress()) != null) {
            ip = n.getIpAddress();
            break;
          }
        }
      }
    }
    Map<String, String> labels = r.getConfig() != null && r.getConfig().getLabels() != null
        ? Map.copyOf(r.getConfig().getLabels()) : Map.of();
    return Optional.of(new RuntimeContainer(r.getId(), strip(r.getName()), labels, state, exit,
        time(s == null ? null : s.getStartedAt()), time(s == null ? null : s.getFinishedAt()), ip,
        s != null && Boolean.TRUE.equals(s.getOOMKilled()), s == null ? null : emptyToNull(s.getError())));
  }

  static RuntimeContainer.State state(String s) {
    if (s == null) return RuntimeContainer.State.UNKNOWN;
    return switch (s.toLowerCase(Locale.ROOT)) {
      case "created", "configured", "initialized" -> RuntimeContainer.State.CREATED;
      case "running" -> RuntimeContainer.State.RUNNING;
      case "paused" -> RuntimeContainer.State.PAUSED;
      case "restarting" -> RuntimeContainer.State.RESTARTING;
      case "exited", "stopped", "removing" -> RuntimeContainer.State.EXITED;
      case "dead" -> RuntimeContainer.State.DEAD;
      default -> RuntimeContainer.State.UNKNOWN;
    };
  }

  static Instant time(String s) {
    if (s == null || s.isEmpty() || s.startsWith("0001-01-01")) return null;
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (RuntimeException e) {
      return null;
    }
  }

  Optional<Long> pid(String containerId) {
    try {
      InspectContainerResponse r = client.inspectContainerCmd(containerId).exec();
      Long pid = r.getState() == null ? null : r.getState().getPidLong();
      return pid == null || pid <= 0 ? Optional.empty() : Optional.of(pid);
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect " + containerId, e);
    }
  }

  static com.github.dockerjava.api.model.BindPropagation propagation(String p) {
    return switch (p) {
      case "rslave" -> com.github.dockerjava.api.model.BindPropagation.R_SLAVE;
      case "rshared" -> com.github.dockerjava.api.model.BindPropagation.R_SHARED;
      default -> com.github.dockerjava.api.model.BindPropagation.R_PRIVATE;
    };
  }

  // --- lifecycle ---------------------------------------------------------------------------------------

  String create(CreateContainer spec) {
    HostConfig host = HostConfig.newHostConfig().withRestartPolicy(RestartPolicy.noRestart());
    CreateContainerCmd cmd = client.createContainerCmd(spec.image()).withName(spec.name()).withLabels(spec.labels())
        .withEnv(spec.env()).withTty(spec.tty()).withStdinOpen(spec.openStdin()).withStdInOnce(spec.stdinOnce());
    if (spec.entrypoint() != null) cmd.withEntrypoint(spec.entrypoint());
    if (spec.cmd() != null) cmd.withCmd(spec.cmd());
    if (spec.workingDir() != null) cmd.withWorkingDir(spec.workingDir());
    if (spec.user() != null) cmd.withUser(spec.user());
    CreateContainer.Network net = spec.network();
    if (net.hostname() != null) cmd.withHostName(net.hostname());
    if (net.joins()) {
      String target = "container:" + net.sandboxId();
      host.withNetworkMode(target).withIpcMode(target);
      if (net.sharePid()) host.withPidMode(target);
    } else {
      host.withNetworkMode(net.networkName() == null ? "bridge" : net.networkName()).withIpcMode("shareable");
      if (!net.dns().isEmpty()) host.withDns(net.dns());
      if (!net.dnsSearch().isEmpty()) host.withDnsSearch(net.dnsSearch());
      if (!net.dnsOptions().isEmpty()) host.withDnsOptions(net.dnsOptions());
      if (!net.extraHosts().isEmpty()) host.withExtraHosts(net.extraHosts().toArray(String[]::new));
      if (!net.sysctls().isEmpty()) host.withSysctls(net.sysctls());
      if (!net.ports().isEmpty()) {
        Ports bindings = new Ports();
        List<ExposedPort> exposed = new ArrayList<>();
        for (CreateContainer.PortBinding p : net.ports()) {
          ExposedPort ep = new ExposedPort(p.containerPort(),
              InternetProtocol.parse(p.protocol().toLowerCase(Locale.ROOT)));
          exposed.add(ep);
          bindings.bind(ep, Ports.Binding.bindIpAndPort(p.hostIp(), p.hostPort() == 0 ? null : p.hostPort()));
        }
        cmd.withExposedPorts(exposed);
        host.withPortBindings(bindings);
      }
    }
    if (spec.nanoCpus() > 0) host.withNanoCPUs(spec.nanoCpus());
    if (spec.memoryBytes() > 0) host.withMemory(spec.memoryBytes()).withMemorySwap(spec.memoryBytes());
    if (spec.readOnlyRootfs()) host.withReadonlyRootfs(true);
    if (spec.privileged()) host.withPrivileged(true);
    if (!spec.capAdd().isEmpty()) {
      try {
        host.withCapAdd(spec.capAdd().stream().map(c -> Capability.valueOf(c.toUpperCase(Locale.ROOT)))
            .toArray(Capability[]::new));
      } catch (IllegalArgumentException e) {
        throw new RuntimeFailure("unknown capability in " + spec.capAdd());
      }
    }
    if (!spec.mounts().isEmpty()) {
      List<Mount> mounts = new ArrayList<>();
      for (CreateContainer.Mount m : spec.mounts()) {
        Mount mount = new Mount().withTarget(m.target()).withReadOnly(m.readOnly());
        switch (m.type()) {
          case "tmpfs" -> {
            TmpfsOptions o = new TmpfsOptions().withMode(01777);
            if (m.tmpfsSizeBytes() > 0) o.withSizeBytes(m.tmpfsSizeBytes());
            mount.withType(MountType.TMPFS).withTmpfsOptions(o);
          }
          case "bind" -> {
            mount.withType(MountType.BIND).withSource(m.source());
            if (m.propagation() != null) {
              mount.withBindOptions(new com.github.dockerjava.api.model.BindOptions()
                  .withPropagation(propagation(m.propagation())));
            }
          }
          default -> mount.withType(MountType.VOLUME).withSource(m.source());
        }
        mounts.add(mount);
      }
      host.withMounts(mounts);
    }
    if (spec.gpus() > 0) {
      host.withDeviceRequests(List.of(new com.github.dockerjava.api.model.DeviceRequest().withCount(spec.gpus())
          .withCapabilities(List.of(List.of("gpu")))));
    }
    cmd.withHostConfig(host);
    try {
      return cmd.exec().getId();
    } catch (ConflictException e) {
      throw new ContainerRuntime.NameConflict("container name " + spec.name() + " is already in use");
    } catch (InternalServerErrorException e) {
      // The account network may have been removed meanwhile: the next attempt makes sure it exists.
      if (net.networkName() != null) networks.forget(net.networkName());
      if (String.valueOf(e.getMessage()).contains("already in use")) {
        throw new ContainerRuntime.NameConflict("container name " + spec.name() + " is already in use");
      }
      throw failure("create " + spec.name(), e);
    } catch (NotFoundException e) {
      if (net.networkName() != null) networks.forget(net.networkName());
      sandbox.missing(spec.image());
      throw new RuntimeFailure("image " + spec.image() + " not found: " + message(e));
    } catch (RuntimeException e) {
      throw failure("create " + spec.name(), e);
    }
  }

  void start(String containerId) {
    try {
      client.startContainerCmd(containerId).exec();
    } catch (NotModifiedException e) {
      // already running
    } catch (RuntimeException e) {
      throw failure("start " + containerId, e);
    }
  }

  void stop(String containerId, Duration grace) {
    execs.endAll(containerId); // issue 15: a stop never waits on an exec session
    try {
      client.stopContainerCmd(containerId).withTimeout((int) Math.max(0, grace.toSeconds())).exec();
    } catch (NotModifiedException | NotFoundException e) {
      // already stopped or gone
    } catch (InternalServerErrorException e) {
      // Podman stops the container, then refuses its cleanup while an exec session (not ours) runs.
      if (!String.valueOf(e.getMessage()).contains("active exec sessions")) throw failure("stop " + containerId, e);
      log.info("stopped {}; Podman reports exec sessions still running in it", containerId.substring(0, 12));
    } catch (RuntimeException e) {
      throw failure("stop " + containerId, e);
    }
  }

  void kill(String containerId, String signal) {
    try {
      client.killContainerCmd(containerId).withSignal(signal).exec();
    } catch (NotFoundException | NotModifiedException | ConflictException e) {
      // not running
    } catch (InternalServerErrorException e) {
      String m = String.valueOf(e.getMessage());
      if (!m.contains("not running") && !m.contains("can only kill running")) throw failure("kill " + containerId, e);
    } catch (RuntimeException e) {
      throw failure("kill " + containerId, e);
    }
  }

  void remove(String containerId) {
    execs.endAll(containerId);
    try {
      client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      throw failure("remove " + containerId, e);
    }
  }

  String logs(String containerId, dev.openeci.runtime.ContainerRuntime.LogQuery query) {
    LogFrames out = new LogFrames(8 << 20);
    var cmd = client.logContainerCmd(containerId).withStdOut(true).withStdErr(true)
        .withTimestamps(query.timestamps());
    if (query.tail() != null) cmd.withTail(query.tail());
    if (query.sinceEpochSecond() != null) cmd.withSince(query.sinceEpochSecond().intValue());
    try {
      cmd.exec(out).awaitCompletion(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (NotFoundException e) {
      throw new RuntimeFailure("container " + containerId + " not found");
    } catch (RuntimeException e) {
      throw failure("logs of " + containerId, e);
    }
    return out.combined();
  }

  /** Collects demultiplexed frames, up to a byte limit. */
  private static final class LogFrames extends ResultCallback.Adapter<Frame> {
    private final int max;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final ByteArrayOutputStream combined = new ByteArrayOutputStream();

    LogFrames(int max) {
      this.max = max;
    }

      public synchronized void onNext(Frame frame) {
      byte[] p = frame.getPayload();
      if (p == null || combined.size() >= max) return;
      int n = Math.min(p.length, max - combined.size());
      combined.write(p, 0, n);
      (frame.getStreamType() == StreamType.STDERR ? stderr : stdout).write(p, 0, n);
    }

    synchronized String stdout() {
      return stdout.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    synchronized String stderr() {
      return stderr.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    synchronized String combined() {
      return combined.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private static String strip(String name) {
    return name != null && name.startsWith("/") ? name.substring(1) : name;
  }

}
