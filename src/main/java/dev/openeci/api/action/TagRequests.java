package dev.openeci.api.action;

import dev.openeci.api.rpc.ParamReader;
import dev.openeci.error.ErrorCode;
import dev.openeci.group.Tag;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The rules TagResources, UntagResources and ListTagResources share (docs/tags.md): which resource
 * types carry tags, the tag key/value rules, the 20-tag limit and ListTagResources' paging. Pure
 * functions, so the rules are tested without a server.
 */
final class TagRequests {
  private TagRequests() {}

  /** Tags per resource (NumberExceed.Tags past it), as for CreateContainerGroup's Tag.N. */
  static final int MAX_TAGS = 20;
  /** ResourceId.N per call. */
  static final int MAX_RESOURCE_IDS = 50;
  static final int MAX_KEY_CHARS = 128;
  static final int MAX_VALUE_CHARS = 128;
  static final int DEFAULT_LIMIT = 20;
  static final int MAX_LIMIT = 100;

  /** The ECI resource types openeci keeps tags on (ECI's third, VirtualNode, does not exist here). */
  enum ResourceType { ContainerGroup, ImageCache }

  static ResourceType resourceType(ParamReader p) {
    String v = p.required("ResourceType");
    for (ResourceType t : ResourceType.values()) {
      if (t.name().equalsIgnoreCase(v)) return t;
    }
    throw ErrorCode.invalid("ResourceType", "\"" + v + "\" is not one of ContainerGroup, ImageCache");
  }

