package dev.openeci.runtime.docker;

import com.github.dockerjava.api.DockerClient;
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
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * {@link ContainerRuntime} over the Docker Engine API v1.41 (Podman's compatible service or
 * Docker) with docker-java. Absorbs the engines' differences (docs/engine.md): Podman's 500 for
 * name conflicts, 304 for no-op start/stop, pull errors inside a 200 stream.
 *
 * <p>A facade: it opens the engine connections and delegates each concern to its own class:
 * {@link DockerContainers} (lifecycle, inspect, logs), {@link DockerImages} (pulls, presence,
 * imports), {@link DockerSandboxImage}, {@link DockerNetworks} (networks and volumes),
 * {@link DockerExec} (exec sessions) and {@link DockerEvents} (the event stream).
 */
public final class DockerRuntime implements ContainerRuntime {
  public static final String SANDBOX_IMAGE = DockerSandboxImage.REFERENCE;

  private final String endpoint;
  private final DockerClient client;
  private final DockerClient streams;
  private final DockerExec execs;
  private final DockerContainers containers;
  private final DockerImages images;
  private final DockerSandboxImage sandbox;
  private final DockerNetworks networks;
  private final DockerEvents events;
  private final com.github.dockerjava.transport.DockerHttpClient rawHttp;
  private final String engineName;
  private final boolean podman;

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
    this.images = new DockerImages(client, rawHttp, podman);
    this.sandbox = new DockerSandboxImage(images);
    this.networks = new DockerNetworks(client);
    this.containers = new DockerContainers(client, execs, networks, sandbox);
    this.events = new DockerEvents(streams);
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

  // --- containers ------------------------------------------------------------------------------------

  @Override
  public List<RuntimeContainer> list(Map<String, String> labels) {
    return containers.list(labels);
  }

  @Override
  public Optional<RuntimeContainer> inspect(String containerId) {
    return containers.inspect(containerId);
  }

  @Override
  public String create(CreateContainer spec) {
    return containers.create(spec);
  }

  @Override
  public void start(String containerId) {
    containers.start(containerId);
  }

  @Override
  public void stop(String containerId, Duration grace) {
    containers.stop(containerId, grace);
  }

  @Override
  public void kill(String containerId, String signal) {
    containers.kill(containerId, signal);
  }

  @Override
  public void remove(String containerId) {
    containers.remove(containerId);
  }

  @Override
  public Optional<Long> pid(String containerId) {
    return containers.pid(containerId);
  }

  @Override
  public String logs(String containerId, LogQuery query) {
    return containers.logs(containerId, query);
  }

  // --- images --------------------------------------------------------------------------------------

  @Override
  public boolean hasImage(String image) {
    return images.hasImage(image);
  }

  @Override
  public Optional<String> imageId(String image) {
    return images.imageId(image);
  }

  @Override
  public Optional<String> imageUser(String image) {
    return images.imageUser(image);
  }

  @Override
  public void pull(String image, Optional<RegistryAuth> auth, boolean insecureRegistry, Consumer<String> progress) {
    images.pull(image, auth, insecureRegistry, progress);
  }

  /** Removes an image reference (untag; the image goes when no other tag holds it). Missing is not an error. */
  public void removeImage(String reference) {
    images.removeImage(reference);
  }

  /** Tags an image with another reference ({@code repository:tag}). */
  public void tagImage(String image, String reference) {
    images.tagImage(image, reference);
  }

  /** Writes the image as a docker-archive tar (what {@code docker save} writes). */
  public void saveImage(String reference, java.nio.file.Path target) {
    images.saveImage(reference, target);
  }

  /** Imports a rootfs tar as an image (see {@link RootfsImages}). */
  public void importImage(String reference, byte[] rootfsTar) {
    images.importImage(reference, rootfsTar);
  }

  /** Imports a rootfs tar as an image with Dockerfile {@code changes} (e.g. {@code ENTRYPOINT ["/bin/echo"]}). */
  public void importImage(String reference, byte[] rootfsTar, List<String> changes) {
    images.importImage(reference, rootfsTar, changes);
  }

  @Override
  public SandboxImage ensureSandboxImage() {
    return sandbox.ensure();
  }

  // --- networks and volumes ------------------------------------------------------------------------

  @Override
  public String ensureVolume(String name, Map<String, String> driverOptions, Map<String, String> labels) {
    return networks.ensureVolume(name, driverOptions, labels);
  }

  @Override
  public void removeVolumes(Map<String, String> labels) {
    networks.removeVolumes(labels);
  }

  @Override
  public String ensureNetwork(String name, Map<String, String> labels) {
    return networks.ensureNetwork(name, labels);
  }

  @Override
  public boolean removeNetworkIfUnused(String name) {
    return networks.removeNetworkIfUnused(name);
  }

  @Override
  public void removeNetworks(Map<String, String> labels) {
    networks.removeNetworks(labels);
  }

  // --- exec and events -----------------------------------------------------------------------------

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
  public Closeable events(Map<String, String> labels, Consumer<RuntimeEvent> sink, Runnable onResync) {
    return events.events(labels, sink, onResync);
  }

  // CommitContainer (docs/images.md): the engine calls live in DockerCommits
  @Override
  public dev.openeci.runtime.ImageCommits imageCommits() {
    return new DockerCommits(client, rawHttp, podman);
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
  public void close() throws IOException {
    execs.close();
    client.close();
    streams.close();
    rawHttp.close();
  }
}
