package dev.openeci.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.InternalServerErrorException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Event;
import com.github.dockerjava.api.model.EventType;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.PullResponseItem;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.StreamType;
import com.github.dockerjava.api.model.TmpfsOptions;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.CreateContainer;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeContainer;
import dev.openeci.runtime.RuntimeEvent;
import dev.openeci.runtime.RuntimeFailure;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ContainerRuntime} over the Docker Engine API v1.41 (Podman's compatible service or
 * Docker) with docker-java. Absorbs the engines' differences (docs/engine.md): Podman's 500 for
 * name conflicts, 304 for no-op start/stop, pull errors inside a 200 stream.
 */
public final class DockerRuntime implements ContainerRuntime {
  private static final Logger log = LoggerFactory.getLogger(DockerRuntime.class);
  public static final String SANDBOX_IMAGE = "localhost/openeci/pause:1";
  private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

  private final String endpoint;
  private final DockerClient client;
  private final DockerClient streams;
  private final DockerExec execs;
  private final com.github.dockerjava.transport.DockerHttpClient rawHttp;
  private final String engineName;
  private final boolean podman;
  private volatile boolean sandboxImagePresent;

  public DockerRuntime(String endpoint) {
    this.endpoint = endpoint;
    this.rawHttp = http(endpoint, Duration.ofMinutes(10));
    this.client = client(endpoint, rawHttp);
    this.streams = client(endpoint, http(endpoint, null));
    this.execs = new DockerExec(endpoint, client, streams);
    String name;
    boolean podman;
    try {
      Version v = client.versionCmd().exec();
      podman = v.getComponents() != null && v.getComponents().stream()
          .anyMatch(c -> c.getName() != null && c.getName().toLowerCase(Locale.ROOT).contains("podman"));
      name = (podman ? "podman " : "docker ") + v.getVersion() + " (Docker API " + v.getApiVersion() + ")";
    } catch (RuntimeException e) {
      throw new RuntimeFailure("the container engine at " + endpoint + " does not answer: " + e.getMessage(), e);
    }
    this.engineName = name;
    this.podman = podman;
  }

  /** True when the engine is Podman (its libpod API is available next to the Docker-compatible one). */
  public boolean isPodman() {
    return podman;
  }

  private static DockerClientConfig config(String endpoint) {
    return DefaultDockerClientConfig.createDefaultConfigBuilder().withDockerHost(endpoint)
        .withApiVersion("1.41").withDockerTlsVerify(false).build();
  }

