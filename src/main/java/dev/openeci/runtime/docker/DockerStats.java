package dev.openeci.runtime.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.transport.DockerHttpClient;
import dev.openeci.runtime.ContainerStats;
import dev.openeci.runtime.RuntimeFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The engine calls behind metrics and capacity (docs/metrics.md): one
 * {@code GET /containers/{id}/stats?stream=false&one-shot=true} per container and reading
 * (Docker and Podman answer it without waiting for a second sample), and {@code GET /info} for
 * NCPU/MemTotal. Parsing is static so it is tested on recorded bodies of both engines.
 */
public final class DockerStats {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final DockerHttpClient http;

  public DockerStats(DockerHttpClient http) {
    this.http = http;
  }

  public Optional<ContainerStats> stats(String containerId) {
    String body = get("/v1.41/containers/" + containerId + "/stats?stream=false&one-shot=true", "stats " + containerId);
    if (body == null) return Optional.empty();
    try {
      return Optional.of(parse(JSON.readTree(body), Instant.now()));
    } catch (IOException e) {
      throw new RuntimeFailure("stats " + containerId + ": the engine answered no JSON", e);
    }
  }

  public Optional<ContainerStats.Capacity> capacity() {
    String body = get("/v1.41/info", "info");
    if (body == null) return Optional.empty();
    try {
      return parseCapacity(JSON.readTree(body));
    } catch (IOException e) {
      throw new RuntimeFailure("info: the engine answered no JSON", e);
    }
  }

  /** The body of a 200, null for a 404 (the container is gone); anything else is a failure. */
  private String get(String path, String what) {
    var request = DockerHttpClient.Request.builder().method(DockerHttpClient.Request.Method.GET).path(path).build();
    try (var response = http.execute(request)) {
      String body = new String(response.getBody().readAllBytes(), StandardCharsets.UTF_8);
      if (response.getStatusCode() == 404) return null;
      if (response.getStatusCode() != 200) {
        throw new RuntimeFailure(what + ": HTTP " + response.getStatusCode() + " "
            + (body.length() > 300 ? body.substring(0, 300) : body));
      }
      return body;
    } catch (IOException e) {
      throw new RuntimeFailure(what + ": " + e.getMessage(), e);
    }
  }

  static Optional<ContainerStats.Capacity> parseCapacity(JsonNode info) {
    int cpus = info.path("NCPU").asInt(0);
    long mem = info.path("MemTotal").asLong(0);
    return cpus > 0 && mem > 0 ? Optional.of(new ContainerStats.Capacity(cpus, mem)) : Optional.empty();
  }

  /** A stats body of Docker (cgroup v1 or v2) or Podman; {@code now} when the body has no usable {@code read}. */
  static ContainerStats parse(JsonNode s, Instant now) {
    Instant read = now;
    String r = s.path("read").asText("");
    if (!r.isEmpty() && !r.startsWith("0001-")) {
      try {
        read = Instant.parse(r);
      } catch (DateTimeParseException ignored) {
        // keep now
      }
    }
    long cpu = s.path("cpu_stats").path("cpu_usage").path("total_usage").asLong(0);
    JsonNode mem = s.path("memory_stats");
    JsonNode ms = mem.path("stats");
    long usage = mem.path("usage").asLong(0);
    long limit = mem.path("limit").asLong(0);
    // cgroup v1 names (Docker), then v2 names (Docker on cgroup v2); Podman sends neither.
    long rss = first(ms, "total_rss", "rss", "anon");
    long cache = first(ms, "total_cache", "cache", "file");
    long inactive = first(ms, "total_inactive_file", "inactive_file");
    List<ContainerStats.Net> nets = new ArrayList<>();
    JsonNode networks = s.path("networks");
    for (var it = networks.fields(); it.hasNext(); ) {
      var e = it.next();
      JsonNode n = e.getValue();
      nets.add(new ContainerStats.Net(e.getKey(), n.path("rx_bytes").asLong(0), n.path("rx_packets").asLong(0),
          n.path("rx_errors").asLong(0), n.path("rx_dropped").asLong(0), n.path("tx_bytes").asLong(0),
          n.path("tx_packets").asLong(0), n.path("tx_errors").asLong(0), n.path("tx_dropped").asLong(0)));
    }
    Map<String, long[]> disks = new LinkedHashMap<>(); // device -> readBytes, writeBytes, readIo, writeIo
    JsonNode blkio = s.path("blkio_stats");
    addBlkio(disks, blkio.path("io_service_bytes_recursive"), 0);
    addBlkio(disks, blkio.path("io_serviced_recursive"), 2);
    List<ContainerStats.Disk> diskList = new ArrayList<>();
    disks.forEach((dev, v) -> diskList.add(new ContainerStats.Disk(dev, v[0], v[1], v[2], v[3])));
    return new ContainerStats(read, cpu, usage, limit, rss, cache, inactive, nets, diskList);
  }

  private static long first(JsonNode stats, String... names) {
    for (String n : names) {
      if (stats.has(n)) return stats.get(n).asLong(0);
    }
    return 0;
  }

  /** Entries {major, minor, op: Read|Write|read|write|Total..., value}; {@code base} 0 = bytes, 2 = operations. */
  private static void addBlkio(Map<String, long[]> disks, JsonNode entries, int base) {
    if (!entries.isArray()) return;
    for (JsonNode e : entries) {
      String op = e.path("op").asText("").toLowerCase(java.util.Locale.ROOT);
      int slot = op.equals("read") ? base : op.equals("write") ? base + 1 : -1;
      if (slot < 0) continue;
      String dev = e.path("major").asLong() + ":" + e.path("minor").asLong();
      disks.computeIfAbsent(dev, d -> new long[4])[slot] += e.path("value").asLong(0);
    }
  }
}
