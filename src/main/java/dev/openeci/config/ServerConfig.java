package dev.openeci.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Configuration of one openeci server, immutable. Built by the command line from flags and
 * {@code OPENECI_*} environment variables (flags win).
 *
 * @param listenHost address to bind (default 127.0.0.1)
 * @param listenPort port to bind (default 8080; 0 = ephemeral, for tests)
 * @param dataDir where the SQLite store and the bootstrap credentials live
 * @param regions the regions this server answers for; the first is the default for requests
 *     without RegionId
 * @param zones zone per region served (one zone, "<region>-a" by default)
 * @param engineHost Docker API endpoint (unix:///...); null = the first engine that answers
 * @param resyncPeriod how often the slow safety-net relist runs
 * @param workers how many group syncs may run at once
 * @param pod what groups may do on this host (host paths, privileged, publish address)
 * @param engineTimeout how long one engine call on the stop/restart/delete path may take before it
 *     is abandoned, recorded (Warning EngineTimeout) and retried
 * @param edge bounds of the HTTP edge and the protocol (sizes, timeouts, rate limits, nonces)
 */
public record ServerConfig(
    String listenHost,
    int listenPort,
    Path dataDir,
    List<String> regions,
    String engineHost,
    Duration resyncPeriod,
    int workers,
    PodPolicy pod,
    Duration engineTimeout,
    EdgeConfig edge) {

  /** Default of {@code serve --engine-timeout-seconds}. */
  public static final Duration DEFAULT_ENGINE_TIMEOUT = Duration.ofSeconds(30);

  /** The configuration with the default edge bounds. */
  public ServerConfig(String listenHost, int listenPort, Path dataDir, List<String> regions, String engineHost,
      Duration resyncPeriod, int workers, PodPolicy pod, Duration engineTimeout) {
    this(listenHost, listenPort, dataDir, regions, engineHost, resyncPeriod, workers, pod, engineTimeout,
        EdgeConfig.DEFAULT);
  }

  /** The configuration with the default engine timeout. */
  public ServerConfig(String listenHost, int listenPort, Path dataDir, List<String> regions, String engineHost,
      Duration resyncPeriod, int workers, PodPolicy pod, EdgeConfig edge) {
    this(listenHost, listenPort, dataDir, regions, engineHost, resyncPeriod, workers, pod, DEFAULT_ENGINE_TIMEOUT,
        edge);
  }

  /** The configuration with the default engine timeout and edge bounds. */
  public ServerConfig(String listenHost, int listenPort, Path dataDir, List<String> regions, String engineHost,
      Duration resyncPeriod, int workers, PodPolicy pod) {
    this(listenHost, listenPort, dataDir, regions, engineHost, resyncPeriod, workers, pod, DEFAULT_ENGINE_TIMEOUT,
        EdgeConfig.DEFAULT);
  }

  /** The configuration with the default pod policy (no host paths, no privileged containers). */
  public ServerConfig(String listenHost, int listenPort, Path dataDir, List<String> regions, String engineHost,
      Duration resyncPeriod, int workers) {
    this(listenHost, listenPort, dataDir, regions, engineHost, resyncPeriod, workers, PodPolicy.DEFAULT);
  }

  public ServerConfig {
    if (pod == null) pod = PodPolicy.DEFAULT;
    if (engineTimeout == null) engineTimeout = DEFAULT_ENGINE_TIMEOUT;
    if (engineTimeout.isNegative() || engineTimeout.isZero()) {
      throw new IllegalArgumentException("the engine timeout must be positive");
    }
    if (edge == null) edge = EdgeConfig.DEFAULT;
    regions = List.copyOf(regions);
    if (regions.isEmpty()) throw new IllegalArgumentException("at least one region must be configured");
    if (workers < 1) throw new IllegalArgumentException("workers must be >= 1");
  }

  public String defaultRegion() {
    return regions.get(0);
  }

  public String zoneOf(String region) {
    return region + "-a";
  }

  public static Path defaultDataDir() {
    String env = System.getenv("OPENECI_DATA_DIR");
    if (env != null && !env.isBlank()) return Path.of(env);
    if ("root".equals(System.getProperty("user.name"))) return Path.of("/var/lib/openeci");
    return Path.of(System.getProperty("user.home"), ".local", "share", "openeci");
  }
}
