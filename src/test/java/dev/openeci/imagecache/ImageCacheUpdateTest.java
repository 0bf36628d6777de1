package dev.openeci.imagecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.api.mapping.ImageCacheMapper;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ApiException;
import dev.openeci.runtime.ContainerRuntime;
import dev.openeci.runtime.RegistryAuth;
import dev.openeci.store.Database;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UpdateImageCache: rename, retention from now, tags, re-pull with events; refusals. Fake engine. */
class ImageCacheUpdateTest {
  @TempDir
  Path dir;

  final List<String> pulls = new CopyOnWriteArrayList<>();
  volatile Optional<RegistryAuth> lastAuth = Optional.empty();
  volatile boolean failPulls;

  ContainerRuntime engine() {
    return (ContainerRuntime) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ContainerRuntime.class}, (p, m, a) -> switch (m.getName()) {
          case "pull" -> {
            if (failPulls) throw new dev.openeci.runtime.RuntimeFailure("manifest unknown");
            pulls.add((String) a[0]);
            @SuppressWarnings("unchecked")
            Optional<RegistryAuth> auth = (Optional<RegistryAuth>) a[1];
            lastAuth = auth;
            yield null;
          }
          case "hasImage" -> true;
          case "imageId" -> Optional.empty();
          case "toString" -> "fake";
          default -> throw new UnsupportedOperationException(m.getName());
        });
  }

  static <T> T await(Supplier<T> probe) {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      T v = probe.get();
      if (v != null) return v;
      try {
        Thread.sleep(10); // polling the condition, with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted");
      }
    }
    throw new AssertionError("timed out");
  }

  ImageCache awaitStatus(ImageCacheRepository repo, String id, String status) {
    return await(() -> repo.get(id).filter(c -> c.status().equals(status)).orElse(null));
  }

  static ImageCacheService.Update update(Map<String, String> params) {
    return ImageCacheMapper.update(new ParamReader(params));
  }

  @Test
  void renameRetentionTagsAndRepull() throws Exception {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      ImageCacheRepository repo = new ImageCacheRepository(db);
      try (ImageCacheService s = new ImageCacheService(repo, engine(), InstantSource.system())) {
        ImageCache ic = s.create("acct", "cn-hangzhou", new ImageCacheService.Request("one", List.of("busybox"),
            List.of(), List.of(), List.of(), null, List.of()));
        awaitStatus(repo, ic.id(), ImageCache.READY);
        Instant before = Instant.now();
        ImageCache renamed = s.update("acct", "cn-hangzhou", ic.id(), update(Map.of("ImageCacheName", "two",
            "RetentionDays", "3", "Tag.1.Key", "k", "Tag.1.Value", "v")));
        assertThat(renamed.name()).isEqualTo("two");
        assertThat(renamed.status()).isEqualTo(ImageCache.READY);
        assertThat(renamed.expireTime()).isAfterOrEqualTo(before.plus(Duration.ofDays(3)));
        assertThat(renamed.tags()).containsExactly(new ImageCache.Tag("k", "v"));
        assertThat(renamed.events()).extracting(ImageCache.Event::message).anyMatch(m -> m.contains("renamed from one to two"));
        assertThat(pulls).containsExactly("busybox");

        ImageCache repulling = s.update("acct", "cn-hangzhou", ic.id(), update(Map.of("Image.1", "reg.example:5000/a:1",
            "Image.2", "busybox", "ImageRegistryCredential.1.Server", "reg.example:5000",
            "ImageRegistryCredential.1.UserName", "u", "ImageRegistryCredential.1.Password", "pw")));
        assertThat(repulling.status()).isEqualTo(ImageCache.PREPARING);
        ImageCache ready = awaitStatus(repo, ic.id(), ImageCache.READY);
        assertThat(ready.images()).containsExactly("reg.example:5000/a:1", "busybox");
        assertThat(ready.name()).isEqualTo("two");
        assertThat(ready.tags()).containsExactly(new ImageCache.Tag("k", "v"));
        assertThat(pulls).containsExactly("busybox", "reg.example:5000/a:1", "busybox");
        assertThat(ready.events()).extracting(ImageCache.Event::name).contains("Updating", "Pulled").last()
            .isEqualTo("Ready");
        assertThat(ready.events().getLast().message()).isEqualTo("Successfully updated image cache");
        assertThat(repo.get(ic.id()).orElseThrow().toString()).doesNotContain("pw,").doesNotContain("password=pw");

        failPulls = true;
        s.update("acct", "cn-hangzhou", ic.id(), update(Map.of("Image.1", "busybox")));
        ImageCache failed = awaitStatus(repo, ic.id(), ImageCache.FAILED);
        assertThat(failed.events().getLast().message()).contains("manifest unknown");
        failPulls = false;
        s.update("acct", "cn-hangzhou", ic.id(), update(Map.of("Image.1", "busybox")));
        awaitStatus(repo, ic.id(), ImageCache.READY); // a failed cache is repaired by a re-pull
      }
    }
  }

  @Test
  void refusals() throws Exception {
    try (Database db = Database.open(dir.resolve("openeci.db"))) {
      ImageCacheRepository repo = new ImageCacheRepository(db);
      Instant t0 = Instant.parse("2026-01-01T00:00:00Z");
      repo.insert(new ImageCache("imc-pulling", "acct", "cn-hangzhou", "busy", List.of("busybox"),
          ImageCache.CREATING, 0, t0, null, null, List.of(), List.of()));
      try (ImageCacheService s = new ImageCacheService(repo, engine(), () -> t0)) {
        // the constructor fails unfinished caches (restart); make it pulling again
        repo.modify("imc-pulling", c -> c.withStatus(ImageCache.CREATING, 0));
        assertThatThrownBy(() -> s.update("acct", "cn-hangzhou", "imc-pulling", update(Map.of("ImageCacheName", "x1"))))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("ImageSnapshot.IncorrectStatus"));
        assertThatThrownBy(() -> s.update("other", "cn-hangzhou", "imc-pulling", update(Map.of("ImageCacheName", "x1"))))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("ImageSnapshot.NotFound"));
        assertThatThrownBy(() -> s.update("acct", "cn-hangzhou", "imc-none", update(Map.of())))
            .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo("ImageSnapshot.NotFound"));
      }
    }
    record Case(Map<String, String> params, String code, String mentions) {}
    for (Case c : List.of(new Case(Map.of("ImageCacheName", "A"), "InvalidParameter", "ImageCacheName"),
        new Case(Map.of("RetentionDays", "0"), "InvalidParameter", "RetentionDays"),
        new Case(Map.of("Image.1", "bad image"), "InvalidParameter", "Image"),
        new Case(Map.of("ImageRegistryCredential.1.Server", "r", "ImageRegistryCredential.1.UserName", "u"),
            "MissingParameter", "ImageRegistryCredential.1.Password"))) {
      assertThatThrownBy(() -> update(c.params())).as(c.toString())
          .isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(c.code());
            assertThat(e.getMessage()).contains(c.mentions());
          });
    }
  }
}
