package dev.openeci.datacache;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.hostfs.SafePaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateDataCache / DescribeDataCaches / UpdateDataCache / DeleteDataCache / CopyDataCache and the
 * lookup CreateContainerGroup's {@code DataCacheBucket} uses (docs/data-caches.md). A fill runs in
 * the background (two at a time) into {@code <root>/<id>/.fill-<generation>}, renamed to
 * {@code <root>/<id>/<generation>} when complete: a group only ever mounts a complete generation.
 * Restart-safe: an interrupted creation ends Failed, an interrupted update keeps the previous data
 * (Available, with a Warning event); half-written fill directories are removed.
 */
public final class DataCacheService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DataCacheService.class);
  public static final String URL = "URL";
  public static final String HOST_PATH = "HostPath";
  /** The directory of the data caches, beside {@code <data-dir>/pods}. */
  public static final String DIR = "data-caches";

  private final DataCacheRepository repo;
  private final DataCachePolicy policy;
  /** The operator's per-account, per-region quota (`serve --quota-data-caches`, docs/quotas.md): given the count held. */
  private volatile java.util.function.LongConsumer quota = used -> {};
  private final DataCacheFiller filler;
  private final Path root;
  private final InstantSource clock;
  private final ExecutorService fillers = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "data-cache");
    t.setDaemon(true);
    return t;
  });
  private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "data-cache-watchdog");
    t.setDaemon(true);
    return t;
  });
  private final Map<String, Future<?>> running = new ConcurrentHashMap<>();

  public DataCacheService(DataCacheRepository repo, DataCachePolicy policy, Path dataDir, InstantSource clock) {
    this.repo = repo;
    this.policy = policy;
    this.filler = new DataCacheFiller(policy);
    this.root = dataDir.resolve(DIR);
    this.clock = clock;
    try {
      Files.createDirectories(root);
      Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot create " + root + ": " + e.getMessage(), e);
    }
    for (DataCache dc : repo.all()) {
      removeFillDirs(dc.id());
      if (DataCache.CREATING.equals(dc.status())) {
        repo.modify(dc.id(), c -> c.withStatus(DataCache.FAILED, c.progress()).withEvent("Warning", "Failed",
            "data cache creation was interrupted by a restart of openeci; delete it and create it again",
            clock.instant()));
      } else if (DataCache.UPDATING.equals(dc.status())) {
        boolean hasData = dc.generation() > 0 && Files.isDirectory(generationDir(dc.id(), dc.generation()),
            LinkOption.NOFOLLOW_LINKS);
        repo.modify(dc.id(), c -> c.withStatus(hasData ? DataCache.AVAILABLE : DataCache.FAILED, hasData ? 100 : 0)
            .withEvent("Warning", "UpdateInterrupted", "the update was interrupted by a restart of openeci; "
                + (hasData ? "the previous data is kept" : "no data is left"), clock.instant()));
      }
    }
  }

  public DataCachePolicy policy() {
    return policy;
  }

  /** What CreateDataCache (and UpdateDataCache, CopyDataCache) ask for, validated by the mapper. */
  public record Request(String bucket, String path, String name, int sizeGiB, DataCache.Source source,
      Integer retentionDays, List<DataCache.Tag> tags) {}

  public DataCache create(String accountId, String regionId, Request r) {
    checkSource(r.source());
    Instant now = clock.instant();
    String id = newId();
    DataCache dc;
    synchronized (this) {
      checkRoom(accountId, regionId, r.bucket(), r.path(), null);
      dc = new DataCache(id, accountId, regionId, r.bucket(), r.path(), r.name(), r.sizeGiB(), r.source(),
          DataCache.CREATING, 0, 0, 0, now, expiry(now, r.retentionDays()), null, List.of(), r.tags());
      repo.insert(dc);
    }
    log.info("{}: data cache {}:{} created from a {} source; filling in the background", id, r.bucket(), r.path(),
        r.source().type());
    submit(id, 1, r.source(), null);
    return dc;
  }

  /** Enforces the operator's data cache quota (group.Quotas#checkDataCaches) on every new cache. */
  public DataCacheService withQuota(java.util.function.LongConsumer quota) {
    this.quota = quota;
    return this;
  }

  /** How many data caches the account holds in the region (ListUsage). */
  public long count(String accountId, String regionId) {
    return list(accountId, regionId).size();
  }

  private synchronized void checkRoom(String accountId, String regionId, String bucket, String path, String except) {
    List<DataCache> mine = repo.all().stream().filter(c -> c.accountId().equals(accountId)).toList();
    if (except == null) {
      quota.accept(mine.stream().filter(c -> c.regionId().equals(regionId)).count());
    }
    if (except == null && mine.size() >= policy.maxPerAccount()) {
      throw ErrorCode.DATA_CACHE_QUOTA_EXCEEDED.withMessage("An account may have at most " + policy.maxPerAccount()
          + " data caches on this server.");
    }
    for (DataCache c : mine) {
      if (c.regionId().equals(regionId) && c.bucket().equals(bucket) && c.path().equals(path) && !c.id().equals(except)
          && !expired(c)) {
        throw ErrorCode.DATA_CACHE_ALREADY_EXISTS.withMessage("The data cache " + c.id() + " already holds Path \""
            + path + "\" in Bucket \"" + bucket + "\".");
      }
    }
  }

  /** Checks a data source against this server's policy before anything is recorded. */
  public void checkSource(DataCache.Source s) {
    switch (s.type()) {
      case URL -> {
        String why = filler.urlProblem(s.options().get("url"));
        if (why != null) {
          throw ErrorCode.FORBIDDEN_DATA_CACHE_SOURCE.withMessage("DataSource.Options.url " + why + ".");
        }
      }
      case HOST_PATH -> {
        Path p = Path.of(s.options().get("path"));
        if (policy.sourceRoot(p) == null) {
          throw ErrorCode.FORBIDDEN_DATA_CACHE_SOURCE.withMessage("DataSource.Options.path \"" + p + "\" is not under"
              + " a directory this server copies data caches from ("
              + (policy.sourcePaths().isEmpty() ? "none is configured; see serve --data-cache-source-path"
                  : policy.sourcePaths().toString()) + ").");
        }
      }
      default -> throw ErrorCode.DATA_CACHE_UNSUPPORTED_SOURCE.withMessage("DataSource.Type \"" + s.type()
          + "\" is not supported here; use URL or HostPath (docs/data-caches.md).");
    }
  }

  private void submit(String id, int generation, DataCache.Source source, DataCache copyOf) {
    Instant deadline = clock.instant().plus(policy.fillTimeout());
    Future<?> f = fillers.submit(() -> fill(id, generation, source, copyOf, deadline));
    running.put(id, f);
    watchdog.schedule(() -> {
      if (!f.isDone()) f.cancel(true);
    }, policy.fillTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
  }

  private void fill(String id, int generation, DataCache.Source source, DataCache copyOf, Instant deadline) {
    Path tmp = root.resolve(id).resolve(".fill-" + generation);
    Optional<DataCache> start = repo.get(id);
    if (start.isEmpty()) return;
    long limit = Math.min(policy.maxBytes(), (long) start.get().sizeGiB() << 30);
    try {
      Files.createDirectories(tmp.getParent());
      Files.setPosixFilePermissions(tmp.getParent(), PosixFilePermissions.fromString("rwx------"));
      if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) SafePaths.deleteTree(tmp);
      Files.createDirectory(tmp);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      java.util.function.LongConsumer progress = bytes -> repo.modify(id,
          c -> c.withStatus(c.status(), (int) Math.min(99, bytes * 100 / Math.max(1, limit))));
      long bytes;
      if (copyOf != null) {
        event(id, "Normal", "Copying", "Copying the data of data cache " + copyOf.id());
        bytes = filler.copy(generationDir(copyOf.id(), copyOf.generation()), "", tmp, limit, deadline, progress);
      } else if (URL.equals(source.type())) {
        event(id, "Normal", "Downloading", "Downloading " + DataCacheFiller.shown(java.net.URI.create(
            source.options().get("url"))));
        bytes = filler.fetch(source.options().get("url"), tmp, limit, deadline, progress);
      } else {
        Path p = Path.of(source.options().get("path"));
        Path allowed = policy.sourceRoot(p);
        if (allowed == null) throw new DataCacheFiller.FillFailure("the source path is no longer allowed");
        event(id, "Normal", "Copying", "Copying host path " + p);
        bytes = filler.copy(allowed, allowed.relativize(p).toString(), tmp, limit, deadline, progress);
      }
      Path dir = generationDir(id, generation);
      if (repo.get(id).isEmpty()) {
        SafePaths.deleteTree(tmp);
        return; // deleted meanwhile
      }
      Files.move(tmp, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      Optional<DataCache> done = repo.modify(id, c -> c.withFilled(generation, bytes)
          .withEvent("Normal", "Available", "Successfully filled the data cache (" + bytes + " bytes)", clock.instant()));
      if (done.isEmpty()) {
        SafePaths.deleteTree(root.resolve(id));
        return;
      }
      removeOtherGenerations(id, generation);
      log.info("{}: data cache available ({} bytes, generation {})", id, bytes, generation);
    } catch (DataCacheFiller.FillFailure e) {
      failed(id, generation, e.getMessage());
    } catch (InterruptedException e) {
      failed(id, generation, "the fill did not finish within " + policy.fillTimeout().toSeconds() + "s");
    } catch (IOException | RuntimeException e) {
      log.warn("{}: data cache fill failed unexpectedly: {}", id, e.toString());
      failed(id, generation, "the fill failed: " + e.getMessage());
    } finally {
      running.remove(id);
      try {
        if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) SafePaths.deleteTree(tmp);
        // deleted while filling: nothing of it stays on disk
        if (repo.get(id).isEmpty() && Files.exists(root.resolve(id), LinkOption.NOFOLLOW_LINKS)) {
          SafePaths.deleteTree(root.resolve(id));
        }
      } catch (IOException e) {
        log.warn("{}: cannot remove {}: {}", id, tmp, e.toString());
      }
    }
  }

  private void failed(String id, int generation, String why) {
    log.warn("{}: data cache fill failed: {}", id, why);
    repo.modify(id, c -> {
      boolean keep = generation > 1 && c.generation() > 0;
      DataCache next = keep ? c.withStatus(DataCache.AVAILABLE, 100) : c.withStatus(DataCache.FAILED, c.progress());
      return next.withEvent("Warning", keep ? "UpdateFailed" : "Failed",
          (keep ? "The update failed and the previous data is kept: " : "") + why, clock.instant());
    });
  }

  private void event(String id, String type, String reason, String message) {
    repo.modify(id, c -> c.withEvent(type, reason, message, clock.instant()));
  }

  Path generationDir(String id, int generation) {
    return root.resolve(id).resolve(Integer.toString(generation));
  }

  private void removeOtherGenerations(String id, int keep) {
    Path dir = root.resolve(id);
    try (var ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.matches("\\d+") && Integer.parseInt(n) != keep) SafePaths.deleteTree(p);
      }
    } catch (IOException e) {
      log.warn("{}: cannot remove older data of the cache: {}", id, e.toString());
    }
  }

  private void removeFillDirs(String id) {
    Path dir = root.resolve(id);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try (var ds = Files.newDirectoryStream(dir, ".fill-*")) {
      for (Path p : ds) SafePaths.deleteTree(p);
    } catch (IOException e) {
      log.warn("{}: cannot remove a half-written fill: {}", id, e.toString());
    }
  }

  private boolean expired(DataCache c) {
    return c.expireTime() != null && !c.expireTime().isAfter(clock.instant());
  }

  private static Instant expiry(Instant from, Integer days) {
    return days == null ? null : from.plus(Duration.ofDays(days));
  }

  /** The caches of an account and region, oldest first; expired ones are removed on the way. */
  public List<DataCache> list(String accountId, String regionId) {
    for (DataCache c : repo.list(accountId, regionId)) {
      if (expired(c) && !c.busy()) remove(c);
    }
    return repo.list(accountId, regionId).stream().filter(c -> !expired(c)).toList();
  }

  /** One of the caller's caches; another account's id (or an unknown one) is DataCache.NotFound. */
  public DataCache find(String accountId, String regionId, String id) {
    return list(accountId, regionId).stream().filter(c -> c.id().equals(id)).findFirst()
        .orElseThrow(() -> ErrorCode.DATA_CACHE_NOT_FOUND.withMessage("The data cache " + id + " does not exist."));
  }

  /** The cache holding {@code path} in {@code bucket}, or DataCache.NotFound. */
  public DataCache findByPath(String accountId, String regionId, String bucket, String path) {
    return list(accountId, regionId).stream().filter(c -> c.bucket().equals(bucket) && c.path().equals(path))
        .findFirst().orElseThrow(() -> ErrorCode.DATA_CACHE_NOT_FOUND.withMessage("No data cache holds Path \""
            + path + "\" in Bucket \"" + bucket + "\"."));
  }

  public void delete(String accountId, String regionId, DataCache dc) {
    Future<?> f = running.get(dc.id());
    if (f != null) f.cancel(true);
    remove(dc);
    log.info("{}: data cache deleted", dc.id());
  }

  private void remove(DataCache dc) {
    repo.delete(dc.id());
    try {
      Path dir = root.resolve(dc.id());
      if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) SafePaths.deleteTree(dir);
    } catch (IOException e) {
      log.warn("{}: cannot remove the data of the cache: {}", dc.id(), e.toString());
    }
  }

  /**
   * UpdateDataCache: Name, RetentionDays, Size and Tag change at once; a new DataSource refills the
   * cache (Updating; groups keep mounting the previous data until the new one is complete).
   */
  public DataCache update(String accountId, String regionId, String id, String name, Integer sizeGiB,
      DataCache.Source source, Integer retentionDays, List<DataCache.Tag> tags) {
    DataCache dc = find(accountId, regionId, id);
    if (source != null) {
      checkSource(source);
      if (dc.busy()) {
        throw ErrorCode.DATA_CACHE_INCORRECT_STATUS.withMessage("The data cache " + id + " is " + dc.status()
            + "; wait until it is Available or Failed.");
      }
    }
    Instant expire = retentionDays == null ? dc.expireTime() : expiry(clock.instant(), retentionDays);
    DataCache next = repo.modify(id, c -> {
      DataCache n = c.withSettings(name == null ? c.name() : name, sizeGiB == null ? c.sizeGiB() : sizeGiB,
          source == null ? c.source() : source, expire, tags == null ? c.tags() : tags);
      return source == null ? n : n.withStatus(c.generation() > 0 ? DataCache.UPDATING : DataCache.CREATING, 0)
          .withEvent("Normal", "Updating", "Refilling the data cache from its new data source", clock.instant());
    }).orElseThrow(() -> ErrorCode.DATA_CACHE_NOT_FOUND.withMessage("The data cache " + id + " does not exist."));
    if (source != null) submit(id, dc.generation() + 1, source, null);
    return next;
  }

  /** CopyDataCache: a new cache of the same account (in {@code destRegion}) with a copy of the data. */
  public DataCache copy(String accountId, String regionId, String id, String destRegion, Request r) {
    DataCache src = find(accountId, regionId, id);
    if (!src.available()) {
      throw ErrorCode.DATA_CACHE_INCORRECT_STATUS.withMessage("The data cache " + id + " is " + src.status()
          + ", not Available.");
    }
    Instant now = clock.instant();
    String newId = newId();
    DataCache dc;
    synchronized (this) {
      checkRoom(accountId, destRegion, r.bucket(), r.path(), null);
      dc = new DataCache(newId, accountId, destRegion, r.bucket(), r.path(), r.name() == null ? src.name() : r.name(),
          src.sizeGiB(), src.source(), DataCache.CREATING, 0, 0, 0, now, expiry(now, r.retentionDays()), null,
          List.of(), r.tags());
      repo.insert(dc);
    }
    log.info("{}: data cache copied from {} to {}:{} in {}", newId, id, r.bucket(), r.path(), destRegion);
    submit(newId, 1, src.source(), src);
    return dc;
  }

  /**
   * DataCacheBucket of CreateContainerGroup: the Available cache of this account holding {@code path}
   * in {@code bucket} (DataCache.NotFound, DataCache.IncorrectStatus). Records LastMatchedTime.
   */
  public DataCache requireForMount(String accountId, String regionId, String bucket, String path) {
    DataCache dc = findByPath(accountId, regionId, bucket, path);
    if (!dc.available()) {
      throw new ApiException(ErrorCode.DATA_CACHE_INCORRECT_STATUS, "The data cache " + dc.id() + " holding Path \""
          + path + "\" is " + dc.status() + ", not Available.");
    }
    repo.modify(dc.id(), c -> c.withMatched(clock.instant()));
    return dc;
  }

  /**
   * CreateContainerGroup / UpdateContainerGroup with {@code DataCacheBucket}: a HostPathVolume whose
   * Path names a data cache of this account in that bucket becomes that cache's read-only data (the
   * cache must be Available); other HostPathVolumes stay host paths (under --allow-host-path, checked
   * afterwards). Without a bucket the spec is returned unchanged.
   */
  public dev.openeci.group.GroupSpec resolveMounts(String accountId, String regionId, String bucket,
      dev.openeci.group.GroupSpec spec) {
    if (bucket == null || bucket.isEmpty()) return spec;
    List<dev.openeci.group.VolumeSpec> volumes = new java.util.ArrayList<>();
    for (dev.openeci.group.VolumeSpec v : spec.volumes()) {
      String p = v instanceof dev.openeci.group.VolumeSpec.HostPath hp && hp.path().length() > 1
          && hp.path().endsWith("/") ? hp.path().substring(0, hp.path().length() - 1)
          : v instanceof dev.openeci.group.VolumeSpec.HostPath hp2 ? hp2.path() : null;
      boolean cached = p != null && list(accountId, regionId).stream()
          .anyMatch(c -> c.bucket().equals(bucket) && c.path().equals(p));
      if (cached && v instanceof dev.openeci.group.VolumeSpec.HostPath h) {
        if ("File".equals(h.hostType())) {
          throw ErrorCode.invalid("HostPathVolume.Type", "a data cache (DataCacheBucket) is a directory: use"
              + " Directory or leave it empty");
        }
        String path = h.path().length() > 1 && h.path().endsWith("/") ? h.path().substring(0, h.path().length() - 1)
            : h.path();
        DataCache dc = requireForMount(accountId, regionId, bucket, path);
        volumes.add(new dev.openeci.group.VolumeSpec.HostPath(h.name(), h.path(), h.hostType(), dc.id()));
      } else {
        volumes.add(v);
      }
    }
    return new dev.openeci.group.GroupSpec(spec.name(), spec.zoneId(), spec.restartPolicy(), spec.cpu(), spec.memory(),
        spec.tags(), spec.initContainers(), spec.containers(), spec.terminationGracePeriodSeconds(), volumes,
        spec.activeDeadlineSeconds(), spec.dns(), spec.network(), spec.security(), spec.images(), spec.placement());
  }

  private static final SecureRandom RANDOM = new SecureRandom();

  /** Data cache ids like ECI's: {@code edc-} + 20 lower-case letters and digits. */
  static String newId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    StringBuilder b = new StringBuilder("edc-");
    for (int i = 0; i < 20; i++) b.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
    return b.toString();
  }

  /** Where the newest complete data of cache {@code id} lives below {@code cachesDir}, if any. */
  public static Optional<Path> dataDir(Path cachesDir, String id) {
    if (!id.matches("edc-[a-z0-9]{1,40}")) return Optional.empty();
    Path dir = cachesDir.resolve(id);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
    try (var ds = Files.newDirectoryStream(dir)) {
      Path best = null;
      int bestGen = -1;
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.matches("\\d{1,9}") || !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) continue;
        int g = Integer.parseInt(n);
        if (g > bestGen) {
          bestGen = g;
          best = p;
        }
      }
      return Optional.ofNullable(best);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** True once no fill runs (tests). */
  public boolean idle() {
    return running.isEmpty();
  }

  @Override
  public void close() throws InterruptedException {
    fillers.shutdownNow();
    watchdog.shutdownNow();
    fillers.awaitTermination(10, TimeUnit.SECONDS);
  }

  static Comparator<DataCache> order() {
    return Comparator.comparing(DataCache::creationTime).thenComparing(DataCache::id);
  }
}
