package dev.openeci.api.mapping;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.openeci.error.ApiException;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.imagecache.ImageCache;
import dev.openeci.imagecache.ImageCacheService;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** CreateImageCache validation, one row per rule; filters and the response view. */
class ImageCacheMapperTest {
  static Map<String, String> valid() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("RegionId", "cn-hangzhou");
    p.put("ImageCacheName", "my-cache");
    p.put("Image.1", "127.0.0.1:5000/a/b:1");
    p.put("Image.2", "busybox");
    p.put("ImageRegistryCredential.1.Server", "127.0.0.1:5000");
    p.put("ImageRegistryCredential.1.UserName", "u");
    p.put("ImageRegistryCredential.1.Password", "secret-pw");
    p.put("PlainHttpRegistry", "127.0.0.1:5000, 10.0.0.1:80");
    return p;
  }

  record Rule(String name, String code, String mentions, Consumer<Map<String, String>> change) {}

  static List<Rule> rules() {
    return List.of(
        new Rule("name missing", "MissingParameter", "ImageCacheName", p -> p.remove("ImageCacheName")),
        new Rule("name too short", "InvalidParameter", "ImageCacheName", p -> p.put("ImageCacheName", "a")),
        new Rule("name upper case", "InvalidParameter", "ImageCacheName", p -> p.put("ImageCacheName", "Cache")),
        new Rule("name trailing hyphen", "InvalidParameter", "ImageCacheName", p -> p.put("ImageCacheName", "c-")),
        new Rule("name too long", "InvalidParameter", "ImageCacheName", p -> p.put("ImageCacheName", "a".repeat(129))),
        new Rule("no image", "MissingParameter", "Image.1", p -> {
          p.remove("Image.1");
          p.remove("Image.2");
        }),
        new Rule("blank image", "InvalidParameter", "Image", p -> p.put("Image.2", " ")),
        new Rule("image with space", "InvalidParameter", "Image", p -> p.put("Image.2", "bad image")),
        new Rule("21 images", "InvalidParameter", "Image", p -> {
          for (int i = 1; i <= 21; i++) p.put("Image." + i, "img" + i);
        }),
        new Rule("credential without server", "MissingParameter", "ImageRegistryCredential.1.Server",
            p -> p.remove("ImageRegistryCredential.1.Server")),
        new Rule("credential without user", "MissingParameter", "ImageRegistryCredential.1.UserName",
            p -> p.remove("ImageRegistryCredential.1.UserName")),
        new Rule("credential without password", "MissingParameter", "ImageRegistryCredential.1.Password",
            p -> p.remove("ImageRegistryCredential.1.Password")),
        new Rule("retention 0 days", "InvalidParameter", "RetentionDays", p -> p.put("RetentionDays", "0")),
        new Rule("tag without key", "MissingParameter", "Tag.1.Key", p -> p.put("Tag.1.Value", "v")));
  }

  @Test
  void everyRuleHasItsCodeAndNamesTheParameter() {
    ImageCacheService.Request ok = ImageCacheMapper.create(new ParamReader(valid()));
    assertThat(ok.images()).containsExactly("127.0.0.1:5000/a/b:1", "busybox");
    assertThat(ok.plainHttpRegistries()).containsExactly("127.0.0.1:5000", "10.0.0.1:80");
    assertThat(ok.credentials()).hasSize(1);
    List<String> failures = new ArrayList<>();
    for (Rule rule : rules()) {
      Map<String, String> p = valid();
      rule.change().accept(p);
      try {
        ImageCacheMapper.create(new ParamReader(p));
        failures.add(rule.name() + ": accepted");
      } catch (ApiException e) {
        if (!e.code().equals(rule.code()) || e.httpStatus() != 400 || !e.getMessage().contains(rule.mentions())) {
          failures.add(rule.name() + ": got " + e.httpStatus() + " " + e.code() + " " + e.getMessage());
        }
        if (e.getMessage().contains("secret-pw")) failures.add(rule.name() + ": message shows the password");
      }
    }
    assertThat(failures).isEmpty();
  }

  static ImageCache cache(String id, String name, List<String> images) {
    return new ImageCache(id, "acct", "cn-hangzhou", name, images, ImageCache.READY, 100,
        Instant.parse("2026-01-01T00:00:00Z"), null, null, List.of(), List.of());
  }

  @Test
  void describeFilters() {
    ImageCache c = cache("imc-1", "one", List.of("busybox", "nginx:1"));
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of()), c)).isTrue();
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of("ImageCacheId", "imc-2,imc-1")), c)).isTrue();
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of("ImageCacheId", "imc-2")), c)).isFalse();
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of("ImageCacheName", "one")), c)).isTrue();
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of("ImageCacheName", "two")), c)).isFalse();
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of("Image", "nginx:1")), c)).isTrue();
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of("Image", "nginx:2")), c)).isFalse();
    assertThat(ImageCacheMapper.matches(new ParamReader(Map.of("SnapshotId", "imc-1")), c)).isTrue();
  }

  @Test
  void viewHasTheOfficialModelsFields() {
    ImageCache c = cache("imc-1", "one", List.of("busybox"))
        .withEvent("Normal", "Pulled", "ok", Instant.parse("2026-01-01T00:00:01Z"))
        .withEvent("Normal", "Pulled", "ok", Instant.parse("2026-01-01T00:00:02Z"));
    ImageCacheMapper.CacheView v = ImageCacheMapper.view(c);
    assertThat(v.ImageCacheId()).isEqualTo("imc-1");
    assertThat(v.Status()).isEqualTo("Ready");
    assertThat(v.Progress()).isEqualTo("100%");
    assertThat(v.CreationTime()).isEqualTo("2026-01-01T00:00:00Z");
    assertThat(v.Events()).singleElement().satisfies(e -> {
      assertThat(e.Count()).isEqualTo(2);
      assertThat(e.FirstTimestamp()).isEqualTo("2026-01-01T00:00:01Z");
      assertThat(e.LastTimestamp()).isEqualTo("2026-01-01T00:00:02Z");
    });
    assertThat(c.covers(List.of("busybox"))).isTrue();
    assertThat(c.covers(List.of("busybox", "nginx"))).isFalse();
  }

  @Test
  void missingImageListIsMissingParameter() {
    Map<String, String> p = valid();
    p.remove("Image.1");
    p.remove("Image.2");
    assertThatThrownBy(() -> ImageCacheMapper.create(new ParamReader(p))).isInstanceOf(ApiException.class);
  }
}
