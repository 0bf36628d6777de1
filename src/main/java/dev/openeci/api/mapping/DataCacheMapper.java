package dev.openeci.api.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openeci.api.rpc.ParamReader;
import dev.openeci.datacache.DataCache;
import dev.openeci.datacache.DataCacheService;
import dev.openeci.error.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The data cache actions' parameters and responses (docs/data-caches.md): Bucket, Path, Name, Size,
 * RetentionDays, DataSource.Type / DataSource.Options (flattened {@code DataSource.Options.url}
 * as the SDKs send it, or a JSON object string), Tag.N; every value bounded and validated.
 */
public final class DataCacheMapper {
  public static final String DEFAULT_BUCKET = "default";
  static final String RESERVED_BUCKET = "eci-system";
  static final int MAX_PATH_BYTES = 1024;
  static final int MAX_URL_CHARS = 2048;
  static final int MAX_SIZE_GIB = 2048;
  static final int MAX_RETENTION_DAYS = 3650;
  static final int MAX_TAGS = 20;
  static final Pattern BUCKET = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  static final Pattern ID = Pattern.compile("edc-[a-z0-9]{1,40}");
  private static final ObjectMapper JSON = new ObjectMapper();

  private DataCacheMapper() {}

  public static String bucket(ParamReader p) {
    String b = p.string("Bucket");
    if (b == null || b.isEmpty()) return DEFAULT_BUCKET;
    if (!BUCKET.matcher(b).matches()) {
      throw ErrorCode.invalid("Bucket", "1-63 lower-case letters, digits and hyphens, starting with a letter or digit");
    }
    if (b.equals(RESERVED_BUCKET)) throw ErrorCode.invalid("Bucket", "\"eci-system\" is reserved");
    return b;
  }

  /**
   * A cache Path: absolute, normalized ("/models/bert"; a trailing "/" is dropped), made of plain
   * names (no "." or "..", no empty names, no NUL or control characters), at most 1024 bytes.
   * It names the cache inside its bucket; it is never a path on the server.
   */
  public static String path(String param, String v) {
    if (v == null || v.isEmpty()) throw ErrorCode.missing(param);
    String why = pathProblem(v);
    if (why != null) throw ErrorCode.invalid(param, "\"" + Volumes.printable(v) + "\" " + why);
    return normalize(v);
  }

  static String normalize(String v) {
    return v.length() > 1 && v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
  }

  static String pathProblem(String v) {
    if (!v.startsWith("/")) return "must be an absolute path";
    if (v.getBytes(StandardCharsets.UTF_8).length > MAX_PATH_BYTES) return "is longer than " + MAX_PATH_BYTES + " bytes";
    if (v.equals("/")) return "must name a directory below /";
    String body = normalize(v).substring(1);
    for (String part : body.split("/", -1)) {
      if (part.isEmpty()) return "must not contain an empty name (\"//\")";
      if (part.equals(".") || part.equals("..")) return "must not contain \".\" or \"..\"";
      if (part.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) return "must not contain control characters";
      if (part.getBytes(StandardCharsets.UTF_8).length > 255) return "has a name longer than 255 bytes";
    }
    return null;
  }

  static String name(ParamReader p, String fallback) {
    String n = p.string("Name");
    if (n == null || n.isEmpty()) return fallback;
    if (!NAME.matcher(n).matches()) {
      throw ErrorCode.invalid("Name", "1-128 letters, digits, \".\", \"_\" and \"-\", starting with a letter or digit");
    }
    return n;
  }

  static Integer size(ParamReader p) {
    Integer s = p.integer("Size");
    if (s != null && (s < 1 || s > MAX_SIZE_GIB)) throw ErrorCode.invalid("Size", "must be 1 to " + MAX_SIZE_GIB + " (GiB)");
    return s;
  }

  static Integer retention(ParamReader p) {
    Integer r = p.integer("RetentionDays");
    if (r != null && (r < 1 || r > MAX_RETENTION_DAYS)) {
      throw ErrorCode.invalid("RetentionDays", "must be 1 to " + MAX_RETENTION_DAYS);
    }
    return r;
  }