  /** ResourceId.N: 1 to 50 ids, duplicates dropped, in the order given. */
  static List<String> resourceIds(ParamReader p, boolean required) {
    List<String> ids = p.strings("ResourceId");
    if (ids.isEmpty() && required) throw ErrorCode.missing("ResourceId.1");
    if (ids.size() > MAX_RESOURCE_IDS) {
      throw ErrorCode.invalid("ResourceId", "at most " + MAX_RESOURCE_IDS + " ids, got " + ids.size());
    }
    Set<String> out = new LinkedHashSet<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      if (id == null || id.isEmpty()) throw ErrorCode.missing("ResourceId." + (i + 1));
      out.add(id);
    }
    return List.copyOf(out);
  }

  /**
   * TagResources' Tag.N: at least one, at most 20, keys unique, 1-128 characters, not starting with
   * "aliyun" or "acs:" and without "http://"/"https://"; values at most 128 characters with the same
   * URL rule (empty allowed).
   */
  static List<Tag> tagsToAdd(ParamReader p) {
    List<ParamReader> items = p.list("Tag");
    if (items.isEmpty()) throw ErrorCode.missing("Tag.1.Key");
    if (items.size() > MAX_TAGS) throw ErrorCode.TAGS_NUMBER_EXCEED.withMessage(
        "The length of tags exceeded limit: " + MAX_TAGS + " (the request has " + items.size() + ").");
    List<Tag> out = new ArrayList<>();
    Set<String> keys = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String path = "Tag." + (i + 1);
      String key = items.get(i).string("Key");
      String value = items.get(i).string("Value");
      if (key == null || key.isEmpty()) throw ErrorCode.missing(path + ".Key");
      checkKey(path + ".Key", key);
      if (value == null) value = "";
      checkValue(path + ".Value", value);
      if (!keys.add(key)) throw ErrorCode.invalid(path + ".Key", "duplicate tag key \"" + key + "\"");
      out.add(new Tag(key, value));
    }
    return out;
  }

  static void checkKey(String path, String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    if (key.length() > MAX_KEY_CHARS || lower.startsWith("aliyun") || lower.startsWith("acs:")
        || lower.contains("http://") || lower.contains("https://")) {
      throw ErrorCode.invalid(path, "\"" + abbreviate(key) + "\": a tag key has 1-" + MAX_KEY_CHARS
          + " characters, does not start with \"aliyun\" or \"acs:\" and contains no \"http://\" or \"https://\"");
    }
  }

  static void checkValue(String path, String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    if (value.length() > MAX_VALUE_CHARS || lower.startsWith("aliyun") || lower.startsWith("acs:")
        || lower.contains("http://") || lower.contains("https://")) {
      throw ErrorCode.invalid(path, "a tag value has at most " + MAX_VALUE_CHARS + " characters, does not start"
          + " with \"aliyun\" or \"acs:\" and contains no \"http://\" or \"https://\"");
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  /** UntagResources' TagKey.N: at most 20 non-empty keys (empty list = none given). */
  static List<String> keysToRemove(ParamReader p) {
    List<String> keys = p.strings("TagKey");
    if (keys.size() > MAX_TAGS) {
      throw ErrorCode.invalid("TagKey", "at most " + MAX_TAGS + " tag keys, got " + keys.size());
    }
    for (int i = 0; i < keys.size(); i++) {
      if (keys.get(i) == null || keys.get(i).isEmpty()) throw ErrorCode.missing("TagKey." + (i + 1));
    }
    return keys;
  }

  /**
   * The tags after TagResources: a given key replaces the value of the existing tag of that key (in
   * place), new keys are appended; more than 20 in all is refused with NumberExceed.Tags.
   */
  static List<Tag> merge(String resourceId, List<Tag> current, List<Tag> add) {
    Map<String, String> byKey = new LinkedHashMap<>();
    for (Tag t : current) byKey.put(t.key(), t.value());
    for (Tag t : add) byKey.put(t.key(), t.value());
    if (byKey.size() > MAX_TAGS) {
      throw ErrorCode.TAGS_NUMBER_EXCEED.withMessage("The length of tags exceeded limit: " + MAX_TAGS + " ("
          + resourceId + " has " + current.size() + " tags; this request would make it " + byKey.size() + ").");
    }
    List<Tag> out = new ArrayList<>();
    byKey.forEach((k, v) -> out.add(new Tag(k, v == null ? "" : v)));
    return out;
  }

  /** The tags after UntagResources: {@code all} (without keys) removes every tag, else the keys named. */
  static List<Tag> remove(List<Tag> current, List<String> keys, boolean all) {
    if (keys.isEmpty()) return all ? List.of() : current;
    Set<String> drop = Set.copyOf(keys);
    return current.stream().filter(t -> !drop.contains(t.key())).toList();
  }

  /** ListTagResources' Tag.N filter: a resource matches when it has every tag (an empty Value: any value). */
  static List<Tag> filter(ParamReader p) {
    List<Tag> out = new ArrayList<>();
    List<ParamReader> items = p.list("Tag");
    if (items.size() > MAX_TAGS) {
      throw ErrorCode.invalid("Tag", "at most " + MAX_TAGS + " tags, got " + items.size());
    }
    for (int i = 0; i < items.size(); i++) {
      String key = items.get(i).string("Key");
      if (key == null || key.isEmpty()) throw ErrorCode.missing("Tag." + (i + 1) + ".Key");
      out.add(new Tag(key, items.get(i).string("Value")));
    }
    return out;
  }

  static boolean matches(List<Tag> tags, List<Tag> filter) {
    for (Tag f : filter) {
      boolean found = false;
      for (Tag t : tags) {
        if (t.key().equals(f.key()) && (f.value() == null || f.value().isEmpty() || f.value().equals(t.value()))) {
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  }

  /** One row of ListTagResources' TagResources. */
  record Row(String resourceId, String resourceType, String tagKey, String tagValue) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("ResourceId", resourceId);
      m.put("ResourceType", resourceType);
      m.put("TagKey", tagKey);
      m.put("TagValue", tagValue == null ? "" : tagValue);
      return m;
    }
  }

  static final Comparator<Row> ORDER = Comparator.comparing(Row::resourceId).thenComparing(Row::tagKey);

  record Page(List<Row> rows, String nextToken) {}

  /**
   * One page of {@code rows} (sorted by resource id, then tag key): the rows after the NextToken's
   * position, at most {@code limit}. The token names the last row returned (base64url of
   * "resourceId\ntagKey"), so a page stays right when rows before it are added or removed meanwhile.
   */
  static Page page(List<Row> rows, String nextToken, Integer limit) {
    int n = limit == null ? DEFAULT_LIMIT : limit;
    if (n < 1 || n > MAX_LIMIT) throw ErrorCode.invalid("Limit", "must be 1-" + MAX_LIMIT + ", got " + n);
    List<Row> sorted = rows.stream().sorted(ORDER).toList();
    int start = 0;
    if (nextToken != null && !nextToken.isEmpty()) {
      Row after = decode(nextToken);
      start = sorted.size();
      for (int i = 0; i < sorted.size(); i++) {
        if (ORDER.compare(sorted.get(i), after) > 0) {
          start = i;
          break;
        }
      }
    }
    int end = Math.min(sorted.size(), start + n);
    List<Row> out = sorted.subList(start, end);
    return new Page(List.copyOf(out), end < sorted.size() ? encode(sorted.get(end - 1)) : "");
  }

  static String encode(Row last) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(
        (last.resourceId() + "\n" + last.tagKey()).getBytes(StandardCharsets.UTF_8));
  }

  static Row decode(String token) {
    try {
      String s = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      int nl = s.indexOf('\n');
      if (nl < 0) throw new IllegalArgumentException();
      return new Row(s.substring(0, nl), "", s.substring(nl + 1), "");
    } catch (IllegalArgumentException e) {
      throw ErrorCode.invalid("NextToken", "\"" + abbreviate(token) + "\" is not a token of this listing");
    }
  }
}
