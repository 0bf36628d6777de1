package dev.openeci.imagecache;

import dev.openeci.error.ApiException;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.Ids;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.ImageRefs;
import dev.openeci.runtime.PullProgress;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.runtime.RuntimeFailure;
import java.time.InstantSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateImageCache / DescribeImageCaches / DeleteImageCache and the matching used by
 * CreateContainerGroup (ImageSnapshotId, AutoMatchImageCache). A cache's images are pulled into the
 * engine in the background (two caches at a time); the engine's image store is the cache, so a
 * matching group finds its images present and starts without pulling. Deleting a cache forgets the
 * record but leaves the images in the engine (other groups or caches may use them).
 */
public final class ImageCacheService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ImageCacheService.class);

  private final ImageCacheRepository repo;
  private final ContainerRuntime runtime;
  private final InstantSource clock;
  private final ExecutorService pullers = Executors.newFixedThreadPool(2, r -> {
    Thread t = new Thread(r, "image-cache");
    t.setDaemon(true);
    return t;
  });

  private final dev.openeci.runtime.ImageAccess imageAccess;
  /** The image cache quota (docs/quotas.md); the count and the insert happen under {@link #admissionLock}. */
  private volatile dev.openeci.group.Quotas quotas = dev.openeci.group.Quotas.UNLIMITED;
  private final Object admissionLock = new Object();

  public ImageCacheService(ImageCacheRepository repo, ContainerRuntime runtime, InstantSource clock) {
    this(repo, runtime, clock, null);
  }

  /** @param imageAccess records which account pulled what with credentials (null: not recorded) */
  public ImageCacheService(ImageCacheRepository repo, ContainerRuntime runtime, InstantSource clock,
      dev.openeci.runtime.ImageAccess imageAccess) {
    this.imageAccess = imageAccess;
    this.repo = repo;
    this.runtime = runtime;
    this.clock = clock;
    // Pulls do not survive a restart (credentials are never stored): unfinished caches fail.
    for (ImageCache ic : repo.all()) {
      if (ImageCache.PREPARING.equals(ic.status()) || ImageCache.CREATING.equals(ic.status())) {
        repo.modify(ic.id(), cur -> cur.withStatus(ImageCache.FAILED, cur.progress())
            .withEvent("Warning", "Failed", "image cache creation was interrupted by a restart of openeci",
                clock.instant()));
      }
    }
  }

  /** What CreateImageCache asks for. Credentials are used for the pull only, never stored. */
  public record Request(String name, List<String> images, List<RegistryAuth> credentials,
      List<String> plainHttpRegistries, List<String> insecureRegistries, Integer retentionDays,
      List<ImageCache.Tag> tags) {}

  /** Enforces {@code quotas}' image cache count on CreateImageCache from now on. */
  public ImageCacheService withQuotas(dev.openeci.group.Quotas quotas) {
    this.quotas = quotas;
    return this;
  }

  public ImageCache create(String accountId, String regionId, Request r) {
    var now = clock.instant();
    ImageCache ic = new ImageCache(Ids.newImageCacheId(), accountId, regionId, r.name(), r.images(),
        ImageCache.PREPARING, 0, now, r.retentionDays() == null ? null : now.plus(Duration.ofDays(r.retentionDays())),
        null, List.of(), r.tags());
    synchronized (admissionLock) {
      quotas.checkImageCaches(list(accountId, regionId).size());
      repo.insert(ic);
    }
    log.info("{}: image cache {} created for {}; pulling in the background", ic.id(), r.name(), r.images());
    pullers.submit(() -> pullAll(ic.id(), accountId, r, "Successfully created image cache"));
    return ic;
  }

  /**
   * What UpdateImageCache asks for; null fields are left as they are. {@code images} not null: the
   * cache's images become that list and are pulled again, as CreateImageCache pulls them.
   */
  public record Update(String name, List<String> images, List<RegistryAuth> credentials,
      List<String> plainHttpRegistries, List<String> insecureRegistries, Integer retentionDays,
      List<ImageCache.Tag> tags) {}

  /**
   * UpdateImageCache: renames, re-pulls, sets the retention (counted from now) or the tags. A cache
   * still pulling (Preparing, Creating) cannot be updated (ImageSnapshot.IncorrectStatus).
   */
  public ImageCache update(String accountId, String regionId, String id, Update u) {
    find(accountId, regionId, id);
    var now = clock.instant();
    boolean repull = u.images() != null;
    ImageCache updated = repo.modify(id, cur -> {
      if (ImageCache.PREPARING.equals(cur.status()) || ImageCache.CREATING.equals(cur.status())) {
        throw new ApiException(ErrorCode.SNAPSHOT_INCORRECT_STATUS, "The image cache " + id + " is "
            + cur.status() + ": it can be updated once it is Ready or Failed.");
      }
      String name = u.name() == null ? cur.name() : u.name();
      List<String> images = repull ? u.images() : cur.images();
      var expire = u.retentionDays() == null ? cur.expireTime() : now.plus(Duration.ofDays(u.retentionDays()));
      List<ImageCache.Tag> tags = u.tags() == null ? cur.tags() : u.tags();
      ImageCache next = cur.withDefinition(name, images, expire, tags);
      if (!name.equals(cur.name())) {
        next = next.withEvent("Normal", "Updated", "Image cache renamed from " + cur.name() + " to " + name, now);
      }
      if (u.retentionDays() != null) {
        next = next.withEvent("Normal", "Updated", "Image cache retained for " + u.retentionDays()
            + " days from now", now);
      }
      if (repull) {
        next = next.withStatus(ImageCache.PREPARING, 0).withEvent("Normal", "Updating",
            "Updating image cache: pulling " + images.size() + " image(s) again", now);
      }
      return next;
    }).orElseThrow(() -> ErrorCode.SNAPSHOT_NOT_FOUND.withMessage("The specified image cache " + id
        + " does not exist."));
    log.info("{}: image cache updated (name {}, {}){}", id, updated.name(), updated.images(),
        repull ? "; pulling again in the background" : "");
    if (repull) {
      Request r = new Request(updated.name(), updated.images(), u.credentials() == null ? List.of() : u.credentials(),
          u.plainHttpRegistries() == null ? List.of() : u.plainHttpRegistries(),
          u.insecureRegistries() == null ? List.of() : u.insecureRegistries(), null, updated.tags());
      pullers.submit(() -> pullAll(id, accountId, r, "Successfully updated image cache"));
    }
    return updated;
  }

  private void pullAll(String id, String accountId, Request r, String readyMessage) {
    try {
      if (repo.modify(id, c -> c.withStatus(ImageCache.CREATING, 0)).isEmpty()) return;
      int done = 0;
      for (String image : r.images()) {
        if (repo.get(id).isEmpty()) return; // deleted meanwhile
        Optional<RegistryAuth> auth = ImageRefs.credentialFor(image, r.credentials(), RegistryAuth::server)
            .map(a -> new RegistryAuth(ImageRefs.registry(image), a.username(), a.password()));
        boolean insecure = ImageRefs.insecure(image, r.plainHttpRegistries(), r.insecureRegistries());
        if (ImageRefs.LOCAL.equals(ImageRefs.registry(image))) {
          // localhost/... names an image built or imported into this engine: nothing to pull from.
          if (!runtime.hasImage(image)) {
            String msg = "Image \"" + image + "\": " + ImageRefs.notInLocalStore(image);
            repo.modify(id, c -> c.withStatus(ImageCache.FAILED, c.progress())
                .withEvent("Warning", "Failed", msg, clock.instant()));
            return;
          }
          done++;
          int progress = done * 100 / r.images().size();
          repo.modify(id, c -> c.withStatus(ImageCache.CREATING, progress).withEvent("Normal", "Pulled",
              "Container image \"" + image + "\" already present on machine", clock.instant()));
          continue;
        }
        event(id, "Normal", "Pulling", "Pulling image \"" + image + "\"");
        long t0 = System.nanoTime();
        try {
          runtime.pull(image, auth, insecure, new PullProgress(log, id, image));
          if (imageAccess != null) {
            boolean withCredentials = auth.isPresent();
            runtime.imageId(image).ifPresent(i -> imageAccess.recordPull(accountId, i, withCredentials));
          }
        } catch (RuntimeFailure e) {
          String msg = "Failed to pull image \"" + image + "\": " + e.getMessage();
          repo.modify(id, c -> c.withStatus(ImageCache.FAILED, c.progress())
              .withEvent("Warning", "Failed", msg, clock.instant()));
          log.warn("{}: image cache failed: {}", id, msg);
          return;
        }
        done++;
        int progress = done * 100 / r.images().size();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        repo.modify(id, c -> c.withStatus(ImageCache.CREATING, progress).withEvent("Normal", "Pulled",
            "Successfully pulled image \"" + image + "\" in " + ms + "ms", clock.instant()));
      }
      repo.modify(id, c -> c.withStatus(ImageCache.READY, 100)
          .withEvent("Normal", "Ready", readyMessage, clock.instant()));
      log.info("{}: image cache ready", id);
    } catch (RuntimeException e) {
      log.warn("{}: image cache failed unexpectedly: {}", id, e.toString());
      repo.modify(id, c -> c.withStatus(ImageCache.FAILED, c.progress())
          .withEvent("Warning", "Failed", "Image cache creation failed: " + e.getMessage(), clock.instant()));
    }
  }

  private void event(String id, String type, String reason, String message) {
    repo.modify(id, c -> c.withEvent(type, reason, message, clock.instant()));
  }

  /** The caches of an account and region, without expired ones. */
  public List<ImageCache> list(String accountId, String regionId) {
    var now = clock.instant();
    return repo.list(accountId, regionId).stream()
        .filter(c -> c.expireTime() == null || c.expireTime().isAfter(now)).toList();
  }

  public void delete(String accountId, String regionId, String id) {
    ImageCache ic = find(accountId, regionId, id);
    repo.delete(ic.id());
    log.info("{}: image cache deleted (its images stay in the engine)", id);
  }

  private ImageCache find(String accountId, String regionId, String id) {
    return list(accountId, regionId).stream().filter(c -> c.id().equals(id)).findFirst()
        .orElseThrow(() -> ErrorCode.SNAPSHOT_NOT_FOUND.withMessage("The specified image cache " + id + " does not exist."));
  }

  /** The account's image caches in the region, for ListUsage's UsedImageCacheCount (expired ones no longer count). */
  public long count(String accountId, String regionId) {
    return list(accountId, regionId).size();
  }

  /**
   * TagResources / UntagResources on an image cache (ImageSnapshot.NotFound when it is not the
   * caller's): {@code change} gets the current tags, returns the new ones, and may throw to refuse.
   */
  public ImageCache retag(String accountId, String regionId, String id,
      java.util.function.UnaryOperator<List<ImageCache.Tag>> change) {
    ImageCache before = find(accountId, regionId, id);
    ImageCache after = repo.modify(id, c -> c.withTags(change.apply(c.tags()))).orElseThrow(() ->
        ErrorCode.SNAPSHOT_NOT_FOUND.withMessage("The specified image cache " + id + " does not exist."));
    if (!after.tags().equals(before.tags())) {
      log.info("{}: tags are now {}", id, after.tags().stream().map(ImageCache.Tag::key).toList());
    }
    return after;
  }

  /** ImageSnapshotId of CreateContainerGroup: the cache must exist and be Ready. */
  public ImageCache require(String accountId, String regionId, String id) {
    ImageCache ic = find(accountId, regionId, id);
    if (!ic.ready()) {
      throw new ApiException(ErrorCode.SNAPSHOT_INCORRECT_STATUS,
          "The image cache " + id + " is " + ic.status() + ", not Ready.");
    }
    return ic;
  }

  /** AutoMatchImageCache: the newest Ready cache holding every image of the group, if any. */
  public Optional<ImageCache> match(String accountId, String regionId, List<String> images) {
    List<ImageCache> candidates = new ArrayList<>();
    for (ImageCache ic : list(accountId, regionId)) {
      if (ic.ready() && ic.covers(images)) candidates.add(ic);
    }
    return candidates.stream().max(Comparator.comparing(ImageCache::creationTime));
  }

  /** Records that a group was created with this cache (LastMatchedTime). */
  public void matched(String id) {
    repo.modify(id, c -> c.withMatched(clock.instant()));
  }

  @Override
  public void close() throws InterruptedException {
    pullers.shutdownNow();
    pullers.awaitTermination(10, TimeUnit.SECONDS);
  }
}
