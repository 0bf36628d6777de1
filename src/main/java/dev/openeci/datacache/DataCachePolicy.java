package dev.openeci.datacache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What data caches may do on this server (docs/data-caches.md), from {@code serve} flags passed as
 * {@code OPENECI_DATA_CACHE_*} environment variables:
 *
 * @param sourcePaths host directories a HostPath data source may copy from (and below); empty = the
 *     HostPath source is refused with Forbidden.DataCacheSource
 * @param urlHosts host names (or literal addresses) a URL source may name even when they resolve to a
 *     loopback, private or link-local address; other such URLs are refused (no requests into the
 *     server's own network on a tenant's behalf)
 * @param maxBytes the most one cache may hold, whatever its Size says
 * @param fillTimeout the longest one fill (download or copy) may take
 * @param maxPerAccount how many data caches one account may have
 */
public record DataCachePolicy(List<Path> sourcePaths, List<String> urlHosts, long maxBytes, Duration fillTimeout,
    int maxPerAccount) {

  public static final String SOURCE_PATHS_ENV = "OPENECI_DATA_CACHE_SOURCE_PATHS";
  public static final String URL_HOSTS_ENV = "OPENECI_DATA_CACHE_URL_HOSTS";
  public static final String MAX_BYTES_ENV = "OPENECI_DATA_CACHE_MAX_BYTES";
  public static final String FILL_TIMEOUT_ENV = "OPENECI_DATA_CACHE_FILL_TIMEOUT_SECONDS";
  public static final long DEFAULT_MAX_BYTES = 1L << 30;
  public static final Duration DEFAULT_FILL_TIMEOUT = Duration.ofMinutes(10);
  public static final int DEFAULT_MAX_PER_ACCOUNT = 50;

  public static final DataCachePolicy DEFAULT = new DataCachePolicy(List.of(), List.of(), DEFAULT_MAX_BYTES,
      DEFAULT_FILL_TIMEOUT, DEFAULT_MAX_PER_ACCOUNT);

  public DataCachePolicy {
    List<Path> paths = new ArrayList<>();
    for (Path p : sourcePaths) {
      if (!p.isAbsolute()) throw new IllegalArgumentException("data cache source path " + p + " must be absolute");
      paths.add(p.normalize());
    }
    sourcePaths = List.copyOf(paths);
    urlHosts = urlHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    if (maxBytes < 1) throw new IllegalArgumentException("the data cache size bound must be positive");
    if (fillTimeout.isNegative() || fillTimeout.isZero()) {
      throw new IllegalArgumentException("the data cache fill timeout must be positive");
    }
  }

  /** The policy the environment sets (unset variables keep the defaults); bad values throw. */
  public static DataCachePolicy fromEnv(Map<String, String> env) {
    List<Path> paths = csv(env.get(SOURCE_PATHS_ENV)).stream().map(Path::of).toList();
    String max = env.get(MAX_BYTES_ENV);
    String timeout = env.get(FILL_TIMEOUT_ENV);
    return new DataCachePolicy(paths, csv(env.get(URL_HOSTS_ENV)),
        max == null || max.isBlank() ? DEFAULT_MAX_BYTES : Long.parseLong(max.trim()),
        timeout == null || timeout.isBlank() ? DEFAULT_FILL_TIMEOUT : Duration.ofSeconds(Long.parseLong(timeout.trim())),
        DEFAULT_MAX_PER_ACCOUNT);
  }

  private static List<String> csv(String s) {
    if (s == null || s.isBlank()) return List.of();
    List<String> out = new ArrayList<>();
    for (String part : s.split(",")) if (!part.isBlank()) out.add(part.trim());
    return out;
  }

  /** The allowed root {@code p} lies below (or is), or null: {@code p} must be absolute and normalized. */
  public Path sourceRoot(Path p) {
    for (Path root : sourcePaths) {
      if (p.startsWith(root)) return root;
    }
    return null;
  }
}
