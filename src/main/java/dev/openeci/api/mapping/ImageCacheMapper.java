package dev.openeci.api.mapping;

import dev.openeci.error.ErrorCode;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.imagecache.ImageCache;
import dev.openeci.imagecache.ImageCacheService;
import dev.openeci.runtime.RegistryAuth;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The image cache actions' parameters and responses: CreateImageCache's request becomes an
 * {@link ImageCacheService.Request} (validated with ECI's codes), a cache becomes the
 * DescribeImageCaches model (never with registry credentials).
 */
public final class ImageCacheMapper {
  static final int MAX_IMAGES = 20;
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])?");

  private ImageCacheMapper() {}

  public static ImageCacheService.Request create(ParamReader p) {
    Text.checkNoControl(p);
    String name = p.string("ImageCacheName");
    if (name == null || name.isEmpty()) throw ErrorCode.missing("ImageCacheName");
    checkName(name);
    List<String> images = images(p);
    if (images.isEmpty()) throw ErrorCode.missing("Image.1");
    return new ImageCacheService.Request(name, images, credentials(p), Options.csv(p.string("PlainHttpRegistry")),
        Options.csv(p.string("InsecureRegistry")), retention(p), tags(p));
  }

  /**
   * UpdateImageCache: {@code ImageCacheId} and what changes (a name, an image list that is pulled
   * again, a retention, tags); parameters not sent stay as they are.
   */
  public static ImageCacheService.Update update(ParamReader p) {
    Text.checkNoControl(p);
    String name = p.string("ImageCacheName");
    if (name != null && name.isEmpty()) name = null;
    if (name != null) checkName(name);
    List<String> images = images(p);
    List<ImageCache.Tag> tags = tags(p);
    return new ImageCacheService.Update(name, images.isEmpty() ? null : images, credentials(p),
        Options.csv(p.string("PlainHttpRegistry")), Options.csv(p.string("InsecureRegistry")), retention(p),
        p.has("Tag") ? tags : null);
  }

  private static void checkName(String name) {
    if (name.length() < 2 || !NAME.matcher(name).matches()) {
      throw ErrorCode.invalid("ImageCacheName", "2-128 characters: lower-case letters, digits and hyphens,"
          + " not starting or ending with a hyphen");
    }
  }

  private static List<String> images(ParamReader p) {
    List<String> images = new ArrayList<>();
    for (String image : p.strings("Image")) {
      if (image == null || image.isBlank()) throw ErrorCode.invalid("Image", "an image reference must not be empty");
      String trimmed = image.trim();
      if (trimmed.chars().anyMatch(Character::isWhitespace)) {
        throw ErrorCode.invalid("Image", "\"" + trimmed + "\" is not an image reference");
      }
      if (!images.contains(trimmed)) images.add(trimmed);
    }
    if (images.size() > MAX_IMAGES) throw ErrorCode.invalid("Image", "at most " + MAX_IMAGES + " images");
    return images;
  }

  /** ImageRegistryCredential.N.{Server, UserName, Password}: all three required. */
  public static List<RegistryAuth> credentials(ParamReader p) {
    List<RegistryAuth> creds = new ArrayList<>();
    for (ParamReader c : p.list("ImageRegistryCredential")) {
      String server = c.string("Server");
      String user = c.string("UserName");
      String password = c.string("Password");
      if (server == null || server.isBlank()) throw ErrorCode.missing(c.path("Server"));
      if (user == null || user.isEmpty()) throw ErrorCode.missing(c.path("UserName"));
      if (password == null || password.isEmpty()) throw ErrorCode.missing(c.path("Password"));
      creds.add(new RegistryAuth(server.trim(), user, password));
    }
    return creds;
  }

  private static Integer retention(ParamReader p) {
    Integer retention = p.integer("RetentionDays");
    if (retention != null && retention < 1) throw ErrorCode.invalid("RetentionDays", "must be >= 1");
    return retention;
  }

  private static List<ImageCache.Tag> tags(ParamReader p) {
    List<ImageCache.Tag> tags = new ArrayList<>();
    for (ParamReader t : p.list("Tag")) {
      String key = t.string("Key");
      if (key == null || key.isEmpty()) throw ErrorCode.missing(t.path("Key"));
      String value = t.string("Value");
      tags.add(new ImageCache.Tag(key, value == null ? "" : value));
    }
    if (tags.size() > 20) throw ErrorCode.invalid("Tag", "at most 20 tags");
    return tags;
  }

  /** DescribeImageCaches' filters: ImageCacheId (one id or several, comma-separated), ImageCacheName, SnapshotId, Image. */
  public static boolean matches(ParamReader p, ImageCache c) {
    String ids = p.string("ImageCacheId");
    if (ids != null && !ids.isBlank() && !Options.csv(ids).contains(c.id())) return false;
    String name = p.string("ImageCacheName");
    if (name != null && !name.isBlank() && !name.equals(c.name())) return false;
    String snapshot = p.string("SnapshotId");
    if (snapshot != null && !snapshot.isBlank() && !snapshot.equals(c.id())) return false;
    String image = p.string("Image");
    return image == null || image.isBlank() || c.images().contains(image.trim());
  }

  public record EventView(String Type, String Name, String Message, Integer Count, String FirstTimestamp,
      String LastTimestamp) {}

  public record TagView(String Key, String Value) {}

  public record CacheView(String ImageCacheId, String ImageCacheName, String SnapshotId, String RegionId,
      String Status, String Progress, List<String> Images, String CreationTime, String ExpireDateTime,
      String LastMatchedTime, String ContainerGroupId, String ResourceGroupId, Integer ImageCacheSize,
      List<EventView> Events, List<TagView> Tags) {}

  public static CacheView view(ImageCache c) {
    List<EventView> events = c.events().stream().map(e -> new EventView(e.type(), e.name(), e.message(), e.count(),
        DescribeMapper.time(e.firstTimestamp()), DescribeMapper.time(e.lastTimestamp()))).toList();
    List<TagView> tags = c.tags().stream().map(t -> new TagView(t.key(), t.value())).toList();
    // No disk snapshot exists locally: SnapshotId is the cache's own id (what ImageSnapshotId takes).
    return new CacheView(c.id(), c.name(), c.id(), c.regionId(), c.status(), c.progress() + "%", c.images(),
        DescribeMapper.time(c.creationTime()), DescribeMapper.time(c.expireTime()),
        DescribeMapper.time(c.lastMatchedTime()), "", "", 0, events, tags);
  }
}