  private static com.github.dockerjava.transport.DockerHttpClient http(String endpoint, Duration responseTimeout) {
    ApacheDockerHttpClient.Builder http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config(endpoint).getDockerHost()).maxConnections(64).connectionTimeout(Duration.ofSeconds(5));
    if (responseTimeout != null) http.responseTimeout(responseTimeout);
    return http.build();
  }

  private static DockerClient client(String endpoint, com.github.dockerjava.transport.DockerHttpClient http) {
    return DockerClientImpl.getInstance(config(endpoint), http);
  }

  @Override
  public String describe() {
    return engineName + " at " + endpoint;
  }

  // --- observation --------------------------------------------------------------------------------

  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
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

  @Override
  public Optional<RuntimeContainer> inspect(String containerId) {
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

  // --- images ----------------------------------------------------------------------------------------

  @Override
  public boolean hasImage(String image) {
    try {
      client.inspectImageCmd(image).exec();
      return true;
    } catch (NotFoundException e) {
      return false;
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
    }
  }

  @Override
  public Optional<String> imageId(String image) {
    try {
      return Optional.ofNullable(client.inspectImageCmd(image).exec().getId());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
    }
  }

  /** Splits {@code registry:port/repo:tag} / {@code repo@digest} into repository and tag. */
  static String[] repositoryAndTag(String image) {
    if (image.contains("@")) return new String[] {image, null};
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    if (colon > slash) return new String[] {image.substring(0, colon), image.substring(colon + 1)};
    return new String[] {image, "latest"};
  }

  /**
   * Pulls an image. Registries the request marks insecure (PlainHttpRegistry / InsecureRegistry)
   * go through Podman's libpod endpoint with {@code tlsVerify=false} (skips certificate checks and
   * falls back to plain HTTP), because Podman's Docker-compatible endpoint ignores such a flag and
   * only honours its own registries.conf. On Docker, insecure registries depend on the daemon's
   * {@code insecure-registries} setting (docs/images.md).
   */
  @Override
  public void pull(String image, Optional<RegistryAuth> auth, boolean insecureRegistry, Consumer<String> progress) {
    if (insecureRegistry && podman) {
      pullLibpod(image, auth, progress);
    } else {
      pullCompat(image, auth, progress);
    }
    if (!hasImage(image)) throw new RuntimeFailure("pull of " + image + " finished but the image is not present");
  }

  private void pullCompat(String image, Optional<RegistryAuth> auth, Consumer<String> progress) {
    String[] rt = repositoryAndTag(image);
    var cmd = client.pullImageCmd(rt[0]);
    if (rt[1] != null) cmd.withTag(rt[1]);
    auth.ifPresent(a -> cmd.withAuthConfig(new AuthConfig().withRegistryAddress(a.server()).withUsername(a.username())
        .withPassword(a.password())));
    AtomicReference<String> error = new AtomicReference<>();
    try {
      cmd.exec(new ResultCallback.Adapter<PullResponseItem>() {
        private String last;

        @Override
        public void onNext(PullResponseItem item) {
          if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
            error.compareAndSet(null, item.getErrorDetail().getMessage());
          } else if (item.getError() != null) {
            error.compareAndSet(null, item.getError());
          } else if (item.getStatus() != null) {
            String line = item.getStatus() + (item.getId() == null ? "" : " " + item.getId());
            if (!line.equals(last)) progress.accept(line);
            last = line;
          }
        }
      }).awaitCompletion(30, TimeUnit.MINUTES);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeFailure("pull of " + image + " interrupted");
    } catch (RuntimeException e) {
      throw new RuntimeFailure(scrub(failure("pull " + image, e).getMessage(), auth), e);
    }
    if (error.get() != null) throw new RuntimeFailure(scrub(error.get(), auth));
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

  /** {@code POST /libpod/images/pull?reference=..&tlsVerify=false}: a stream of {"stream"}, {"error"}, {"images","id"}. */
  private void pullLibpod(String image, Optional<RegistryAuth> auth, Consumer<String> progress) {
    var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
        .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.POST)
        .path("/v4.0.0/libpod/images/pull?reference=" + java.net.URLEncoder.encode(image,
            java.nio.charset.StandardCharsets.UTF_8) + "&tlsVerify=false");
    auth.ifPresent(a -> request.putHeader("X-Registry-Auth", registryAuthHeader(a)));
    String error = null;
    try (var response = rawHttp.execute(request.build())) {
      if (response.getStatusCode() != 200) {
        String body = new String(response.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String m = body;
        try {
          var node = JSON.readTree(body);
          if (node.hasNonNull("message")) m = node.get("message").asText();
        } catch (IOException notJson) {
          // keep the raw body
        }
        throw new RuntimeFailure(scrub("pull " + image + ": HTTP " + response.getStatusCode() + " "
            + (m.length() > 500 ? m.substring(0, 500) : m), auth));
      }
      try (var items = JSON.readerFor(com.fasterxml.jackson.databind.JsonNode.class)
          .<com.fasterxml.jackson.databind.JsonNode>readValues(response.getBody())) {
        while (items.hasNext()) {
          var item = items.next();
          if (item.hasNonNull("error") && !item.get("error").asText().isEmpty()) {
            if (error == null) error = item.get("error").asText();
          } else if (item.hasNonNull("stream")) {
            String line = item.get("stream").asText().trim();
            if (!line.isEmpty()) progress.accept(line);
          }
        }
      }
    } catch (IOException e) {
      throw new RuntimeFailure(scrub("pull " + image + ": " + e.getMessage(), auth), e);
    }
    if (error != null) throw new RuntimeFailure(scrub(error.trim(), auth));
  }

  /** X-Registry-Auth: URL-safe base64 (padding kept) of the Docker auth JSON. */
  static String registryAuthHeader(RegistryAuth a) {
    var node = JSON.createObjectNode();
    node.put("username", a.username());
    node.put("password", a.password());
    node.put("serveraddress", a.server());
    return java.util.Base64.getUrlEncoder().encodeToString(node.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override public dev.openeci.runtime.ImageCommits imageCommits() { return new DockerCommits(client, rawHttp, podman); }

  /** Removes an image reference (untag; the image goes when no other tag holds it). Missing is not an error. */
  public void removeImage(String reference) {
    try {
      client.removeImageCmd(reference).withForce(false).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      throw failure("remove image " + reference, e);
    }
  }

  /** Tags an image with another reference ({@code repository:tag}). */
  public void tagImage(String image, String reference) {
    String[] rt = repositoryAndTag(reference);
    try {
      client.tagImageCmd(image, rt[0], rt[1] == null ? "latest" : rt[1]).exec();
    } catch (RuntimeException e) {
      throw failure("tag " + image + " as " + reference, e);
    }
  }

  /** Writes the image as a docker-archive tar (what {@code docker save} writes). */
  public void saveImage(String reference, java.nio.file.Path target) {
    try (var in = client.saveImageCmd(reference).exec()) {
      java.nio.file.Files.copy(in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new RuntimeFailure("cannot save image " + reference + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      throw failure("save image " + reference, e);
    }
  }

  @Override
  public SandboxImage ensureSandboxImage() {
    // Checked once, not per sandbox (one engine call less per group start); a create that finds it
    // gone (someone removed it) clears the flag, and the retry imports it again.
    if (!sandboxImagePresent) {
      if (!hasImage(SANDBOX_IMAGE)) {
        log.info("building the sandbox image {} from the host's busybox-static", SANDBOX_IMAGE);
        importImage(SANDBOX_IMAGE, RootfsImages.minimal());
      }
      sandboxImagePresent = true;
    }
    return new SandboxImage(SANDBOX_IMAGE, List.of("/bin/sleep", "infinity"));
  }

  /** Imports a rootfs tar as an image (see {@link RootfsImages}). */
  public void importImage(String reference, byte[] rootfsTar) {
    importImage(reference, rootfsTar, List.of());
  }

  /** Imports a rootfs tar as an image with Dockerfile {@code changes} (e.g. {@code ENTRYPOINT ["/bin/echo"]}). */
  public void importImage(String reference, byte[] rootfsTar, List<String> changes) {
    StringBuilder extra = new StringBuilder();
    for (String c : changes) {
      extra.append("&changes=").append(java.net.URLEncoder.encode(c, java.nio.charset.StandardCharsets.UTF_8));
    }
    // docker-java's createImageCmd truncates the upload against Podman; post the tar directly.
    // The tag goes into repo= (the import endpoint ignores tag=).
    var request = com.github.dockerjava.transport.DockerHttpClient.Request.builder()
        .method(com.github.dockerjava.transport.DockerHttpClient.Request.Method.POST)
        .path("/v1.41/images/create?fromSrc=-&repo=" + java.net.URLEncoder.encode(reference,
            java.nio.charset.StandardCharsets.UTF_8) + extra)
        .putHeader("Content-Type", "application/x-tar")
        .body(new java.io.ByteArrayInputStream(rootfsTar))
        .build();
    try (var response = rawHttp.execute(request)) {
      String body = new String(response.getBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      if (response.getStatusCode() != 200 || body.contains("\"error\"")) {
        throw new RuntimeFailure("cannot import image " + reference + ": HTTP " + response.getStatusCode() + " "
            + (body.length() > 300 ? body.substring(0, 300) : body));
      }
    } catch (IOException e) {
      throw new RuntimeFailure("cannot import image " + reference + ": " + e.getMessage(), e);
    }
    if (!hasImage(reference)) throw new RuntimeFailure("import of " + reference + " left no image");
  }

  // --- volumes and process facts ----------------------------------------------------------------------

  @Override
  public String ensureVolume(String name, Map<String, String> driverOptions, Map<String, String> labels) {
    try {
      return ours(client.inspectVolumeCmd(name).exec(), labels);
    } catch (NotFoundException e) {
      // create it below
    } catch (RuntimeException e) {
      throw failure("inspect volume " + name, e);
    }
    try {
      var cmd = client.createVolumeCmd().withName(name).withDriver("local").withLabels(labels);
      if (!driverOptions.isEmpty()) cmd.withDriverOpts(driverOptions);
      return cmd.exec().getMountpoint();
    } catch (RuntimeException e) {
      com.github.dockerjava.api.command.InspectVolumeResponse existing;
      try {
        existing = client.inspectVolumeCmd(name).exec(); // created concurrently
      } catch (RuntimeException ignored) {
        throw failure("create volume " + name, e);
      }
      return ours(existing, labels);
    }
  }

  /**
   * The mountpoint of an existing volume that carries every label it would have been created
   * with; a volume of that name made by anyone else (another openeci, another account, an
   * operator) is not used.
   */
  private static String ours(com.github.dockerjava.api.command.InspectVolumeResponse v, Map<String, String> labels) {
    Map<String, String> have = v.getLabels() == null ? Map.of() : v.getLabels();
    if (!have.entrySet().containsAll(labels.entrySet())) {
      throw new RuntimeFailure("engine volume " + v.getName() + " exists but does not belong to this group or"
          + " account (its labels differ); it is not mounted");
    }
    return v.getMountpoint();
  }

  /** Networks this runtime created or found, so a sandbox costs no extra engine call. */
  private final java.util.Set<String> knownNetworks = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A bridge network with netavark's {@code isolate} option: the engine drops traffic between two
   * isolated networks in both directions (NETAVARK_ISOLATION iptables chains), so groups of two
   * accounts cannot reach each other while groups of one account share a subnet.
   */
  @Override
  public String ensureNetwork(String name, Map<String, String> labels) {
    if (knownNetworks.contains(name)) return name;
    try {
      client.inspectNetworkCmd().withNetworkId(name).exec();
      knownNetworks.add(name);
      return name;
    } catch (NotFoundException e) {
      // create it below
    } catch (RuntimeException e) {
      throw failure("inspect network " + name, e);
    }
    try {
      client.createNetworkCmd().withName(name).withDriver("bridge").withLabels(labels)
          .withOptions(Map.of("isolate", "true")).withCheckDuplicate(true).exec();
      log.info("created network {} (isolated bridge)", name);
    } catch (RuntimeException e) {
      try {
        client.inspectNetworkCmd().withNetworkId(name).exec(); // created concurrently
      } catch (RuntimeException ignored) {
        throw failure("create network " + name, e);
      }
    }
    knownNetworks.add(name);
    return name;
  }

  @Override
  public boolean removeNetworkIfUnused(String name) {
    try {
      var n = client.inspectNetworkCmd().withNetworkId(name).exec();
      if (n.getContainers() != null && !n.getContainers().isEmpty()) return false;
      knownNetworks.remove(name);
      client.removeNetworkCmd(name).exec();
      log.info("removed network {} (no group uses it)", name);
      return true;
    } catch (NotFoundException e) {
      knownNetworks.remove(name);
      return true;
    } catch (RuntimeException e) {
      return false; // in use (the engine refuses) or unreachable: kept, tried again on the next delete
    }
  }

  @Override
  public void removeNetworks(Map<String, String> labels) {
    List<com.github.dockerjava.api.model.Network> found;
    try {
      found = client.listNetworksCmd().exec();
    } catch (RuntimeException e) {
      throw failure("list networks", e);
    }
    for (var n : found) {
      Map<String, String> l = n.getLabels() == null ? Map.of() : n.getLabels();
      if (l.entrySet().containsAll(labels.entrySet())) removeNetworkIfUnused(n.getName());
    }
  }

  @Override
  public void removeVolumes(Map<String, String> labels) {
    List<String> filters = new ArrayList<>();
    labels.forEach((k, v) -> filters.add(k + "=" + v));
    List<com.github.dockerjava.api.command.InspectVolumeResponse> found;
    try {
      found = client.listVolumesCmd().withFilter("label", filters).exec().getVolumes();
    } catch (RuntimeException e) {
      throw failure("list volumes", e);
    }
    if (found == null) return;
    for (var v : found) {
      Map<String, String> l = v.getLabels() == null ? Map.of() : v.getLabels();
      if (!l.entrySet().containsAll(labels.entrySet())) continue; // engines that ignore the filter
      try {
        client.removeVolumeCmd(v.getName()).exec();
      } catch (NotFoundException e) {
        // gone already
      } catch (RuntimeException e) {
        throw failure("remove volume " + v.getName(), e);
      }
    }
  }

  @Override
  public Optional<Long> pid(String containerId) {
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

  // metrics and capacity (docs/metrics.md): the engine calls live in DockerStats
  @Override
  public Optional<dev.openeci.runtime.ContainerStats> stats(String containerId) {
    return new DockerStats(rawHttp).stats(containerId);
  }

  @Override
  public Optional<dev.openeci.runtime.ContainerStats.Capacity> capacity() {
    return new DockerStats(rawHttp).capacity();
  }

  @Override
  public Optional<String> imageUser(String image) {
    try {
      var config = client.inspectImageCmd(image).exec().getConfig();
      return Optional.of(config == null || config.getUser() == null ? "" : config.getUser());
    } catch (NotFoundException e) {
      return Optional.empty();
    } catch (RuntimeException e) {
      throw failure("inspect image " + image, e);
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

  @Override
  public String create(CreateContainer spec) {
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
      throw new NameConflict("container name " + spec.name() + " is already in use");
    } catch (InternalServerErrorException e) {
      // The account network may have been removed meanwhile: the next attempt makes sure it exists.
      if (net.networkName() != null) knownNetworks.remove(net.networkName());
      if (String.valueOf(e.getMessage()).contains("already in use")) {
        throw new NameConflict("container name " + spec.name() + " is already in use");
      }
      throw failure("create " + spec.name(), e);
    } catch (NotFoundException e) {
      if (net.networkName() != null) knownNetworks.remove(net.networkName());
      if (SANDBOX_IMAGE.equals(spec.image())) sandboxImagePresent = false;
      throw new RuntimeFailure("image " + spec.image() + " not found: " + message(e));
    } catch (RuntimeException e) {
      throw failure("create " + spec.name(), e);
    }
  }

  @Override
  public void start(String containerId) {
    try {
      client.startContainerCmd(containerId).exec();
    } catch (NotModifiedException e) {
      // already running
    } catch (RuntimeException e) {
      throw failure("start " + containerId, e);
    }
  }

  @Override
  public void stop(String containerId, Duration grace) {
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

  @Override
  public void kill(String containerId, String signal) {
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

  @Override
  public void remove(String containerId) {
    execs.endAll(containerId);
    try {
      client.removeContainerCmd(containerId).withForce(true).withRemoveVolumes(true).exec();
    } catch (NotFoundException e) {
      // gone already
    } catch (RuntimeException e) {
      throw failure("remove " + containerId, e);
    }
  }

  // --- exec and logs -------------------------------------------------------------------------------------

  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout, int maxOutputBytes) {
    return execs.run(containerId, command, timeout, maxOutputBytes);
  }

  @Override
  public ExecSession execInteractive(String containerId, List<String> command, boolean tty, boolean stdin,
      ExecOutput output) {
    return execs.interactive(containerId, command, tty, stdin, output);
  }

  @Override
  public String logs(String containerId, LogQuery query) {
    Collector out = new Collector(8 << 20);
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
  private static final class Collector extends ResultCallback.Adapter<Frame> {
    private final int max;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    private final ByteArrayOutputStream combined = new ByteArrayOutputStream();

    Collector(int max) {
      this.max = max;
    }

    @Override
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

  // --- events ----------------------------------------------------------------------------------------------

  @Override
  public Closeable events(Map<String, String> labels, Consumer<RuntimeEvent> sink, Runnable onResync) {
    AtomicBoolean closed = new AtomicBoolean();
    AtomicReference<Closeable> current = new AtomicReference<>();
    Thread t = new Thread(() -> {
      long backoffMs = 1000;
      boolean first = true;
      while (!closed.get()) {
        ResultCallback.Adapter<Event> cb = new ResultCallback.Adapter<>() {
          @Override
          public void onNext(Event e) {
            String action = e.getAction() != null ? e.getAction() : e.getStatus();
            if (action == null || e.getId() == null) return;
            Map<String, String> attrs = e.getActor() != null && e.getActor().getAttributes() != null
                ? e.getActor().getAttributes() : Map.of();
            Instant when = e.getTimeNano() != null ? Instant.ofEpochSecond(0, e.getTimeNano())
                : Instant.ofEpochSecond(e.getTime() == null ? 0 : e.getTime());
            try {
              sink.accept(new RuntimeEvent(e.getId(), action, new HashMap<>(attrs), when));
            } catch (RuntimeException ex) {
              log.warn("event handler failed: {}", ex.toString());
            }
          }
        };
        try {
          current.set(cb);
          streams.eventsCmd().withLabelFilter(labels).withEventTypeFilter(EventType.CONTAINER).exec(cb);
          if (!first) {
            log.info("engine event stream reconnected; resyncing");
            onResync.run();
          }
          first = false;
          backoffMs = 1000;
          cb.awaitCompletion();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        } catch (RuntimeException e) {
          if (!closed.get()) log.warn("engine event stream failed: {}", e.getMessage());
        }
        if (closed.get()) return;
        try {
          Thread.sleep(backoffMs);
        } catch (InterruptedException e) {
          return;
        }
        backoffMs = Math.min(backoffMs * 2, 30_000);
      }
    }, "engine-events");
    t.setDaemon(true);
    t.start();
    return () -> {
      closed.set(true);
      closeQuietly(current.get());
      t.interrupt();
    };
  }

  // --- helpers ------------------------------------------------------------------------------------------

  private static RuntimeFailure failure(String what, RuntimeException e) {
    return new RuntimeFailure(what + ": " + message(e), e);
  }

  static String message(Throwable e) {
    String m = e.getMessage();
    if (m == null) return e.getClass().getSimpleName();
    // docker-java renders engine JSON errors as "Status 500: {"cause":..,"message":..}"; keep them short.
    m = m.replace('\n', ' ').trim();
    return m.length() > 500 ? m.substring(0, 500) + "..." : m;
  }

  private static String scrub(String message, Optional<RegistryAuth> auth) {
    if (auth.isPresent() && auth.get().password() != null && !auth.get().password().isEmpty()) {
      return message.replace(auth.get().password(), "***");
    }
    return message;
  }

  private static String strip(String name) {
    return name != null && name.startsWith("/") ? name.substring(1) : name;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static void closeQuietly(Closeable c) {
    if (c == null) return;
    try {
      c.close();
    } catch (IOException | RuntimeException ignored) {
      // closing a stream that already ended
    }
  }

  @Override
  public void close() throws IOException {
    execs.close();
    client.close();
    streams.close();
    rawHttp.close();
  }
}
