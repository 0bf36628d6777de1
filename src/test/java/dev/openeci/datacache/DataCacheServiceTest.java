package dev.openeci.datacache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import dev.openeci.group.GroupSpec;
import dev.openeci.group.VolumeSpec;
import dev.openeci.store.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Data caches are private to their account, bounded, and never stuck after a restart. */
class DataCacheServiceTest {
  @TempDir
  Path tmp;

  DataCachePolicy policy(Path source) {
    return new DataCachePolicy(List.of(source), List.of(), 1 << 20, Duration.ofSeconds(30), 3);
  }

  static <T> T await(Supplier<T> probe, String what) {
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < end) {
      T v = probe.get();
      if (v != null) return v;
      Thread.onSpinWait();
      try {
        Thread.sleep(20); // polling interval, not synchronization
      } catch (InterruptedException e) {
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("timed out waiting for " + what);
  }

  DataCacheService.Request hostPath(String cachePath, String source) {
    return new DataCacheService.Request("default", cachePath, "c", 1,
        new DataCache.Source(DataCacheService.HOST_PATH, Map.of("path", source)), null, List.of());
  }

  @Test
  void fillsFromAnAllowedHostPathAndStaysPrivate() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src/models"));
    Files.writeString(src.resolve("weights"), "w");
    Path dataDir = Files.createDirectories(tmp.resolve("data"));
    try (Database db = Database.open(dataDir.resolve("openeci.db"));
        DataCacheService s = new DataCacheService(new DataCacheRepository(db), policy(tmp.resolve("src")), dataDir,
            InstantSource.system())) {
      DataCache dc = s.create("acct-a", "cn-hangzhou", hostPath("/models", src.toString()));
      DataCache done = await(() -> {
        DataCache c = s.find("acct-a", "cn-hangzhou", dc.id());
        return c.busy() ? null : c;
      }, "the fill");
      assertThat(done.status()).isEqualTo(DataCache.AVAILABLE);
      Path data = DataCacheService.dataDir(dataDir.resolve(DataCacheService.DIR), dc.id()).orElseThrow();
      assertThat(Files.readString(data.resolve("weights"))).isEqualTo("w");

      // another account: NotFound by id, by path, and for mounts, even with the same bucket and path
      for (Runnable r : List.<Runnable>of(() -> s.find("acct-b", "cn-hangzhou", dc.id()),
          () -> s.findByPath("acct-b", "cn-hangzhou", "default", "/models"),
          () -> s.requireForMount("acct-b", "cn-hangzhou", "default", "/models"),
          () -> s.find("acct-a", "cn-shanghai", dc.id()))) {
        assertThatThrownBy(r::run).isInstanceOfSatisfying(ApiException.class,
            e -> assertThat(e.code()).isEqualTo("DataCache.NotFound"));
      }
      DataCache other = s.create("acct-b", "cn-hangzhou", hostPath("/models", src.toString()));
      assertThat(other.id()).isNotEqualTo(dc.id());
      assertThatThrownBy(() -> s.create("acct-a", "cn-hangzhou", hostPath("/models", src.toString())))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("DataCache.AlreadyExists"));

      GroupSpec spec = GroupSpec.basic("g", "cn-hangzhou-a", dev.openeci.group.RestartPolicy.Always, 1, 2, List.of(),
          List.of(), List.of(), 30);
      spec = new GroupSpec(spec.name(), spec.zoneId(), spec.restartPolicy(), spec.cpu(), spec.memory(), spec.tags(),
          spec.initContainers(), spec.containers(), 30, List.of(new VolumeSpec.HostPath("v", "/models/", null)), null,
          null, null, null, null, null);
      GroupSpec resolved = s.resolveMounts("acct-a", "cn-hangzhou", "default", spec);
      assertThat(((VolumeSpec.HostPath) resolved.volumes().get(0)).dataCacheId()).isEqualTo(dc.id());
      GroupSpec finalSpec = spec;
      // no cache at that path in the bucket (or of that account): the volume stays a host path
      assertThat(((VolumeSpec.HostPath) s.resolveMounts("acct-a", "cn-hangzhou", "other-bucket", finalSpec)
          .volumes().get(0)).dataCacheId()).isNull();
      assertThat(((VolumeSpec.HostPath) s.resolveMounts("acct-c", "cn-hangzhou", "default", finalSpec)
          .volumes().get(0)).dataCacheId()).isNull();
    }
  }

  @Test
  void sourcesOutsideTheAllowListAreRefusedBeforeAnythingIsRecorded() throws Exception {
    Path dataDir = Files.createDirectories(tmp.resolve("data"));
    try (Database db = Database.open(dataDir.resolve("openeci.db"));
        DataCacheService s = new DataCacheService(new DataCacheRepository(db), DataCachePolicy.DEFAULT, dataDir,
            InstantSource.system())) {
      for (String p : List.of("/etc", "/", "/var/lib/openeci")) {
        assertThatThrownBy(() -> s.create("a", "r", hostPath("/x", p))).isInstanceOfSatisfying(ApiException.class,
            e -> assertThat(e.code()).isEqualTo("Forbidden.DataCacheSource"));
      }
      assertThatThrownBy(() -> s.create("a", "r", new DataCacheService.Request("default", "/x", "x", 1,
          new DataCache.Source("URL", Map.of("url", "http://169.254.169.254/latest")), null, List.of())))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("Forbidden.DataCacheSource"));
      assertThat(s.list("a", "r")).isEmpty();
    }
  }

  @Test
  void aFillInterruptedByARestartEndsFailedAndLeavesNoHalfWrittenData() throws Exception {
    Path dataDir = Files.createDirectories(tmp.resolve("data"));
    Instant now = Instant.now();
    try (Database db = Database.open(dataDir.resolve("openeci.db"))) {
      DataCacheRepository repo = new DataCacheRepository(db);
      DataCache.Source src = new DataCache.Source("URL", Map.of("url", "https://example.com/x"));
      repo.insert(new DataCache("edc-creating", "a", "r", "default", "/a", "a", 1, src, DataCache.CREATING, 40, 0, 0,
          now, null, null, List.of(), List.of()));
      repo.insert(new DataCache("edc-updating", "a", "r", "default", "/b", "b", 1, src, DataCache.UPDATING, 10, 5, 1,
          now, null, null, List.of(), List.of()));
      Files.createDirectories(dataDir.resolve("data-caches/edc-creating/.fill-1"));
      Files.createDirectories(dataDir.resolve("data-caches/edc-updating/1"));
      Files.createDirectories(dataDir.resolve("data-caches/edc-updating/.fill-2"));
      try (DataCacheService s = new DataCacheService(repo, DataCachePolicy.DEFAULT, dataDir, InstantSource.system())) {
        assertThat(s.find("a", "r", "edc-creating").status()).isEqualTo(DataCache.FAILED);
        DataCache updated = s.find("a", "r", "edc-updating");
        assertThat(updated.status()).isEqualTo(DataCache.AVAILABLE);
        assertThat(updated.events()).anyMatch(e -> e.name().equals("UpdateInterrupted"));
        assertThat(dataDir.resolve("data-caches/edc-creating/.fill-1")).doesNotExist();
        assertThat(dataDir.resolve("data-caches/edc-updating/.fill-2")).doesNotExist();
      }
    }
  }

  @Test
  void accountsHaveAQuota() throws Exception {
    Path src = Files.createDirectories(tmp.resolve("src"));
    Path dataDir = Files.createDirectories(tmp.resolve("data"));
    try (Database db = Database.open(dataDir.resolve("openeci.db"));
        DataCacheService s = new DataCacheService(new DataCacheRepository(db), policy(src), dataDir,
            InstantSource.system())) {
      for (int i = 0; i < 3; i++) s.create("a", "r", hostPath("/p" + i, src.toString()));
      assertThatThrownBy(() -> s.create("a", "r", hostPath("/p9", src.toString())))
          .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("DataCache.QuotaExceeded"));
    }
  }

  @Test
  void anUpdateRefillsAndAFailedUpdateKeepsThePreviousData() throws Exception {
    Path v1 = Files.createDirectories(tmp.resolve("src/v1"));
    Path v2 = Files.createDirectories(tmp.resolve("src/v2"));
    Files.writeString(v1.resolve("f"), "one");
    Files.writeString(v2.resolve("f"), "two");
    Path dataDir = Files.createDirectories(tmp.resolve("data"));
    Path caches = dataDir.resolve(DataCacheService.DIR);
    try (Database db = Database.open(dataDir.resolve("openeci.db"));
        DataCacheService s = new DataCacheService(new DataCacheRepository(db), policy(tmp.resolve("src")), dataDir,
            InstantSource.system())) {
      String id = s.create("a", "r", hostPath("/m", v1.toString())).id();
      Supplier<DataCache> settled = () -> {
        DataCache c = s.find("a", "r", id);
        return c.busy() || !s.idle() ? null : c;
      };
      assertThat(await(settled, "fill").status()).isEqualTo(DataCache.AVAILABLE);

      s.update("a", "r", id, null, null, new DataCache.Source(DataCacheService.HOST_PATH,
          Map.of("path", tmp.resolve("src/missing").toString())), null, null);
      DataCache kept = await(settled, "failed update");
      assertThat(kept.status()).isEqualTo(DataCache.AVAILABLE);
      assertThat(kept.events()).anyMatch(e -> e.name().equals("UpdateFailed"));
      assertThat(Files.readString(DataCacheService.dataDir(caches, id).orElseThrow().resolve("f"))).isEqualTo("one");

      s.update("a", "r", id, "renamed", null, new DataCache.Source(DataCacheService.HOST_PATH,
          Map.of("path", v2.toString())), 7, null);
      DataCache next = await(settled, "update");
      assertThat(next.status()).isEqualTo(DataCache.AVAILABLE);
      assertThat(next.name()).isEqualTo("renamed");
      assertThat(next.expireTime()).isNotNull();
      Path data = DataCacheService.dataDir(caches, id).orElseThrow();
      assertThat(Files.readString(data.resolve("f"))).isEqualTo("two");
      try (var ds = Files.list(caches.resolve(id))) {
        assertThat(ds.map(p -> p.getFileName().toString()).toList()).containsExactly(data.getFileName().toString());
      }

      s.delete("a", "r", next);
      assertThat(caches.resolve(id)).doesNotExist();
    }
  }
}