  static List<DataCache.Tag> tags(ParamReader p) {
    List<DataCache.Tag> tags = new ArrayList<>();
    for (ParamReader t : p.list("Tag")) {
      String key = t.string("Key");
      if (key == null || key.isEmpty()) throw ErrorCode.missing(t.path("Key"));
      if (key.length() > 128) throw ErrorCode.invalid(t.path("Key"), "at most 128 characters");
      String value = t.string("Value");
      if (value != null && value.length() > 128) throw ErrorCode.invalid(t.path("Value"), "at most 128 characters");
      tags.add(new DataCache.Tag(key, value == null ? "" : value));
    }
    if (tags.size() > MAX_TAGS) throw ErrorCode.invalid("Tag", "at most " + MAX_TAGS + " tags");
    return tags;
  }

  /** DataSource: null when absent and not {@code required}. */
  static DataCache.Source source(ParamReader p, boolean required) {
    String type = p.string("DataSource.Type");
    if (type == null || type.isEmpty()) {
      if (required || p.has("DataSource")) throw ErrorCode.missing("DataSource.Type");
      return null;
    }
    Map<String, String> options = options(p);
    switch (type) {
      case DataCacheService.URL -> {
        String url = options.get("url");
        if (url == null || url.isEmpty()) throw ErrorCode.missing("DataSource.Options.url");
        if (url.length() > MAX_URL_CHARS) throw ErrorCode.invalid("DataSource.Options.url", "at most 2048 characters");
        if (url.chars().anyMatch(c -> c <= 0x20 || c == 0x7f)) {
          throw ErrorCode.invalid("DataSource.Options.url", "must not contain spaces or control characters");
        }
        try {
          java.net.URI u = new java.net.URI(url);
          if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
              || u.getHost() == null) {
            throw new java.net.URISyntaxException(url, "not http(s)");
          }
        } catch (java.net.URISyntaxException e) {
          throw ErrorCode.invalid("DataSource.Options.url", "must be an http:// or https:// URL with a host");
        }
        return new DataCache.Source(type, Map.of("url", url));
      }
      case DataCacheService.HOST_PATH -> {
        String path = options.get("path");
        if (path == null || path.isEmpty()) throw ErrorCode.missing("DataSource.Options.path");
        String why = pathProblem(path);
        if (why != null) throw ErrorCode.invalid("DataSource.Options.path", "\"" + Volumes.printable(path) + "\" " + why);
        return new DataCache.Source(type, Map.of("path", normalize(path)));
      }
      default -> {
        if (type.length() > 64 || !type.matches("[A-Za-z0-9_-]+")) {
          throw ErrorCode.invalid("DataSource.Type", "must be URL or HostPath");
        }
        throw ErrorCode.DATA_CACHE_UNSUPPORTED_SOURCE.withMessage("DataSource.Type \"" + type + "\" is not supported"
            + " by this server; use URL or HostPath (docs/data-caches.md).");
      }
    }
  }

  private static Map<String, String> options(ParamReader p) {
    Map<String, String> out = new LinkedHashMap<>();
    String json = p.string("DataSource.Options");
    if (json != null && !json.isEmpty()) {
      try {
        JsonNode n = JSON.readTree(json);
        if (n == null || !n.isObject()) throw new IllegalArgumentException();
        n.fields().forEachRemaining(e -> {
          if (!e.getValue().isTextual()) throw new IllegalArgumentException();
          out.put(e.getKey(), e.getValue().asText());
        });
      } catch (Exception e) {
        throw ErrorCode.invalid("DataSource.Options", "must be a JSON object of strings, e.g. {\"url\":\"https://...\"}");
      }
    }
    ParamReader o = p.struct("DataSource.Options");
    for (String key : o.allKeys()) {
      if (key.contains(".")) throw ErrorCode.invalid(o.path(key), "options are plain strings");
      out.put(key, o.string(key));
    }
    if (out.size() > 16) throw ErrorCode.invalid("DataSource.Options", "at most 16 options");
    return out;
  }

  public static DataCacheService.Request create(ParamReader p) {
    Text.checkNoControl(p);
    String path = path("Path", p.string("Path"));
    Integer size = size(p);
    return new DataCacheService.Request(bucket(p), path, name(p, path.substring(path.lastIndexOf('/') + 1)),
        size == null ? 20 : size, source(p, true), retention(p), tags(p));
  }

  /** CopyDataCache: Bucket, Path (required), Name, RetentionDays, Tag of the copy. */
  public static DataCacheService.Request copy(ParamReader p) {
    Text.checkNoControl(p);
    String path = path("Path", p.string("Path"));
    return new DataCacheService.Request(bucket(p), path, name(p, null), 0, null, retention(p), tags(p));
  }

  public static String id(ParamReader p) {
    String id = p.string("DataCacheId");
    if (id == null || id.isEmpty()) throw ErrorCode.missing("DataCacheId");
    if (!ID.matcher(id).matches()) {
      throw ErrorCode.DATA_CACHE_NOT_FOUND.withMessage("The data cache " + Volumes.printable(id) + " does not exist.");
    }
    return id;
  }

  /** UpdateDataCache's changes (null = unchanged). */
  public record Update(String id, String name, Integer sizeGiB, DataCache.Source source, Integer retentionDays,
      List<DataCache.Tag> tags) {}

  public static Update update(ParamReader p) {
    Text.checkNoControl(p);
    String id = id(p);
    String name = name(p, null);
    List<DataCache.Tag> tags = p.has("Tag") ? tags(p) : null;
    return new Update(id, name, size(p), source(p, false), retention(p), tags);
  }

  /** DescribeDataCaches' filters: DataCacheId.N (or one DataCacheId), Bucket, Path, Tag.N. */
  public static boolean matches(ParamReader p, DataCache c) {
    List<String> ids = new ArrayList<>(p.strings("DataCacheId"));
    String one = p.string("DataCacheId");
    if (one != null && !one.isBlank()) ids.addAll(Options.csv(one));
    if (!ids.isEmpty() && !ids.contains(c.id())) return false;
    String bucket = p.string("Bucket");
    if (bucket != null && !bucket.isBlank() && !bucket.equals(c.bucket())) return false;
    String path = p.string("Path");
    if (path != null && !path.isBlank() && !normalize(path).equals(c.path())) return false;
    for (ParamReader t : p.list("Tag")) {
      String key = t.string("Key");
      if (key == null || key.isEmpty()) continue;
      String value = t.string("Value");
      if (c.tags().stream().noneMatch(x -> x.key().equals(key) && (value == null || value.equals(x.value())))) {
        return false;
      }
    }
    return true;
  }

  public record SourceView(String Type, String Options) {}

  public record EventView(String Type, String Name, String Reason, String Message, Integer Count,
      String FirstTimestamp, String LastTimestamp) {}

  public record TagView(String Key, String Value) {}

  public record CacheView(String DataCacheId, String Name, String Bucket, String Path, String RegionId, String Status,
      String Progress, Integer Size, String CreationTime, String ExpireDateTime, String LastMatchedTime,
      String ContainerGroupId, String ResourceGroupId, String SnapshotId, String FlashSnapshotId,
      SourceView DataSource, List<EventView> Events, List<TagView> Tags) {}

  public static CacheView view(DataCache c) {
    String options;
    try {
      options = JSON.writeValueAsString(c.source().options());
    } catch (Exception e) {
      options = "{}";
    }
    List<EventView> events = c.events().stream().map(e -> new EventView(e.type(), e.name(), e.name(), e.message(),
        e.count(), DescribeMapper.time(e.firstTimestamp()), DescribeMapper.time(e.lastTimestamp()))).toList();
    return new CacheView(c.id(), c.name(), c.bucket(), c.path(), c.regionId(), c.status(), c.progress() + "%",
        c.sizeGiB(), DescribeMapper.time(c.creationTime()), DescribeMapper.time(c.expireTime()),
        DescribeMapper.time(c.lastMatchedTime()), "", "", "", "", new SourceView(c.source().type(), options), events,
        c.tags().stream().map(t -> new TagView(t.key(), t.value())).toList());
  }
}
